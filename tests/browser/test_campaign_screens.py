"""Campaigns, Learn and Our direction in a real browser (screenshots in test-artifacts/)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from engagement.authz import Role
from tests.browser.conftest import ARTIFACTS, PROJECT, start_server, stop_server
from tests.browser.test_journeys import persona, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def full_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The demo as `make run` serves it (600 people): enough groups for the lift to read."""
    db = tmp_path_factory.mktemp("full-demo") / "virage.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "VIRAGE_ENV": "development"}
    subprocess.run(
        [sys.executable, "-m", "engagement", "demo"],
        cwd=PROJECT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    proc, base = start_server(env, tmp_path_factory.mktemp("logs") / "server.log")
    yield base, f"sqlite:///{db}"
    stop_server(proc)


def test_employee_learns_step_by_step(server: tuple[str, str], page) -> None:  # type: ignore[no-untyped-def]
    base, db_url = server
    page.set_viewport_size({"width": 1300, "height": 1100})
    sign_in(page, base, persona(db_url, Role.EMPLOYEE))
    page.get_by_role("link", name="Learn").click()
    page.get_by_role("heading", name="Learn", exact=True).wait_for()
    page.get_by_text("Library").wait_for()
    page.wait_for_timeout(500)
    page.screenshot(path=ARTIFACTS / "learn.png", full_page=True)
    page.get_by_role("button", name="Start").first.click()
    page.get_by_text("Step 1 of 5").wait_for()
    page.wait_for_timeout(500)
    page.screenshot(path=ARTIFACTS / "learn-step.png", full_page=True)
    for _ in range(3):
        page.get_by_role("button", name="Next").click()
        page.wait_for_timeout(400)
    page.get_by_role("button", name="Go to the check").click()
    page.get_by_role("heading", name="Comprehension check").wait_for()
    page.get_by_role("button", name="Check my answers").click()
    page.get_by_text("Answer every question before checking.").wait_for()
    page.wait_for_timeout(400)
    page.screenshot(path=ARTIFACTS / "learn-check.png", full_page=True)


def test_hr_writes_a_campaign_and_reads_its_analytics(full_demo: tuple[str, str], page) -> None:  # type: ignore[no-untyped-def]
    base, db_url = full_demo
    page.set_viewport_size({"width": 1400, "height": 1200})
    sign_in(page, base, persona(db_url, Role.HR))
    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("heading", name="Campaigns").wait_for()
    page.get_by_text("Internal markets targeted").wait_for()
    page.get_by_label("Title (English)").fill("Customer minute in every huddle")
    message = page.get_by_role("textbox", name="Message (English)")
    message.fill(
        "From Monday, **every huddle opens with one customer**:\n\n- who\n- what they needed"
    )
    message.blur()
    page.wait_for_timeout(800)
    page.screenshot(path=ARTIFACTS / "campaign-editor.png", full_page=True)
    page.get_by_test_id("stMain").get_by_role("combobox").first.click()
    page.get_by_role("option", name="Our mission starts on the phone").click()
    page.get_by_text("Funnel — everyone reached").wait_for()
    page.get_by_text("Understanding rose").wait_for()
    page.wait_for_timeout(1500)
    page.screenshot(path=ARTIFACTS / "campaign-analytics.png", full_page=True)
    body = page.get_by_test_id("stMain").inner_text()
    assert "By internal market" in body and "By department" in body
    # the demo's campaigns reach a handful of departments: an explicit verdict, no interval
    assert "too few to tell" in body and "interval (" not in body


def test_everyone_reads_our_direction(server: tuple[str, str], page) -> None:  # type: ignore[no-untyped-def]
    base, db_url = server
    page.set_viewport_size({"width": 1300, "height": 1100})
    sign_in(page, base, persona(db_url, Role.LEADER))
    page.get_by_role("link", name="Our direction").click()
    page.get_by_role("heading", name="Our direction").wait_for()
    page.get_by_text("What changed since version 1").first.click()
    page.wait_for_timeout(800)
    page.screenshot(path=ARTIFACTS / "direction.png", full_page=True)
