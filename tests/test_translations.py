"""The translations list: every kind of content people read that lacks a language."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session

from engagement.authz import Actor, Role
from engagement.db import get_engine
from engagement.errors import NotAllowed
from engagement.i18n import language
from engagement.markets import MarketRules
from engagement.modules import shipped_modules
from engagement.services import direction, directory, markets, modules, pulses, translations
from engagement.services.pulses import PulseDraft
from tests.test_pages import app, personas

HR = Actor(employee_id=None, email="hana@acme.test", name="Hana", roles=frozenset({Role.HR}))
LEADER = Actor(employee_id=None, email="lea@acme.test", name="Léa", roles=frozenset({Role.LEADER}))


def test_lists_what_lacks_a_language_and_nothing_else(session: Session) -> None:
    assert translations.missing_content(session=session, actor=HR) == []
    mission = shipped_modules().modules["mission"]
    modules.save_module_draft(
        session=session,
        actor=HR,
        key="mission-lite",
        pillar="mission",
        minutes=3,
        pass_mark=80,
        texts={"en": mission["en"].text},  # English only
    )
    modules.save_module_draft(  # both languages: not listed
        session=session,
        actor=HR,
        key="mission",
        pillar="mission",
        minutes=8,
        pass_mark=80,
        texts={lang: f.text for lang, f in mission.items()},
    )
    direction.publish_statement(
        session=session,
        actor=LEADER,
        pillar="identity",
        statement={"fr": "Qui nous sommes."},
        note={},
    )
    rows = translations.missing_content(session=session, actor=HR)
    assert [(r.kind, r.missing) for r in rows] == [("module", ["fr"]), ("direction", ["en"])]
    assert rows[0].item == mission["en"].text.title
    # a newer, complete version of the statement clears it
    direction.publish_statement(
        session=session,
        actor=LEADER,
        pillar="identity",
        statement={"en": "Who we are.", "fr": "Qui nous sommes."},
        note={},
    )
    assert [r.kind for r in translations.missing_content(session=session, actor=HR)] == ["module"]
    # leaders do not author modules: they see what they can complete
    assert translations.missing_content(session=session, actor=LEADER) == []


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.MANAGER, Role.ADMIN])
def test_only_hr_and_leaders(session: Session, role: Role) -> None:
    someone = Actor(employee_id=None, email="x@acme.test", name="X", roles=frozenset({role}))
    with pytest.raises(NotAllowed):
        translations.missing_content(session=session, actor=someone)


def test_markets_and_pulses_named_in_one_language_are_listed_for_hr(session: Session) -> None:
    markets.save_market(session=session, actor=HR, names={"en": "Night shift"}, rules=MarketRules())
    markets.save_market(  # both languages: not listed
        session=session,
        actor=HR,
        names={"en": "Front line", "fr": "Première ligne"},
        rules=MarketRules(),
    )
    pulses.create_pulse(
        session=session,
        actor=HR,
        draft=PulseDraft(
            names={"fr": "Sondage de la semaine"},
            item_ids=["understand_mission"],
            start_date=date(2026, 11, 2),
        ),
    )
    rows = translations.missing_content(session=session, actor=HR)
    assert [(r.kind, r.item, r.missing) for r in rows] == [
        ("market", "Night shift", ["fr"]),
        ("pulse", "Sondage de la semaine", ["en"]),
    ]
    assert [translations.WHERE[r.kind] for r in rows] == ["pages/markets.py", "pages/pulses.py"]
    assert [translations.kind_label(r.kind) for r in rows] == [
        "Internal market name",
        "Pulse survey name",
    ]
    # leaders read markets but do not name them: nothing for them to complete
    assert translations.missing_content(session=session, actor=LEADER) == []
    # once named in French, the market leaves the list
    [night] = [
        m for m in markets.list_markets(session=session, actor=HR) if m.name == "Night shift"
    ]
    markets.save_market(
        session=session,
        actor=HR,
        names={"en": "Night shift", "fr": "Quart de nuit"},
        rules=MarketRules(),
        market_id=night.id,
    )
    assert [r.kind for r in translations.missing_content(session=session, actor=HR)] == ["pulse"]


def test_markets_described_in_one_language_are_listed_for_hr(session: Session) -> None:
    markets.save_market(  # no description at all: nothing to translate
        session=session,
        actor=HR,
        names={"en": "Day shift", "fr": "Quart de jour"},
        rules=MarketRules(),
    )
    night = markets.save_market(
        session=session,
        actor=HR,
        names={"en": "Night shift", "fr": "Quart de nuit"},
        descriptions={"en": "Plant people working nights."},
        rules=MarketRules(),
    )
    markets.save_market(
        session=session,
        actor=HR,
        names={"en": "Front line", "fr": "Première ligne"},
        descriptions={"fr": "En contact avec la clientèle."},
        rules=MarketRules(),
    )
    rows = translations.missing_content(session=session, actor=HR)
    assert [(r.kind, r.item, r.missing) for r in rows] == [
        ("market_description", "Front line", ["en"]),
        ("market_description", "Night shift", ["fr"]),
    ]
    assert {translations.WHERE[r.kind] for r in rows} == {"pages/markets.py"}
    assert translations.kind_label("market_description") == "Internal market description"
    with language("fr"):
        assert translations.kind_label("market_description") == "Description de marché interne"
        # named in the reader's language
        assert [r.item for r in translations.missing_content(session=session, actor=HR)] == [
            "Première ligne",
            "Quart de nuit",
        ]
    assert translations.missing_content(session=session, actor=LEADER) == []
    # described in French as well, the market leaves the list
    markets.save_market(
        session=session,
        actor=HR,
        names={"en": "Night shift", "fr": "Quart de nuit"},
        descriptions={"en": "Plant people working nights.", "fr": "Le personnel de nuit."},
        rules=MarketRules(),
        market_id=night,
    )
    assert [r.item for r in translations.missing_content(session=session, actor=HR)] == [
        "Front line"
    ]


PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "translations.py")


def test_the_page_lists_a_market_and_a_pulse_lacking_french(demo_url: str) -> None:
    with Session(get_engine(demo_url)) as s:
        hr = directory.actor_for_email(session=s, email=personas(demo_url)[Role.HR].email)
        markets.save_market(
            session=s,
            actor=hr,
            names={"en": "Day shift"},
            descriptions={"en": "Plant people working days."},
            rules=MarketRules(),
        )
        pulses.create_pulse(
            session=s,
            actor=hr,
            draft=PulseDraft(
                names={"en": "Tools check"}, item_ids=["tools_support"], start_date=date.today()
            ),
        )
        s.commit()
    at = app(personas(demo_url)[Role.HR].email, language="fr").switch_page(PAGE).run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    rows = {
        (kind, item, missing, where)
        for kind, item, missing, where in zip(
            table["kind"], table["item"], table["missing"], table["where"], strict=True
        )
    }
    names = {
        r
        for r in rows
        if r[0]
        in ("Nom de marché interne", "Description de marché interne", "Nom de sondage éclair")
    }
    # only these: the demo's own markets and pulse are named (and the markets described) in
    # both languages
    assert names == {
        ("Nom de marché interne", "Day shift", "français", "Marchés internes"),
        ("Description de marché interne", "Day shift", "français", "Marchés internes"),
        ("Nom de sondage éclair", "Tools check", "français", "Sondages éclair"),
    }
