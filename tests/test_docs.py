"""The README stays true: its commands, settings and CLI are the real ones."""

from __future__ import annotations

import re
from pathlib import Path

from mapapp.__main__ import build_parser
from mapapp.config import Config

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_ci_runs_exactly_the_readme_test_command():
    blocks = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)
    assert blocks[:2] == ["python -m pip install -e . && python -m mapapp serve", "bash tests/run.sh"]
    assert "exec bash tests/run.sh" in (REPO / ".ci" / "run").read_text()


def test_every_cli_command_is_documented():
    commands = build_parser()._subparsers._group_actions[0].choices
    for name in commands:
        assert f"python -m mapapp {name}" in README, name


def test_every_setting_is_documented():
    env = {
        "MAPAPP_GEODATA_DIR": "/x",
        "MAPAPP_DATA_DIR": "/y",
        "MAPAPP_TILE_URL": "t",
        "MAPAPP_TILE_ATTRIBUTION": "a",
        "HOST": "h",
        "PORT": "1",
        "MAPAPP_FRAME_ANCESTORS": "https://www.example.gouv.fr",
        "MAPAPP_LOG_FORMAT": "text",
        "MAPAPP_LOG_LEVEL": "DEBUG",
        "MAPAPP_ANSWER_CACHE_MB": "16",
    }
    config = Config.from_env(env)
    assert (str(config.geodata_dir), str(config.data_dir), config.tile_url, config.port) == ("/x", "/y", "t", 1)
    assert (config.log_format, config.log_level, config.answer_cache_mb) == ("text", "DEBUG", 16)
    for name in env:
        assert f"`{name}`" in README, name


def test_procfile_serves_the_wsgi_app_on_port():
    procfile = (REPO / "Procfile").read_text()
    assert procfile.startswith("web: gunicorn ") and "$PORT" in procfile and "mapapp.wsgi:server" in procfile
    assert f"web: {procfile.split('web: ', 1)[1].strip()}" in README  # the README shows it as it is


def test_every_third_party_import_of_the_app_is_a_declared_dependency():
    """An import is a dependency; one in a `try: … except ImportError` is optional, and must be in
    an extra instead (frictionless, for `validate` only)."""
    import ast
    import sys
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]

    def names(requirements) -> set[str]:
        return {re.split(r"[<>=\[; ]", d, maxsplit=1)[0].lower().replace("-", "_") for d in requirements}

    declared = names(project["dependencies"])
    extras = names(d for ds in project["optional-dependencies"].values() for d in ds)
    imported, optional = set(), set()
    for path in (REPO / "mapapp").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        guarded = {
            id(node)
            for block in ast.walk(tree)
            if isinstance(block, ast.Try)
            and any(isinstance(h.type, ast.Name) and h.type.id == "ImportError" for h in block.handlers)
            for statement in block.body
            for node in ast.walk(statement)
        }
        for node in ast.walk(tree):
            modules = []
            if isinstance(node, ast.Import):
                modules = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module.split(".")[0]]
            (optional if id(node) in guarded else imported).update(modules)

    def third_party(modules: set[str]) -> set[str]:
        return {m for m in modules if m not in sys.stdlib_module_names and m not in ("mapapp", "__future__")}

    import_names = {"psycopg": "psycopg", "yaml": "pyyaml", "stdnum": "python_stdnum"}
    missing = {m for m in third_party(imported) if import_names.get(m, m).lower() not in declared}
    assert missing == set(), f"imported by mapapp/ but not in pyproject.toml's dependencies: {missing}"
    assert third_party(optional) <= extras, "optional imports belong to an extra"


def test_the_server_does_not_load_frictionless():
    """frictionless and what it pulls (petl, simpleeval, typer…) stay out of the serving path."""
    import subprocess
    import sys

    code = (
        "import sys; from mapapp import create_app; create_app(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('frictionless', 'petl', 'simpleeval', 'typer')))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr[-2000:]
