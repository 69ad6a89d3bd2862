"""The internal-markets page: HR builds with a live size, leaders read, bad input is refused."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, func, select

from engagement.authz import Role
from engagement.db import get_engine
from engagement.models import Market
from engagement.services import directory
from tests.test_pages import app, personas

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "markets.py")


def open_markets(url: str, role: Role):  # type: ignore[no-untyped-def]
    at = app(personas(url)[role].email)
    return at.switch_page(PAGE).run()


def market_count(url: str) -> int:
    with Session(get_engine(url)) as s:
        return int(s.exec(select(func.count()).select_from(Market)).one())


def test_hr_builds_a_market_with_a_live_size_and_saves_it(demo_url: str) -> None:
    before = market_count(demo_url)
    at = open_markets(demo_url, Role.HR)
    assert not at.exception
    assert len(at.dataframe[0].value) == before  # the demo markets, listed
    at.selectbox(key="markets.pick").set_value(0).run()  # a new market
    assert at.metric[0].value == "150"  # no rule yet: everyone
    at.multiselect(key="markets.edit.new.inc.locations").set_value(["Québec"]).run()
    with Session(get_engine(demo_url)) as s:
        from engagement.models import Employee

        in_quebec = s.exec(
            select(func.count()).select_from(Employee).where(Employee.location == "Québec")
        ).one()
    assert at.metric[0].value == str(in_quebec)
    at.text_input(key="markets.edit.new.name").set_value("Québec sites").run()
    at.button(key="markets.edit.new.save").click().run()
    assert not at.exception and not at.error
    assert "Saved “Québec sites”" in at.success[0].value
    assert market_count(demo_url) == before + 1


def test_a_small_market_warns_that_results_will_be_hidden(demo_url: str) -> None:
    at = open_markets(demo_url, Role.HR)
    at.selectbox(key="markets.pick").set_value(0).run()
    with Session(get_engine(demo_url)) as s:
        tiny = directory.find_department(s, "HR Systems").id
    at.multiselect(key="markets.edit.new.inc.departments").set_value([tiny]).run()
    assert any("fewer than 5 people" in w.value for w in at.warning)


def test_saving_without_a_name_is_refused_and_saves_nothing(demo_url: str) -> None:
    before = market_count(demo_url)
    at = open_markets(demo_url, Role.HR)
    at.selectbox(key="markets.pick").set_value(0).run()
    at.button(key="markets.edit.new.save").click().run()
    assert "Give the market a name" in at.error[0].value
    assert market_count(demo_url) == before


def test_leaders_read_markets_but_cannot_edit_them(demo_url: str) -> None:
    at = open_markets(demo_url, Role.LEADER)
    assert not at.exception
    assert 0 not in at.selectbox(key="markets.pick").options  # no “new market”
    assert not [b for b in at.button if b.key and b.key.endswith(".save")]
    picker = at.selectbox(key="markets.pick")
    labels = list(picker.options)  # AppTest lists the options as shown
    picker.select_index(next(i for i, o in enumerate(labels) if "customer-facing" in o)).run()
    assert any("customer-facing" in m.value for m in at.markdown)  # the rules, in words
