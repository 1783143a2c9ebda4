"""The code keeps the shape STYLE.md asks for: modules import one another one way (no cycle,
lazy imports inside functions included), and the data layer knows nothing of Dash or HTTP."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mapapp"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def related(a: str, b: str) -> bool:
    """A package and its own modules (`storage` re-exporting `storage.files`): one unit."""
    return a.startswith(b + ".") or b.startswith(a + ".")


def imports() -> dict[str, set[str]]:
    """mapapp module -> the mapapp modules it imports anywhere in its code (between units: a
    package and its own modules count as one)."""
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found |= {f"{node.module}.{alias.name}" for alias in node.names}
        graph[name] = {m for m in found if m in modules and m != name and m != "mapapp" and not related(name, m)}
    return graph


def test_no_import_cycles():
    graph = imports()
    assert len(graph) > 20 and "mapapp.data.query" in graph["mapapp.data.coverage"]  # the graph is read
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(graph[node]):
            if nxt in path:
                cycles.append(path[path.index(nxt) :] + [nxt])
            elif len(path) < 12:
                visit(nxt, [*path, nxt])

    for start in sorted(graph):
        visit(start, [start])
    assert cycles == [], sorted({" -> ".join(c) for c in cycles})[:5]


def test_the_data_layer_knows_nothing_of_dash_or_http():
    for path in (PACKAGE / "data").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert name.split(".")[0] not in ("dash", "dash_leaflet", "flask"), (path.name, name)
                assert not name.startswith(("mapapp.ui", "mapapp.api", "mapapp.view")), (path.name, name)
