"""Heatmap downloads in a real browser: the file arrives for every role that sees the heatmap,
and the audit log records the export once it has been made."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlmodel import Session, col, select

from engagement.authz import Role
from engagement.db import get_engine
from engagement.models import AuditEntry
from tests.browser.conftest import ARTIFACTS, PROJECT, start_server, stop_server
from tests.browser.test_journeys import persona, sign_in

pytestmark = pytest.mark.browser


def _exports_by(db_url: str, email: str) -> list[str]:
    with Session(get_engine(db_url)) as s:
        query = select(AuditEntry.action).where(
            AuditEntry.actor == email, col(AuditEntry.action).startswith("export.")
        )
        return list(s.exec(query).all())


@pytest.mark.parametrize("role", [Role.MANAGER, Role.HR, Role.LEADER])
def test_download_png_saves_a_real_png_for_every_role(  # type: ignore[no-untyped-def]
    server: tuple[str, str], page, role: Role
) -> None:
    base, db_url = server
    who = persona(db_url, role)
    sign_in(page, base, who)
    page.get_by_role("link", name="Adoption heatmap").click()
    page.get_by_role("heading", name="Adoption heatmap").wait_for()
    button = page.get_by_role("button", name="Download PNG")
    button.wait_for()
    before = _exports_by(db_url, who.email)
    with page.expect_download(timeout=60_000) as pending:
        button.click()
    download = pending.value
    path = ARTIFACTS / f"heatmap-download-{role.value}.png"
    download.save_as(path)
    assert download.suggested_filename.startswith("virage-heatmap-wave-")
    assert download.suggested_filename.endswith(".png")
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
    assert page.get_by_test_id("stDownloadButtonError").count() == 0
    assert _exports_by(db_url, who.email) == [*before, "export.heatmap_png"]


@pytest.fixture(scope="module")
def broken_renderer_server(
    server: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A second replica on the same demo database whose PNG renderer always fails."""
    _base, db_url = server
    fixtures = PROJECT / "tests" / "fixtures" / "broken_renderer"
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "VIRAGE_ENV": "development",
        "PYTHONPATH": os.pathsep.join([str(fixtures), str(PROJECT)]),
    }
    proc, base = start_server(env, tmp_path_factory.mktemp("broken") / "server.log")
    yield base
    stop_server(proc)


def test_a_failed_png_says_so_and_is_audited_as_failed(  # type: ignore[no-untyped-def]
    server: tuple[str, str], broken_renderer_server: str, page
) -> None:
    _base, db_url = server
    who = persona(db_url, Role.MANAGER)
    sign_in(page, broken_renderer_server, who)
    page.get_by_role("link", name="Adoption heatmap").click()
    page.get_by_role("heading", name="Adoption heatmap").wait_for()
    before = _exports_by(db_url, who.email)
    downloads: list[object] = []
    page.on("download", lambda download: downloads.append(download))
    page.get_by_role("button", name="Download PNG").click()
    page.get_by_test_id("stDownloadButtonError").wait_for()
    page.screenshot(path=ARTIFACTS / "heatmap-download-failed.png", full_page=True)
    assert page.get_by_test_id("stException").count() == 0  # no traceback on screen
    assert downloads == []
    assert _exports_by(db_url, who.email) == [*before, "export.heatmap_png.failed"]
