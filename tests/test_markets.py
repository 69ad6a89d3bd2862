"""Internal markets: rules evaluated in SQL with exact members, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlmodel import Session, func, select

from engagement.authz import SYSTEM, Actor, Role
from engagement.errors import InvalidInput, NotAllowed
from engagement.i18n import display_name, language
from engagement.markets import Criteria, MarketRules
from engagement.models import Employee, Market
from engagement.services import directory
from engagement.services import markets as svc
from tests import factories as f

TODAY = date(2026, 11, 26)


@pytest.fixture
def org(session: Session) -> dict[str, object]:
    acme = f.department(session, "Acme")
    sales = f.department(session, "Sales", acme, "division")
    inside = f.department(session, "Inside", sales)
    field = f.department(session, "Field", sales)
    ops = f.department(session, "Ops", acme, "division")
    plant = f.department(session, "Plant", ops)

    def person(key: str, dept: object, **kw: object) -> Employee:
        return f.employee(session, dept, key, email=f"{key}@acme.test", **kw)  # type: ignore[arg-type]

    c = person(
        "c",
        field,
        location="Montréal",
        job_family="Sales",
        level=4,
        hire_date=date(2014, 1, 1),
        customer_facing=True,
    )
    f_ = person(
        "f", ops, location="Québec", job_family="Operations", level=5, hire_date=date(2010, 1, 1)
    )
    person(
        "a",
        inside,
        location="Montréal",
        job_family="Sales",
        level=2,
        hire_date=date(2026, 6, 1),
        customer_facing=True,
        manager_id=c.id,
        extra={"shift": "day"},
    )
    person(
        "b",
        inside,
        location="Toronto",
        job_family="Sales",
        level=3,
        hire_date=date(2022, 1, 1),
        customer_facing=True,
        manager_id=c.id,
    )
    person(
        "d",
        plant,
        location="Québec",
        job_family="Production",
        level=1,
        hire_date=date(2024, 1, 1),
        manager_id=f_.id,
        extra={"shift": "night", "union": "yes"},
    )
    person(
        "e",
        plant,
        location="Québec",
        job_family="Production",
        level=2,
        hire_date=date(2019, 1, 1),
        manager_id=f_.id,
        extra={"shift": "day", "union": "yes"},
    )
    person("g", inside, location="Montréal", job_family="Sales", active=False, manager_id=c.id)
    person("h", plant, location=None, job_family=None, hire_date=None, level=None)
    hr = person("hr", acme, job_family="HR", hire_date=date(2020, 1, 1))
    f.grant(session, hr, Role.HR)
    session.commit()
    return {
        "acme": acme,
        "sales": sales,
        "inside": inside,
        "field": field,
        "ops": ops,
        "plant": plant,
    }


def members(
    session: Session, include: Criteria | None = None, exclude: Criteria | None = None
) -> set[str]:
    rules = MarketRules(include or Criteria(), exclude or Criteria())
    ids = set(svc.member_ids(session, rules, TODAY))
    assert svc.count_members(session, rules, TODAY) == len(ids)
    return {p.name for p in session.exec(select(Employee)).all() if p.id in ids}


def ids(org: dict[str, object], *names: str) -> list[int]:
    return [org[n].id for n in names]  # type: ignore[attr-defined]


def test_no_rule_means_every_active_person(session: Session, org: dict[str, object]) -> None:
    assert members(session) == {"a", "b", "c", "d", "e", "f", "h", "hr"}


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (lambda o: Criteria(department_ids=ids(o, "sales")), {"a", "b", "c"}),
        (lambda o: Criteria(department_ids=ids(o, "inside", "plant")), {"a", "b", "d", "e", "h"}),
        (lambda o: Criteria(department_ids=ids(o, "sales"), locations=["Montréal"]), {"a", "c"}),
        (lambda o: Criteria(tenure_bands=["lt1"]), {"a"}),
        (lambda o: Criteria(tenure_bands=["1to3"]), {"d"}),
        (lambda o: Criteria(tenure_bands=["3to5", "5to10"]), {"b", "e", "hr"}),
        (lambda o: Criteria(tenure_bands=["10plus"]), {"c", "f"}),
        (lambda o: Criteria(level_min=2, level_max=4), {"a", "b", "c", "e"}),
        (lambda o: Criteria(level_min=5), {"f"}),
        (lambda o: Criteria(customer_facing=False), {"d", "e", "f", "h", "hr"}),
        (lambda o: Criteria(people_managers=True), {"c", "f"}),
        (lambda o: Criteria(people_managers=False, department_ids=ids(o, "sales")), {"a", "b"}),
        (lambda o: Criteria(extra={"shift": ["day"]}), {"a", "e"}),
        (lambda o: Criteria(extra={"shift": ["night", "day"], "union": ["yes"]}), {"d", "e"}),
        (lambda o: Criteria(job_families=["Production", "Operations"]), {"d", "e", "f"}),
    ],
    ids=[
        "subtree",
        "or-within-field",
        "and-across-fields",
        "tenure-lt1",
        "tenure-1to3",
        "tenure-two-bands",
        "tenure-10plus",
        "level-between",
        "level-min",
        "not-customer-facing",
        "people-managers",
        "not-managers-in-sales",
        "extra-equals",
        "extra-in-and-extra",
        "job-families",
    ],
)
def test_rules_select_exact_members(
    session: Session, org: dict[str, object], criteria: object, expected: set[str]
) -> None:
    assert members(session, criteria(org)) == expected  # type: ignore[operator]


def test_exclusions(session: Session, org: dict[str, object]) -> None:
    # the plant floor of Ops without its managers
    assert members(
        session, Criteria(department_ids=ids(org, "ops")), Criteria(people_managers=True)
    ) == {"d", "e", "h"}
    # an unknown location is not Québec: h stays in
    assert members(session, exclude=Criteria(locations=["Québec"])) == {"a", "b", "c", "h", "hr"}
    # exclusions add up: anyone matching any excluded field is out
    assert members(
        session, exclude=Criteria(locations=["Toronto"], job_families=["Production"])
    ) == {"a", "c", "f", "h", "hr"}
    assert members(session, exclude=Criteria(department_ids=ids(org, "acme"))) == set()


def test_invalid_rules_are_refused(session: Session, org: dict[str, object]) -> None:
    with pytest.raises(InvalidInput, match="Unknown tenure band"):
        MarketRules.from_json({"include": {"tenure_bands": ["forever"]}})
    with pytest.raises(InvalidInput, match="above the highest"):
        MarketRules.from_json({"include": {"level_min": 4, "level_max": 2}})
    with pytest.raises(InvalidInput, match="Unknown market rule"):
        MarketRules.from_json({"include": {"astrological_sign": ["leo"]}})
    rules = MarketRules(Criteria(locations=["Québec"], extra={"shift": ["day"]}))
    assert MarketRules.from_json(rules.to_json()) == rules


def _hr(session: Session) -> Actor:
    return directory.actor_for_email(session=session, email="hr@acme.test")


def test_preview_shows_live_size_and_composition(session: Session, org: dict[str, object]) -> None:
    preview = svc.preview_market(
        session=session,
        actor=_hr(session),
        rules=MarketRules(Criteria(locations=["Québec"])),
        min_group_size=5,
        today=TODAY,
    )
    assert preview.size == 3 and preview.below_threshold
    assert [(c.label, c.people) for c in preview.by_division] == [("Ops", 3)]
    assert [(c.label, c.people) for c in preview.by_job_family] == [
        ("Production", 2),
        ("Operations", 1),
    ]
    everyone = svc.preview_market(
        session=session, actor=_hr(session), rules=MarketRules(), min_group_size=5
    )
    assert everyone.size == 8 and not everyone.below_threshold
    assert ("Not recorded", 2) in [(c.label, c.people) for c in everyone.by_location]  # h and hr
    assert ("Acme", 1) in [(c.label, c.people) for c in everyone.by_division]


def test_save_list_and_rename(session: Session, org: dict[str, object]) -> None:
    hr = _hr(session)
    market_id = svc.save_market(
        session=session,
        actor=hr,
        name="Front line",
        rules=MarketRules(Criteria(customer_facing=True)),
    )
    session.commit()
    [summary] = svc.list_markets(session=session, actor=hr)
    assert (summary.name, summary.size) == ("Front line", 3)
    with pytest.raises(
        InvalidInput,
        match="English name “front LINE” is already used by the internal market “Front line”",
    ):
        svc.save_market(session=session, actor=hr, name=" front LINE ", rules=MarketRules())
    with pytest.raises(InvalidInput, match="Give the market a name"):
        svc.save_market(session=session, actor=hr, name="  ", rules=MarketRules())
    svc.save_market(
        session=session,
        actor=hr,
        name="Front line",
        market_id=market_id,
        description="Everyone who serves customers",
        rules=MarketRules(Criteria(customer_facing=True, locations=["Montréal"])),
    )
    session.commit()
    edited = svc.get_market(session=session, actor=hr, market_id=market_id)
    assert edited.size == 2
    # `description` alone is the English description
    assert edited.descriptions == {"en": "Everyone who serves customers"}


def test_a_market_is_described_in_both_languages_and_read_in_the_readers(
    session: Session, org: dict[str, object]
) -> None:
    market_id = svc.save_market(
        session=session,
        actor=_hr(session),
        names={"en": "Night shift", "fr": "Quart de nuit"},
        descriptions={"en": " Plant people working nights. ", "fr": "Le personnel de nuit."},
        rules=MarketRules(),
    )
    session.commit()
    market = session.get(Market, market_id)
    assert market is not None
    assert market.descriptions == {
        "en": "Plant people working nights.",
        "fr": "Le personnel de nuit.",
    }
    night = svc.get_market(session=session, actor=_hr(session), market_id=market_id)
    assert (night.description, night.description_fell_back) == (
        "Plant people working nights.",
        False,
    )
    with language("fr"):
        assert (night.description, night.description_fell_back) == ("Le personnel de nuit.", False)
    # described in English only: French readers read the English one, and are told so
    svc.save_market(
        session=session,
        actor=_hr(session),
        names={"en": "Night shift", "fr": "Quart de nuit"},
        descriptions={"en": "Plant people working nights.", "fr": "  "},
        rules=MarketRules(),
        market_id=market_id,
    )
    session.commit()
    [night] = svc.list_markets(session=session, actor=_hr(session))
    assert night.descriptions == {"en": "Plant people working nights."}
    with language("fr"):
        assert (night.description, night.description_fell_back) == (
            "Plant people working nights.",
            True,
        )
    # no description at all: nothing to show, nothing fell back
    svc.save_market(
        session=session,
        actor=_hr(session),
        name="Night shift",
        rules=MarketRules(),
        market_id=market_id,
    )
    session.commit()
    [night] = svc.list_markets(session=session, actor=_hr(session))
    with language("fr"):
        assert (night.descriptions, night.description, night.description_fell_back) == (
            {},
            "",
            False,
        )


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "Keep the English description under 500 characters (it has 501)."),
        ("fr", "Keep the French description under 500 characters (it has 501)."),
    ],
)
def test_a_description_too_long_in_either_language_is_refused(
    session: Session, org: dict[str, object], lang: str, message: str
) -> None:
    descriptions = {"en": "Short.", "fr": "Courte."} | {lang: "x" * 501}
    with pytest.raises(InvalidInput) as refused:
        svc.save_market(
            session=session,
            actor=_hr(session),
            name="Night shift",
            descriptions=descriptions,
            rules=MarketRules(),
        )
    assert str(refused.value) == message
    # exactly the limit is fine
    svc.save_market(
        session=session,
        actor=_hr(session),
        name="Night shift",
        descriptions=descriptions | {lang: "x" * 500},
        rules=MarketRules(),
    )


def test_a_description_too_long_is_refused_in_the_readers_language(
    session: Session, org: dict[str, object]
) -> None:
    with language("fr"), pytest.raises(InvalidInput) as refused:
        svc.save_market(
            session=session,
            actor=_hr(session),
            name="Night shift",
            descriptions={"fr": "x" * 600},
            rules=MarketRules(),
        )
    assert str(refused.value) == (
        "La description française ne doit pas dépasser 500 caractères (elle en compte 600)."
    )
    session.rollback()
    assert session.exec(select(func.count()).select_from(Market)).one() == 0


def _save(session: Session, names: dict[str, str], market_id: int | None = None) -> int:
    return svc.save_market(
        session=session, actor=_hr(session), names=names, rules=MarketRules(), market_id=market_id
    )


def test_a_market_is_named_in_both_languages_and_read_in_the_readers(
    session: Session, org: dict[str, object]
) -> None:
    market_id = _save(session, {"en": "  Night shift ", "fr": "Quart de nuit"})
    session.commit()
    market = session.get(Market, market_id)
    assert market is not None
    assert (market.name, market.names) == (
        "Night shift",
        {"en": "Night shift", "fr": "Quart de nuit"},
    )
    [summary] = svc.list_markets(session=session, actor=_hr(session))
    assert summary.label == "Night shift"
    with language("fr"):
        assert summary.label == "Quart de nuit"
        assert display_name(market.name, market.names) == "Quart de nuit"
    # named in French only: the French name is the canonical one, and English readers see it
    french_only = _save(session, {"en": " ", "fr": "Équipe de jour"})
    session.commit()
    day = svc.get_market(session=session, actor=_hr(session), market_id=french_only)
    assert (day.name, day.names, day.label) == (
        "Équipe de jour",
        {"fr": "Équipe de jour"},
        "Équipe de jour",
    )
    # editing adds the English name, which becomes the canonical one
    _save(session, {"en": "Day shift", "fr": "Équipe de jour"}, market_id=french_only)
    session.commit()
    assert svc.get_market(session=session, actor=_hr(session), market_id=french_only).name == (
        "Day shift"
    )
    # listed by name in the reader's language
    labels = [m.label for m in svc.list_markets(session=session, actor=_hr(session))]
    assert labels == ["Day shift", "Night shift"]
    with language("fr"):
        labels = [m.label for m in svc.list_markets(session=session, actor=_hr(session))]
        assert labels == ["Équipe de jour", "Quart de nuit"]


def test_a_name_no_one_could_tell_from_another_markets_is_refused(
    session: Session, org: dict[str, object]
) -> None:
    night = _save(session, {"en": "Night shift", "fr": "Quart de nuit"})
    session.commit()
    # a French name equal to another market's French name, whatever the case
    with pytest.raises(InvalidInput) as refused:
        _save(session, {"en": "Late shift", "fr": "QUART DE NUIT"})
    assert str(refused.value) == (
        "The French name “QUART DE NUIT” is already used by the internal market "
        "“Night shift”. Choose another French name."
    )
    # across languages: an English name equal to another market's French name
    with pytest.raises(InvalidInput, match="English name “quart de nuit” is already used"):
        _save(session, {"en": "quart de nuit"})
    # the message is in the reader's language, and names the other market in it
    with language("fr"), pytest.raises(InvalidInput) as refused:
        _save(session, {"fr": "night SHIFT"})
    assert str(refused.value) == (
        "Le nom français « night SHIFT » est déjà celui du marché interne « Quart de nuit ». "
        "Choisissez un autre nom français."
    )
    session.rollback()
    assert session.exec(select(func.count()).select_from(Market)).one() == 1
    # a market may keep its own names, and use the same word in both languages
    _save(session, {"en": "Night shift", "fr": "Night shift"}, market_id=night)
    session.commit()


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ({}, "Give the market a name in English or in French."),
        ({"en": " ", "fr": ""}, "Give the market a name in English or in French."),
        ({"fr": "x" * 121}, "Keep each name under 120 characters"),
    ],
)
def test_names_are_required_and_short(
    session: Session, org: dict[str, object], names: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)):
        _save(session, names)


def test_the_command_line_finds_a_market_by_its_name_in_either_language(
    session: Session, org: dict[str, object]
) -> None:
    market_id = _save(session, {"en": "Night shift", "fr": "Quart de nuit"})
    session.commit()
    for asked in ("Night shift", " quart de NUIT ", "night SHIFT"):
        found = svc.market_named(session, asked)
        assert found is not None and found.id == market_id
    assert svc.market_named(session, "Quart") is None


def test_who_may_do_what(session: Session, org: dict[str, object]) -> None:
    employee = directory.actor_for_email(session=session, email="a@acme.test")
    leader = Actor(employee_id=None, email="l@acme.test", name="L", roles=frozenset({Role.LEADER}))
    for call in (
        lambda a: svc.list_markets(session=session, actor=a),
        lambda a: svc.rule_choices(session=session, actor=a),
    ):
        with pytest.raises(NotAllowed):
            call(employee)
        call(leader)  # leaders read markets
    with pytest.raises(NotAllowed):
        svc.save_market(session=session, actor=leader, name="Mine", rules=MarketRules())


def test_snapshot_keeps_who_was_targeted(session: Session, org: dict[str, object]) -> None:
    hr = _hr(session)
    market_id = svc.save_market(
        session=session,
        actor=hr,
        name="Plant",
        rules=MarketRules(Criteria(department_ids=ids(org, "plant"))),
    )
    snapshot_id = svc.snapshot_market(
        session=session, actor=hr, market_id=market_id, reason="Pulse wave 1"
    )
    session.commit()
    # someone joins the plant later: the live market grows, the snapshot does not
    f.employee(session, org["plant"], "newcomer")  # type: ignore[arg-type]
    session.commit()
    assert svc.get_market(session=session, actor=hr, market_id=market_id).size == 4
    [row] = svc.market_snapshots(session=session, actor=hr, market_id=market_id)
    assert row.members == 3 and row.reason == "Pulse wave 1" and snapshot_id


def test_the_old_description_column_follows_for_replicas_on_the_previous_release(
    session: Session, org: dict[str, object]
) -> None:
    """During a rolling upgrade, replicas still on the release before per-language
    descriptions read `description`: it keeps the canonical one (English, else French)."""
    hr = SYSTEM
    rules = MarketRules(Criteria(department_ids=ids(org, "plant")))
    market_id = svc.save_market(
        session=session,
        actor=hr,
        names={"fr": "Usine"},
        descriptions={"fr": "Tout le personnel de l’usine."},
        rules=rules,
    )
    session.commit()
    assert session.get(Market, market_id).description == "Tout le personnel de l’usine."  # type: ignore[union-attr]
    svc.save_market(
        session=session,
        actor=hr,
        market_id=market_id,
        names={"fr": "Usine"},
        descriptions={"en": "Everyone at the plant.", "fr": "Tout le personnel de l’usine."},
        rules=rules,
    )
    session.commit()
    session.expire_all()
    assert session.get(Market, market_id).description == "Everyone at the plant."  # type: ignore[union-attr]


def test_rule_choices_come_from_the_data(session: Session, org: dict[str, object]) -> None:
    choices = svc.rule_choices(session=session, actor=SYSTEM)
    assert choices.locations == ["Montréal", "Québec", "Toronto"]
    assert choices.levels == [1, 2, 3, 4, 5]
    assert choices.extra == {"shift": ["day", "night"], "union": ["yes"]}
    assert [name for _, name, _ in choices.departments][:3] == ["Acme", "Ops", "Plant"]
