"""The README's import section lists exactly the accepted columns of `mapapp/ingest/columns.py`."""

from __future__ import annotations

from pathlib import Path

from mapapp.ingest.columns import columns_markdown

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_readme_lists_exactly_the_accepted_columns():
    section = README.split("## Importing real data", 1)[1]
    start = section.index("| table | column |")
    table = section[start:].split("\n\n", 1)[0].rstrip("\n")
    assert table == columns_markdown(), (
        "regenerate: python -c 'from mapapp.ingest.columns import columns_markdown as m; print(m())'"
    )


def test_readme_documents_the_import_commands():
    for command in ("python -m mapapp import members", "python -m mapapp import --rollback", "--dry-run", "--replace"):
        assert command in README, command
