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
    import ast
    import sys
    import tomllib

    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[<>=\[; ]", d, maxsplit=1)[0].lower().replace("-", "_") for d in declared}
    imported = set()
    for path in (REPO / "mapapp").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = {m for m in imported if m not in sys.stdlib_module_names and m not in ("mapapp", "__future__")}
    import_names = {"psycopg": "psycopg", "yaml": "pyyaml", "stdnum": "python_stdnum"}
    missing = {m for m in third_party if import_names.get(m, m).lower() not in names}
    assert missing == set(), f"imported by mapapp/ but not in pyproject.toml's dependencies: {missing}"
