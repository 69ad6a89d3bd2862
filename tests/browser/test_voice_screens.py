"""Ask and object, Coaching and Home's “you said, we did” in a real browser (screenshots in
test-artifacts/, to be looked at)."""

from __future__ import annotations

import pytest

from engagement.authz import Role
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_campaign_screens import full_demo  # noqa: F401  (the 600-person demo)
from tests.browser.test_journeys import persona, sign_in

pytestmark = pytest.mark.browser

RISKY = (
    "Does <script>alert(1)</script> customer-first mean :red[overtime]? "
    "![pixel](http://tracker.example/p.png) [click](javascript:alert(1))"
)


def test_home_shows_you_said_we_did(server: tuple[str, str], page) -> None:  # type: ignore[no-untyped-def]
    base, db_url = server
    page.set_viewport_size({"width": 1400, "height": 1000})
    sign_in(page, base, persona(db_url, Role.EMPLOYEE))
    page.get_by_role("heading", name="You said, we did").wait_for()
    page.get_by_text("We will").first.wait_for()
    page.wait_for_timeout(600)
    page.screenshot(path=ARTIFACTS / "home-you-said.png", full_page=True)
    main = page.get_by_test_id("stMain").inner_text()
    assert main.index("You said, we did") < main.index("For you today")


def test_employee_posts_anonymously_and_upvotes(server: tuple[str, str], page) -> None:  # type: ignore[no-untyped-def]
    base, db_url = server
    page.set_viewport_size({"width": 1400, "height": 1400})
    sign_in(page, base, persona(db_url, Role.EMPLOYEE))
    page.get_by_role("link", name="Ask and object").click()
    page.get_by_role("heading", name="Ask and object").wait_for()
    page.get_by_text("Ask a question or raise an objection").wait_for()
    page.wait_for_timeout(600)
    page.screenshot(path=ARTIFACTS / "board.png", full_page=True)
    page.get_by_role("textbox", name="Your question or objection").fill(RISKY)
    page.get_by_text("Post anonymously").click()
    page.get_by_role("button", name="Post").click()
    page.get_by_text("Posted anonymously: no name was stored.").wait_for()
    page.get_by_role("radio", name="Newest").click(force=True)
    page.wait_for_timeout(1500)  # the rerun replaces the tab's content
    card = page.get_by_text("Does <script>alert(1)</script> customer-first").first
    card.wait_for()
    # shown exactly as written: no script, no image, no link, no colour of its own
    text = card.inner_text().replace("\u2060", "")  # the word joiner that stops autolinks
    assert ":red[overtime]" in text and "![pixel](http://tracker.example/p.png)" in text
    main = page.get_by_test_id("stMain")
    assert main.locator("img[src*='tracker.example']").count() == 0
    assert main.locator("a[href*='tracker.example']").count() == 0
    assert main.locator("a[href^='javascript']").count() == 0
    assert main.locator("script", has_text="alert(1)").count() == 0
    page.get_by_role("button", name="0 upvotes").first.click()
    page.get_by_role("button", name="1 upvote", exact=True).first.wait_for()
    assert page.get_by_role("button", name="1 upvote", exact=True).first.is_disabled()
    page.wait_for_timeout(600)
    page.screenshot(path=ARTIFACTS / "board-posted.png", full_page=False)


def test_leader_answers_on_the_board(server: tuple[str, str], page) -> None:  # type: ignore[no-untyped-def]
    base, db_url = server
    page.set_viewport_size({"width": 1400, "height": 1600})
    sign_in(page, base, persona(db_url, Role.LEADER))
    page.get_by_role("link", name="Ask and object").click()
    page.get_by_role("heading", name="Ask and object").wait_for()
    page.get_by_text("Answer and triage").first.click()
    page.get_by_text("Public answer").first.wait_for()
    page.wait_for_timeout(600)
    page.screenshot(path=ARTIFACTS / "board-leader.png", full_page=False)
    page.get_by_role("tab", name="You said, we did").click()
    page.get_by_text("Publish “you said, we did”").wait_for()
    page.wait_for_timeout(600)
    page.screenshot(path=ARTIFACTS / "board-you-said.png", full_page=True)


def test_manager_coaches_a_team(full_demo: tuple[str, str], page) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """On the 600-person demo, where Field Sales' teams are big enough to show figures."""
    base, db_url = full_demo
    page.set_viewport_size({"width": 1400, "height": 1200})
    sign_in(page, base, persona(db_url, Role.MANAGER))
    page.get_by_role("link", name="Coaching").click()
    page.get_by_role("heading", name="Coaching", exact=True).wait_for()
    page.get_by_role("heading", name="Conversation guide").wait_for()
    page.get_by_text("Nudges", exact=True).wait_for()
    page.get_by_role("heading", name="My coaching log").wait_for()
    page.wait_for_timeout(800)
    page.screenshot(path=ARTIFACTS / "coaching.png", full_page=True)
    page.get_by_test_id("stMain").get_by_role("combobox").first.click()
    page.get_by_role("option", name="Field Sales West").click()
    page.get_by_role("heading", name="Where Field Sales West stands").wait_for()
    page.wait_for_timeout(1000)
    log = page.get_by_test_id("stExpander").filter(has_text="Quote process")
    log.click()
    log.get_by_text("List the fields we never use").wait_for()
    log.get_by_test_id("stDataFrame").wait_for()  # the follow-through
    page.wait_for_timeout(800)
    log.screenshot(path=ARTIFACTS / "coaching-log.png")


def test_board_and_coaching_in_french(server: tuple[str, str], page) -> None:  # type: ignore[no-untyped-def]
    base, db_url = server
    page.set_viewport_size({"width": 1400, "height": 1200})
    manager = persona(db_url, Role.MANAGER)
    sign_in(page, base, manager)
    page.get_by_test_id("stSidebar").get_by_role("combobox").first.click()
    page.get_by_role("option", name="Français").click()
    page.get_by_role("heading", name=f"Bonjour, {manager.name}").wait_for()
    # the menu's French names come from the catalogue: follow the links by address
    page.locator("a[href$='/coaching']").click()
    page.get_by_text("Gestionnaire", exact=False).or_(
        page.get_by_test_id("stSelectbox")
    ).first.wait_for()
    page.wait_for_timeout(1500)
    page.screenshot(path=ARTIFACTS / "fr-coaching.png", full_page=True)
    page.locator("a[href$='/ask-and-object']").click()
    page.get_by_test_id("stTextArea").first.wait_for()
    page.wait_for_timeout(1500)
    page.screenshot(path=ARTIFACTS / "fr-board.png", full_page=True)
