"""Campaigns: lifecycle, audience snapshot, what targeted (and untargeted) people see, analytics."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from engagement.authz import Actor, Role
from engagement.errors import InvalidInput, NotAllowed, NotFound
from engagement.i18n import language
from engagement.markets import Criteria, MarketRules
from engagement.measures.lift import department_lift
from engagement.measures.suppression import Reason
from engagement.models import AuditEntry, CampaignEvent, CampaignStatus, Market, Pulse
from engagement.services import campaign_analytics, campaigns, directory
from engagement.services.campaigns import CampaignDraft
from engagement.services.modules import load_shipped_modules, save_step, submit_check
from tests import factories as f

TODAY = date.today()


@pytest.fixture
def company(session: Session) -> dict[str, object]:
    acme = f.department(session, "Acme")
    sales = f.department(session, "Sales", acme)
    ops = f.department(session, "Ops", acme)
    hr = f.employee(session, acme, "Hana HR", email="hana@acme.test")
    f.grant(session, hr, Role.HR)
    sellers = [f.employee(session, sales, f"Seller {i}", email=f"s{i}@acme.test") for i in range(7)]
    makers = [f.employee(session, ops, f"Maker {i}", email=f"m{i}@acme.test") for i in range(3)]
    market = Market(
        name="Sales people",
        rules=MarketRules(Criteria(department_ids=[sales.id or 0]), Criteria()).to_json(),
    )
    session.add(market)
    session.flush()
    load_shipped_modules(session)
    session.commit()
    return {"hr": hr, "sellers": sellers, "makers": makers, "market": market, "sales": sales}


def actor(session: Session, email: str | None) -> Actor:
    assert email
    return directory.actor_for_email(session=session, email=email)


def draft(market_id: int, **changes: object) -> CampaignDraft:
    values: dict[str, object] = {
        "title": {"en": "Our mission", "fr": "Notre mission"},
        "pillar": "mission",
        "message": {"en": "Read **this**.", "fr": "Lisez **ceci**."},
        "market_ids": [market_id],
        "module_ids": ["mission"],
        "starts_on": TODAY,
        "ends_on": TODAY + timedelta(days=14),
        "must_acknowledge": True,
    }
    values.update(changes)
    return CampaignDraft(**values)  # type: ignore[arg-type]


def launched(session: Session, company: dict[str, object], **changes: object) -> int:
    hr = actor(session, "hana@acme.test")
    market = company["market"]
    assert isinstance(market, Market) and market.id
    cid = campaigns.save_campaign(
        session=session, actor=hr, campaign_id=None, draft=draft(market.id, **changes)
    )
    campaigns.launch_campaign(session=session, actor=hr, campaign_id=cid)
    session.commit()
    return cid


def test_lifecycle_records_who_and_when_for_every_transition(
    session: Session, company: dict[str, object]
) -> None:
    hr = actor(session, "hana@acme.test")
    market = company["market"]
    assert isinstance(market, Market) and market.id
    cid = campaigns.save_campaign(
        session=session,
        actor=hr,
        campaign_id=None,
        draft=draft(market.id, starts_on=TODAY + timedelta(days=3)),
    )
    assert campaigns.launch_campaign(session=session, actor=hr, campaign_id=cid) is (
        CampaignStatus.SCHEDULED
    )
    with pytest.raises(InvalidInput, match="Only a draft"):
        campaigns.save_campaign(session=session, actor=hr, campaign_id=cid, draft=draft(market.id))
    assert campaigns.advance_campaigns(session, TODAY + timedelta(days=3)) == 1
    campaigns.close_campaign(session=session, actor=hr, campaign_id=cid)
    events = session.exec(select(CampaignEvent).where(CampaignEvent.campaign_id == cid)).all()
    assert [(e.from_status, e.to_status) for e in events] == [
        (None, "draft"),
        ("draft", "scheduled"),
        ("scheduled", "live"),
        ("live", "closed"),
    ]
    assert [e.actor for e in events] == [
        "hana@acme.test",
        "hana@acme.test",
        "cli",
        "hana@acme.test",
    ]
    audited = session.exec(select(AuditEntry).where(AuditEntry.action == "campaign.status")).all()
    assert [a.after for a in audited] == [
        {"status": "scheduled"},
        {"status": "live"},
        {"status": "closed"},
    ]


def test_audience_is_the_snapshot_at_launch_and_outsiders_never_see_it(
    session: Session, company: dict[str, object]
) -> None:
    cid = launched(session, company)
    seller = actor(session, "s0@acme.test")
    maker = actor(session, "m0@acme.test")
    assert [c.id for c in campaigns.my_campaigns(session=session, actor=seller)] == [cid]
    assert campaigns.my_campaigns(session=session, actor=maker) == []
    with pytest.raises(NotFound):
        campaigns.open_campaign(session=session, actor=maker, campaign_id=cid)
    with pytest.raises(NotFound):
        campaigns.acknowledge_campaign(session=session, actor=maker, campaign_id=cid)
    # someone joining the market after launch is not reached by it
    sales = company["sales"]
    late = f.employee(session, sales, "Late Joiner", email="late@acme.test")  # type: ignore[arg-type]
    session.commit()
    assert late.id
    assert campaigns.my_campaigns(session=session, actor=actor(session, "late@acme.test")) == []
    assert (
        campaigns.campaign_detail(
            session=session, actor=actor(session, "hana@acme.test"), campaign_id=cid
        ).audience
        == 7
    )


def test_feed_moves_from_new_to_read_to_acknowledged(
    session: Session, company: dict[str, object]
) -> None:
    cid = launched(session, company)
    seller = actor(session, "s1@acme.test")
    assert campaigns.my_campaigns(session=session, actor=seller)[0].state == "new"
    campaigns.open_campaign(session=session, actor=seller, campaign_id=cid)
    assert campaigns.my_campaigns(session=session, actor=seller)[0].state == "read"
    campaigns.acknowledge_campaign(session=session, actor=seller, campaign_id=cid)
    assert campaigns.my_campaigns(session=session, actor=seller)[0].state == "acknowledged"
    with language("fr"):
        item = campaigns.my_campaigns(session=session, actor=seller)[0]
    assert (item.title, item.fell_back) == ("Notre mission", False)


def test_french_reader_falls_back_to_english_with_a_notice(
    session: Session, company: dict[str, object]
) -> None:
    launched(session, company, title={"en": "Only English"}, message={"en": "Hello"})
    with language("fr"):
        item = campaigns.my_campaigns(session=session, actor=actor(session, "s2@acme.test"))[0]
    assert (item.title, item.message, item.fell_back) == ("Only English", "Hello", True)
    rows = campaigns.list_campaigns(session=session, actor=actor(session, "hana@acme.test"))
    assert rows[0].missing == ["fr"]


def test_acknowledge_only_after_passing_the_check(
    session: Session, company: dict[str, object]
) -> None:
    cid = launched(session, company, ack_after_pass=True)
    seller = actor(session, "s3@acme.test")
    with pytest.raises(InvalidInput, match="Pass the check"):
        campaigns.acknowledge_campaign(session=session, actor=seller, campaign_id=cid)
    save_step(session=session, actor=seller, key="mission", step=4)
    from engagement.services.modules import read_module

    quiz = read_module(session=session, actor=seller, key="mission").text.quiz
    submit_check(
        session=session, actor=seller, key="mission", chosen=[q.correct_index for q in quiz]
    )
    campaigns.acknowledge_campaign(session=session, actor=seller, campaign_id=cid)
    assert campaigns.my_campaigns(session=session, actor=seller)[0].state == "acknowledged"


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.MANAGER, Role.ADMIN])
def test_only_hr_and_leaders_write_campaigns(
    session: Session, company: dict[str, object], role: Role
) -> None:
    market = company["market"]
    assert isinstance(market, Market) and market.id
    someone = Actor(employee_id=None, email="x@acme.test", name="X", roles=frozenset({role}))
    with pytest.raises(NotAllowed):
        campaigns.save_campaign(
            session=session, actor=someone, campaign_id=None, draft=draft(market.id)
        )
    with pytest.raises(NotAllowed):
        campaign_analytics.campaign_funnel(session=session, actor=someone, campaign_id=1, k=5)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": {"en": " "}}, "title in at least one language"),
        ({"pillar": "vibes"}, "pillar"),
        ({"ends_on": TODAY - timedelta(days=1)}, "end date comes before"),
        ({"module_ids": ["no-such-module"]}, "not published"),
        ({"ack_after_pass": True, "must_acknowledge": False}, "needs “must acknowledge”"),
        ({"title": {"en": "x" * 161}}, "limited to 160"),
    ],
)
def test_bad_drafts_say_what_to_fix_and_store_nothing(
    session: Session, company: dict[str, object], changes: dict[str, object], message: str
) -> None:
    market = company["market"]
    assert isinstance(market, Market) and market.id
    hr = actor(session, "hana@acme.test")
    with pytest.raises(InvalidInput, match=message):
        campaigns.save_campaign(
            session=session, actor=hr, campaign_id=None, draft=draft(market.id, **changes)
        )
    session.rollback()
    assert campaigns.list_campaigns(session=session, actor=hr) == []


def test_launch_needs_a_market_with_people(session: Session, company: dict[str, object]) -> None:
    hr = actor(session, "hana@acme.test")
    cid = campaigns.save_campaign(
        session=session, actor=hr, campaign_id=None, draft=draft(0, market_ids=[])
    )
    with pytest.raises(InvalidInput, match="at least one internal market"):
        campaigns.launch_campaign(session=session, actor=hr, campaign_id=cid)


def test_funnel_counts_and_hides_groups_under_the_threshold(
    session: Session, company: dict[str, object]
) -> None:
    cid = launched(session, company)
    for i in range(4):
        seller = actor(session, f"s{i}@acme.test")
        campaigns.open_campaign(session=session, actor=seller, campaign_id=cid)
        if i < 2:
            campaigns.acknowledge_campaign(session=session, actor=seller, campaign_id=cid)
    session.commit()
    hr = actor(session, "hana@acme.test")
    funnel = campaign_analytics.campaign_funnel(session=session, actor=hr, campaign_id=cid, k=5)
    market = funnel.markets[0]
    assert market.counts is not None
    assert (market.counts["targeted"], market.counts["opened"], market.counts["acknowledged"]) == (
        7,
        4,
        2,
    )
    # the same campaign read with k = 8: seven people reached is too few to show anything
    small = campaign_analytics.campaign_funnel(session=session, actor=hr, campaign_id=cid, k=8)
    assert all(r.counts is None for r in [*small.markets, *small.departments])
    assert {r.hidden for r in small.departments} == {Reason.MINIMUM}


def test_authors_read_target_markets_and_pulses_in_their_language(
    session: Session, company: dict[str, object]
) -> None:
    market = company["market"]
    assert isinstance(market, Market)
    market.names = {"en": "Sales people", "fr": "Équipe des ventes"}
    session.add(market)
    session.add(
        Pulse(
            name="Weekly pulse",
            names={"en": "Weekly pulse", "fr": "Sondage de la semaine"},
            start_date=TODAY,
        )
    )
    session.commit()
    cid = launched(session, company)
    hr = actor(session, "hana@acme.test")
    with language("fr"):
        [row] = campaigns.list_campaigns(session=session, actor=hr)
        assert row.markets == ["Équipe des ventes"]
        assert list(campaigns.pulse_choices(session=session, actor=hr).values()) == [
            "Sondage de la semaine"
        ]
        funnel = campaign_analytics.campaign_funnel(session=session, actor=hr, campaign_id=cid, k=5)
        assert [m.label for m in funnel.markets] == ["Équipe des ventes"]
    funnel = campaign_analytics.campaign_funnel(session=session, actor=hr, campaign_id=cid, k=5)
    assert [m.label for m in funnel.markets] == ["Sales people"]


def test_demo_campaign_lift_reads_as_a_sentence(demo_url: str) -> None:
    from engagement.authz import SYSTEM
    from engagement.db import get_engine

    with Session(get_engine(demo_url)) as s:
        rows = campaigns.list_campaigns(session=s, actor=SYSTEM)
        mission = next(r for r in rows if r.status is CampaignStatus.CLOSED)
        report = campaign_analytics.campaign_lift(
            session=s, actor=SYSTEM, campaign_id=mission.id, k=5
        )
    understanding = report.readings[0]
    # the small demo reaches one department, and few untargeted ones are shown in both waves
    # once suppression protects every remainder: never an interval, an explicit verdict
    sentence = campaign_analytics.lift_sentence(understanding)
    assert "interval" not in sentence
    if understanding.lift is None:
        assert sentence.startswith("Not enough comparable groups to measure understanding")
    else:
        assert understanding.lift.too_few and "too few to tell" in sentence
        # handed over at the precision the sentence shows (0.1 point)
        assert understanding.lift.estimate == round(understanding.lift.estimate, 3)
    # with enough departments the interval is read out, and never concluded while live
    from tests.test_lift import FIXED

    enough = campaign_analytics.LiftReading(understanding.dimension, department_lift(FIXED), 5, 6)
    sentence = campaign_analytics.lift_sentence(enough)
    assert "the 95% interval (" in sentence and "excludes zero" in sentence
    assert "still live" in campaign_analytics.lift_sentence(enough, preliminary=True)
    # the level is a number of the reader's language, as every other percentage
    with language("fr"):
        french = campaign_analytics.lift_sentence(enough)
        few = campaign_analytics.lift_sentence(understanding)
    assert "l’intervalle à 95\u00a0% (de " in french, french
    assert ("trop peu" in few) if understanding.lift else ("assez de groupes" in few), few


def test_our_direction_lists_only_campaigns_that_reached_the_reader(
    session: Session, company: dict[str, object]
) -> None:
    cid = launched(session, company)
    about = campaigns.campaigns_about(session=session, actor=actor(session, "s0@acme.test"))
    assert about == {"mission": [(cid, "Our mission", "live")]}
    assert campaigns.campaigns_about(session=session, actor=actor(session, "m0@acme.test")) == {}
    assert campaigns.campaigns_about(session=session, actor=actor(session, "hana@acme.test"))
