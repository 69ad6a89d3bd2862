"""Hostile text through every writing service, on SQLite and PostgreSQL: the same outcome on
both — stored the same way, or refused with the same domain message — and never a raw error.

Each example is applied to both databases in turn; a success commits and a refusal rolls back
on each, so the two stay alike and later examples meet the same state (a name taken, say).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from engagement.authz import SYSTEM, Actor, Role
from engagement.db import get_engine, unit_of_work
from engagement.errors import VirageError
from engagement.markets import MarketRules
from engagement.models import Campaign, Employee, Market, Pulse
from engagement.questions import default_bank
from engagement.services import board, campaigns, markets, pulses, roles
from engagement.services import people_import as import_service
from engagement.services.campaigns import CampaignDraft
from engagement.services.pulses import CustomQuestion, PulseDraft
from tests import factories
from tests.conftest import PG_URL, fresh_pg_database

# what breaks naive code: NUL and other controls, lone surrogates, bidi overrides and
# isolates, zero-width characters, a byte-order mark, combining accents (NFC), formula starts
NASTY = [
    "\x00", "\x01", "\x1b", "\x7f", "\x85", "\t", "\n", "\r", "\ud800", "\udfff", "\u202e",
    "\u202d", "\u2066", "\u2069", "\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad", "e\u0301",
    "\ufffe", "=", "+", "@", "'", '"', ";", ",", "\\", "%", "_", " ", "\u3000", "😀", "ﷺ",
]  # fmt: skip
TEXT = st.one_of(
    st.lists(st.one_of(st.sampled_from(NASTY), st.characters()), max_size=12).map("".join),
    st.text(max_size=40),
    # over the columns' lengths: 120 (names), 200, 320 (e-mails), 2,000, 10,000
    st.builds(
        lambda c, n: c * n,
        st.sampled_from(["a", "é", "\x00", "\u200b"]),
        st.sampled_from([119, 121, 201, 321, 501, 2001, 10_001]),
    ),
)


@dataclass
class World:
    url: str
    actor: Actor
    n: int = 0


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8", "surrogatepass")


Writer = Callable[[Session, Actor, str, int], Any]


def market_name(s: Session, actor: Actor, text: str, n: int) -> Any:
    market_id = markets.save_market(session=s, actor=actor, rules=MarketRules(), names={"en": text})
    return s.get(Market, market_id).names  # type: ignore[union-attr]


def market_description(s: Session, actor: Actor, text: str, n: int) -> Any:
    market_id = markets.save_market(
        session=s,
        actor=actor,
        rules=MarketRules(),
        names={"en": f"M{n}"},
        descriptions={"fr": text},
    )
    return s.get(Market, market_id).descriptions  # type: ignore[union-attr]


def pulse_name(s: Session, actor: Actor, text: str, n: int) -> Any:
    item = next(iter(default_bank().items))
    draft = PulseDraft(names={"fr": text}, item_ids=[item], start_date=date(2026, 1, 5))
    pulse = s.get(Pulse, pulses.create_pulse(session=s, actor=actor, draft=draft))
    return pulse.names  # type: ignore[union-attr]


def pulse_question(s: Session, actor: Actor, text: str, n: int) -> Any:
    draft = PulseDraft(
        names={"en": f"P{n}"}, item_ids=[], custom=[CustomQuestion(text)], start_date=date.today()
    )
    pulse = s.get(Pulse, pulses.create_pulse(session=s, actor=actor, draft=draft))
    return pulse.custom_items  # type: ignore[union-attr]


def campaign_title(s: Session, actor: Actor, text: str, n: int) -> Any:
    draft = CampaignDraft(title={"en": text}, pillar="mission", message={"en": "m"}, market_ids=[])
    campaign_id = campaigns.save_campaign(session=s, actor=actor, campaign_id=None, draft=draft)
    return s.get(Campaign, campaign_id).title  # type: ignore[union-attr]


def board_post(s: Session, actor: Actor, text: str, n: int) -> Any:
    board.post_item(
        session=s, actor=actor, kind="question", body=text, anonymous=False, pillar="mission"
    )
    return "posted"


def imported_person(s: Session, actor: Actor, text: str, n: int) -> Any:
    data = _csv(
        [
            ["external_id", "name", "department", "location", "Notes"],
            [f"X{n}", text, "Sales", text, text],
        ]
    )
    report = import_service.import_people(session=s, actor=SYSTEM, data=data, file_name="x.csv")
    person = s.exec(select(Employee).where(Employee.external_id == f"X{n}")).one()
    return report.created, person.name, person.location, person.extra


def imported_email(s: Session, actor: Actor, text: str, n: int) -> Any:
    data = _csv([["external_id", "email", "department"], [f"E{n}", text, "Sales"]])
    import_service.import_people(session=s, actor=SYSTEM, data=data, file_name="x.csv")
    return s.exec(select(Employee.email).where(Employee.external_id == f"E{n}")).one()


def role_grant(s: Session, actor: Actor, text: str, n: int) -> Any:
    return roles.grant_role(session=s, actor=SYSTEM, email=text, role="hr")


WRITERS: list[Writer] = [
    market_name,
    market_description,
    pulse_name,
    pulse_question,
    campaign_title,
    board_post,
    imported_person,
    imported_email,
    role_grant,
]


def outcome(world: World, writer: Writer, text: str) -> tuple[Any, ...]:
    """What a writer did with `text` on one database: stored (and what was read back) or
    refused (and the domain's message). Anything else fails the test."""
    try:
        with unit_of_work(get_engine(world.url)) as s:
            return ("stored", writer(s, world.actor, text, world.n))
    except VirageError as refused:
        return ("refused", type(refused).__name__, str(refused))
    except Exception as raw:  # a raw error reached the caller: the domain let it through
        pytest.fail(f"{writer.__name__} raised {type(raw).__name__} on {world.url[:10]}: {raw!r}")


def _world(url: str) -> World:
    with unit_of_work(get_engine(url)) as s:
        sales = factories.department(s, "Sales")
        hr = factories.employee(s, sales, name="Hana Roy", email="hana@x.test")
        hr_id = hr.id
        dept_id = sales.id
    actor = Actor(
        hr_id,
        "hana@x.test",
        "Hana Roy",
        roles=frozenset({Role.EMPLOYEE, Role.HR, Role.ADMIN, Role.LEADER}),
        department_id=dept_id,
    )
    return World(url, actor)


@pytest.fixture
def worlds(sqlite_url: str) -> Iterator[list[World]]:
    """The same starting company on SQLite and, when a server is given, on PostgreSQL."""
    if not PG_URL:
        yield [_world(sqlite_url)]
        return
    with fresh_pg_database("virage_hostile") as pg_url:
        yield [_world(sqlite_url), _world(pg_url)]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(writer=st.sampled_from(WRITERS), text=TEXT)
def test_hostile_text_has_the_same_outcome_on_both_databases(
    worlds: list[World], writer: Writer, text: str
) -> None:
    outcomes = []
    for world in worlds:
        world.n += 1
        outcomes.append(outcome(world, writer, text))
    assert all(o == outcomes[0] for o in outcomes), (writer.__name__, text, outcomes)
    if outcomes[0][0] == "stored":  # what was stored obeys the rule
        stored = repr(outcomes[0][1])
        for bad in ("\\x00", "\\u202e", "\\ud800", "\\u200b", "\\ufeff"):
            assert bad not in stored, (writer.__name__, stored)


@pytest.mark.parametrize(
    ("writer", "text", "needle"),
    [
        (market_name, "\u200b", "Give the market a name"),  # only invisible: nothing left
        (market_name, "\u202eSales", "right-to-left or left-to-right override (U+202E)"),
        (market_name, "\u0301", "no visible character"),
        (market_name, "Caf\x00e", "invisible control character (U+0000) at character 4"),
        (market_description, "a\ud800", "broken character (U+D800)"),
        (imported_email, "a" * 10_000 + "@x.test", "This email has 10,007 characters"),
        (imported_person, "x\x00y", "does not look like a text file"),  # the reader's own
        (imported_person, "x\x1by", "invisible control character (U+001B) at character 2"),
        (role_grant, "x\x00@y.test", "invisible control character (U+0000)"),
        (board_post, "What is \u202edrawkcab?", "override (U+202E)"),
    ],
)
def test_what_hostile_text_is_told(
    worlds: list[World], writer: Writer, text: str, needle: str
) -> None:
    for world in worlds:
        world.n += 1
        result = outcome(world, writer, text)
        assert result[0] == "refused", result
        full = result[2]
        if result[1] == "ImportRejected":
            with pytest.raises(VirageError) as caught, unit_of_work(get_engine(world.url)) as s:
                writer(s, world.actor, text, world.n)
            full = " ".join(p.message for p in caught.value.problems)  # type: ignore[attr-defined]
        assert needle in full, full


def test_names_are_nfc_and_lose_invisible_characters(worlds: list[World]) -> None:
    for world in worlds:
        world.n += 1
        stored = outcome(world, market_name, "Cafe\u0301\u200b du matin")
        assert stored == ("stored", {"en": "Café du matin"})


def test_a_pulse_cannot_start_past_the_calendar(worlds: list[World]) -> None:
    item = next(iter(default_bank().items))
    for world in worlds:
        with (
            pytest.raises(VirageError, match="must be between"),
            unit_of_work(get_engine(world.url)) as s,
        ):
            pulses.create_pulse(
                session=s,
                actor=world.actor,
                draft=PulseDraft(name="Far", item_ids=[item], start_date=date(9999, 12, 25)),
            )


def test_open_due_waves_skips_a_schedule_past_the_calendar(worlds: list[World]) -> None:
    """A pulse stored before dates were checked no longer stops every other pulse's waves."""
    item = next(iter(default_bank().items))
    for world in worlds:
        with unit_of_work(get_engine(world.url)) as s:
            pulses.create_pulse(
                session=s,
                actor=world.actor,
                draft=PulseDraft(name="Now", item_ids=[item], start_date=date.today()),
            )
            s.add(
                Pulse(
                    name="Far", names={"en": "Far"}, start_date=date(9999, 12, 25), item_ids=[item]
                )
            )
        with unit_of_work(get_engine(world.url)) as s:
            assert pulses.open_due_waves(s) == 1
