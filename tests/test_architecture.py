"""The house plan: Streamlit only in the adapter, thin pages, data walking one way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
DOMAIN = PROJECT / "engagement"
ADAPTER = DOMAIN / "ui"
PAGES = sorted((PROJECT / "pages").glob("*.py"))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(DOMAIN.rglob("*.py")) if ADAPTER not in p.parents],
    ids=lambda p: str(p.relative_to(PROJECT)),
)
def test_domain_does_not_import_streamlit(path: Path) -> None:
    assert not any(n == "streamlit" or n.startswith("streamlit.") for n in _imports(path))


def test_the_adapter_is_where_streamlit_lives() -> None:
    assert any("streamlit" in _imports(p) for p in ADAPTER.rglob("*.py"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_pages_are_thin_and_guarded(page: Path) -> None:
    source = page.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= 100
    forbidden = {"sqlmodel", "sqlalchemy", "altair", "pandas", "engagement.models", "engagement.db"}
    assert not _imports(page) & forbidden
    first_statement = next(
        n
        for n in ast.parse(source).body
        if not isinstance(n, ast.Import | ast.ImportFrom | ast.Expr)
    )
    assert "ui.guard(__file__)" in ast.unparse(first_statement), "the guard must come first"


def test_every_page_file_is_in_the_navigation_registry() -> None:
    from engagement.ui.nav import PAGES as REGISTRY

    assert {p.path for p in REGISTRY} == {f"pages/{p.name}" for p in PAGES}
