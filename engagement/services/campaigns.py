"""Campaigns: writing them (HR, leaders), their lifecycle, and what targeted people see.

Lifecycle: draft → scheduled → live → closed; every transition is a CampaignEvent (who,
when) and an audit entry. Launching takes the snapshot of the target markets: the
audience is who was in them at that moment, and only they ever see the campaign.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, func, or_
from sqlmodel import Session, col, select

from engagement.authz import SYSTEM, Actor, Role, require_role
from engagement.errors import InvalidInput, NotAllowed, NotFound
from engagement.i18n import LANGUAGES, _, display_name, localized, missing_languages
from engagement.markets import MarketRules
from engagement.models import (
    Campaign,
    CampaignAudience,
    CampaignEvent,
    CampaignMarket,
    CampaignModule,
    CampaignReceipt,
    CampaignStatus,
    Employee,
    Market,
    ModuleStatus,
    ModuleVersion,
    Pulse,
)
from engagement.models.org import utcnow
from engagement.names import sort_key
from engagement.pillars import Pillar
from engagement.services import audit
from engagement.services.markets import member_condition, take_snapshot
from engagement.services.modules import passed_all
from engagement.text_rules import clean_text

TITLE_MAX, MESSAGE_MAX = 160, 10_000
AUTHORS = (Role.HR, Role.LEADER)


@dataclass
class CampaignDraft:
    """What an author writes; texts per language ({"en": …, "fr": …})."""

    title: dict[str, str]
    pillar: str
    message: dict[str, str]
    market_ids: list[int]
    module_ids: list[str] = field(default_factory=list)
    pulse_id: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    must_acknowledge: bool = False
    ack_after_pass: bool = False


def _clean(texts: dict[str, str], limit: int, what: str) -> dict[str, str]:
    out = {
        lang: clean_text(texts.get(lang), field=what.capitalize(), multiline=True)
        for lang in LANGUAGES
    }
    if any(len(t) > limit for t in out.values()):
        raise InvalidInput(_("The {what} is limited to {n} characters.").format(what=what, n=limit))
    return {lang: t for lang, t in out.items() if t}


def _check(session: Session, draft: CampaignDraft) -> tuple[dict[str, str], dict[str, str]]:
    title = _clean(draft.title, TITLE_MAX, _("title"))
    message = _clean(draft.message, MESSAGE_MAX, _("message"))
    if not title:
        raise InvalidInput(_("Give the campaign a title in at least one language."))
    try:
        Pillar(draft.pillar)
    except ValueError as exc:
        raise InvalidInput(_("Choose the pillar the campaign is about.")) from exc
    if draft.starts_on and draft.ends_on and draft.ends_on < draft.starts_on:
        raise InvalidInput(_("The end date comes before the start date."))
    for market_id in draft.market_ids:
        if session.get(Market, market_id) is None:
            raise InvalidInput(_("An internal market of this campaign no longer exists."))
    for key in draft.module_ids:
        published = session.exec(
            select(ModuleVersion.id).where(
                ModuleVersion.module_key == key,
                ModuleVersion.status == ModuleStatus.PUBLISHED.value,
            )
        ).first()
        if published is None:
            raise InvalidInput(
                _("The module “{key}” is not published: publish it first.").format(key=key)
            )
    if draft.pulse_id is not None and session.get(Pulse, draft.pulse_id) is None:
        raise InvalidInput(_("The linked pulse survey no longer exists."))
    if draft.ack_after_pass and not (draft.must_acknowledge and draft.module_ids):
        raise InvalidInput(
            _(
                "“Acknowledge only after passing the check” needs “must acknowledge” "
                "and at least one module."
            )
        )
    return title, message


def _get(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(_("That campaign no longer exists."))
    return campaign


def _title_text(campaign: Campaign) -> str:
    return localized(campaign.title)[0]


def save_campaign(
    *, session: Session, actor: Actor, campaign_id: int | None, draft: CampaignDraft
) -> int:
    """Create or edit a draft campaign; returns its id. Only drafts can be edited."""
    require_role(actor, *AUTHORS)
    title, message = _check(session, draft)
    today = date.today()
    if campaign_id is None:
        campaign = Campaign(
            title=title,
            pillar=draft.pillar,
            message=message,
            starts_on=draft.starts_on or today,
            ends_on=draft.ends_on or draft.starts_on or today,
            created_by=actor.email,
        )
        session.add(campaign)
        session.flush()
        session.add(
            CampaignEvent(
                campaign_id=campaign.id or 0, to_status=CampaignStatus.DRAFT, actor=actor.email
            )
        )
    else:
        campaign = _get(session, campaign_id)
        if campaign.status != CampaignStatus.DRAFT.value:
            raise InvalidInput(_("Only a draft can be edited: this campaign has been launched."))
        campaign.title, campaign.message = title, message
        campaign.pillar = draft.pillar
        campaign.starts_on = draft.starts_on or campaign.starts_on
        campaign.ends_on = draft.ends_on or campaign.ends_on
    campaign.pulse_id = draft.pulse_id
    campaign.must_acknowledge = draft.must_acknowledge
    campaign.ack_after_pass = draft.ack_after_pass
    session.add(campaign)
    session.flush()
    assert campaign.id is not None
    session.execute(delete(CampaignMarket).where(col(CampaignMarket.campaign_id) == campaign.id))
    session.execute(delete(CampaignModule).where(col(CampaignModule.campaign_id) == campaign.id))
    session.add_all(
        CampaignMarket(campaign_id=campaign.id, market_id=m)
        for m in dict.fromkeys(draft.market_ids)
    )
    session.add_all(
        CampaignModule(campaign_id=campaign.id, module_key=k, position=i)
        for i, k in enumerate(dict.fromkeys(draft.module_ids))
    )
    audit.record(
        session,
        actor=actor,
        action="campaign.save",
        target=_title_text(campaign),
        after={
            "title": title,
            "pillar": draft.pillar,
            "markets": audit.market_names(session, draft.market_ids),
            "modules": list(draft.module_ids),
            "starts_on": campaign.starts_on,
            "ends_on": campaign.ends_on,
        },
    )
    session.flush()
    return campaign.id


def _move(
    session: Session, campaign: Campaign, to: CampaignStatus, who: str, at: datetime | None = None
) -> None:
    before = campaign.status
    campaign.status = to.value
    session.add(campaign)
    session.add(
        CampaignEvent(
            campaign_id=campaign.id or 0,
            from_status=before,
            to_status=to.value,
            actor=who,
            at=at or utcnow(),
        )
    )
    audit.record(
        session,
        actor=who,
        action="campaign.status",
        target=_title_text(campaign),
        before={"status": before},
        after={"status": to.value},
    )


def market_ids_of(session: Session, campaign_id: int) -> list[int]:
    return list(
        session.exec(
            select(CampaignMarket.market_id).where(CampaignMarket.campaign_id == campaign_id)
        ).all()
    )


def module_keys_of(session: Session, campaign_id: int) -> list[str]:
    return list(
        session.exec(
            select(CampaignModule.module_key)
            .where(CampaignModule.campaign_id == campaign_id)
            .order_by(col(CampaignModule.position))
        ).all()
    )


def launch_campaign(
    *, session: Session, actor: Actor, campaign_id: int, today: date | None = None
) -> CampaignStatus:
    """Launch a draft: snapshot its markets' members, then schedule it or put it live."""
    require_role(actor, *AUTHORS)
    today = today or date.today()
    campaign = _get(session, campaign_id)
    if campaign.status != CampaignStatus.DRAFT.value:
        raise InvalidInput(_("This campaign has already been launched."))
    if not campaign.message:
        raise InvalidInput(_("Write the campaign's message before launching it."))
    if campaign.ends_on < today:
        raise InvalidInput(_("The campaign's end date has passed: choose new dates."))
    market_ids = market_ids_of(session, campaign_id)
    if not market_ids:
        raise InvalidInput(_("Choose at least one internal market to target."))
    rules = [MarketRules.from_json(m.rules) for m in _markets(session, market_ids)]
    members = session.exec(
        select(Employee.id, Employee.department_id).where(
            or_(*(member_condition(session, r, today) for r in rules))
        )
    ).all()
    if not members:
        raise InvalidInput(_("Nobody is in these internal markets today: nothing to launch."))
    session.add_all(
        CampaignAudience(campaign_id=campaign_id, employee_id=int(e), department_id=int(d))
        for e, d in members
        if e is not None
    )
    for link in session.exec(
        select(CampaignMarket).where(CampaignMarket.campaign_id == campaign_id)
    ).all():
        link.snapshot_id = take_snapshot(
            session, link.market_id, _title_text(campaign)[:150], today
        )
        session.add(link)
    campaign.launched_at = utcnow()
    status = CampaignStatus.SCHEDULED if campaign.starts_on > today else CampaignStatus.LIVE
    _move(session, campaign, status, actor.email)
    session.flush()
    return status


def _markets(session: Session, ids: list[int]) -> list[Market]:
    return list(session.exec(select(Market).where(col(Market.id).in_(ids))).all())


def unschedule_campaign(*, session: Session, actor: Actor, campaign_id: int) -> int:
    """Bring a scheduled campaign back to draft (its audience snapshot is dropped)."""
    require_role(actor, *AUTHORS)
    campaign = _get(session, campaign_id)
    if campaign.status != CampaignStatus.SCHEDULED.value:
        raise InvalidInput(_("Only a scheduled campaign can go back to draft."))
    session.execute(
        delete(CampaignAudience).where(col(CampaignAudience.campaign_id) == campaign_id)
    )
    campaign.launched_at = None
    _move(session, campaign, CampaignStatus.DRAFT, actor.email)
    session.flush()
    return campaign_id


def close_campaign(*, session: Session, actor: Actor, campaign_id: int) -> int:
    """Close a live campaign before its end date."""
    require_role(actor, *AUTHORS)
    campaign = _get(session, campaign_id)
    if campaign.status != CampaignStatus.LIVE.value:
        raise InvalidInput(_("Only a live campaign can be closed."))
    _move(session, campaign, CampaignStatus.CLOSED, actor.email)
    session.flush()
    return campaign_id


def advance_campaigns(session: Session, today: date | None = None) -> int:
    """Move campaigns along by date (scheduled → live → closed); idempotent."""
    today = today or date.today()
    moved = 0
    due = session.exec(
        select(Campaign).where(
            or_(
                (col(Campaign.status) == CampaignStatus.SCHEDULED.value)
                & (col(Campaign.starts_on) <= today),
                (col(Campaign.status) == CampaignStatus.LIVE.value)
                & (col(Campaign.ends_on) < today),
            )
        )
    ).all()
    for campaign in due:
        if campaign.status == CampaignStatus.SCHEDULED.value:
            _move(session, campaign, CampaignStatus.LIVE, SYSTEM.email)
            moved += 1
        if campaign.status == CampaignStatus.LIVE.value and campaign.ends_on < today:
            _move(session, campaign, CampaignStatus.CLOSED, SYSTEM.email)
            moved += 1
    session.flush()
    return moved


def advance_campaigns_now(*, session: Session, actor: Actor) -> int:
    """Any visit moves campaigns along by today's date (like waves opening)."""
    require_role(actor, Role.EMPLOYEE)
    return advance_campaigns(session)


# ---- for authors ----


def pulse_choices(*, session: Session, actor: Actor) -> dict[int, str]:
    """The pulse surveys a campaign can be measured by, named in the reader's language."""
    require_role(actor, *AUTHORS)
    names = {int(p.id or 0): display_name(p.name, p.names) for p in session.exec(select(Pulse))}
    return dict(sorted(names.items(), key=lambda item: (sort_key(item[1]), item[0])))


@dataclass(frozen=True)
class CampaignRow:
    id: int
    title: str
    pillar: Pillar
    status: CampaignStatus
    starts_on: date
    ends_on: date
    markets: list[str]
    audience: int
    missing: list[str]  # languages the title or message lacks


@dataclass(frozen=True)
class Event:
    from_status: str | None
    to_status: str
    actor: str
    at: datetime


@dataclass(frozen=True)
class CampaignDetail:
    id: int
    status: CampaignStatus
    draft: CampaignDraft
    events: list[Event]
    audience: int


def _audience_size(session: Session, campaign_id: int) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(CampaignAudience)
            .where(CampaignAudience.campaign_id == campaign_id)
        ).one()
    )


def list_campaigns(*, session: Session, actor: Actor) -> list[CampaignRow]:
    """Every campaign, newest first, for HR and leaders."""
    require_role(actor, *AUTHORS)
    names = {m.id: display_name(m.name, m.names) for m in session.exec(select(Market)).all()}
    targets: dict[int, list[str]] = {}
    for link in session.exec(select(CampaignMarket)).all():
        targets.setdefault(link.campaign_id, []).append(names.get(link.market_id, "?"))
    reached = dict(
        session.exec(
            select(CampaignAudience.campaign_id, func.count()).group_by(
                col(CampaignAudience.campaign_id)
            )
        ).all()
    )
    rows = []
    for c in session.exec(
        select(Campaign).order_by(col(Campaign.starts_on).desc(), col(Campaign.id).desc())
    ).all():
        assert c.id is not None
        rows.append(
            CampaignRow(
                id=c.id,
                title=_title_text(c),
                pillar=Pillar(c.pillar),
                status=CampaignStatus(c.status),
                starts_on=c.starts_on,
                ends_on=c.ends_on,
                markets=sorted(targets.get(c.id, [])),
                audience=int(reached.get(c.id, 0)),
                missing=sorted(set(missing_languages(c.title)) | set(missing_languages(c.message))),
            )
        )
    return rows


def campaign_detail(*, session: Session, actor: Actor, campaign_id: int) -> CampaignDetail:
    """A campaign as its editor sees it, with its lifecycle history."""
    require_role(actor, *AUTHORS)
    c = _get(session, campaign_id)
    events = session.exec(
        select(CampaignEvent)
        .where(CampaignEvent.campaign_id == campaign_id)
        .order_by(col(CampaignEvent.at), col(CampaignEvent.id))
    ).all()
    return CampaignDetail(
        id=campaign_id,
        status=CampaignStatus(c.status),
        draft=CampaignDraft(
            title=dict(c.title),
            pillar=c.pillar,
            message=dict(c.message),
            market_ids=market_ids_of(session, campaign_id),
            module_ids=module_keys_of(session, campaign_id),
            pulse_id=c.pulse_id,
            starts_on=c.starts_on,
            ends_on=c.ends_on,
            must_acknowledge=c.must_acknowledge,
            ack_after_pass=c.ack_after_pass,
        ),
        events=[Event(e.from_status, e.to_status, e.actor, e.at) for e in events],
        audience=_audience_size(session, campaign_id),
    )


def campaigns_about(*, session: Session, actor: Actor) -> dict[str, list[tuple[int, str, str]]]:
    """Live and closed campaigns per pillar as (id, title, status), for Our direction: HR and
    leaders see all of them; anyone else only those that reached them."""
    require_role(actor, Role.EMPLOYEE)
    stmt = select(Campaign).where(
        col(Campaign.status).in_([CampaignStatus.LIVE.value, CampaignStatus.CLOSED.value])
    )
    if not actor.has_any(AUTHORS):
        stmt = stmt.join(CampaignAudience, col(CampaignAudience.campaign_id) == Campaign.id).where(
            CampaignAudience.employee_id == (actor.employee_id or -1)
        )
    out: dict[str, list[tuple[int, str, str]]] = {}
    for c in session.exec(stmt.order_by(col(Campaign.starts_on).desc())).all():
        out.setdefault(c.pillar, []).append((c.id or 0, _title_text(c), c.status))
    return out


# ---- for the people targeted ----


class FeedState:
    NEW = "new"
    READ = "read"
    ACKNOWLEDGED = "acknowledged"


@dataclass(frozen=True)
class FeedItem:
    id: int
    title: str
    pillar: Pillar
    message: str
    fell_back: bool
    starts_on: date
    ends_on: date
    state: str
    must_acknowledge: bool
    ack_after_pass: bool
    modules: list[str]
    can_acknowledge: bool


def _feed_item(session: Session, c: Campaign, employee_id: int) -> FeedItem:
    assert c.id is not None
    receipt = session.get(CampaignReceipt, (c.id, employee_id))
    state = (
        FeedState.NEW
        if receipt is None
        else FeedState.ACKNOWLEDGED
        if receipt.acknowledged_at
        else FeedState.READ
    )
    modules = module_keys_of(session, c.id)
    message, fell_back = localized(c.message)
    title, title_fell_back = localized(c.title)
    return FeedItem(
        id=c.id,
        title=title,
        pillar=Pillar(c.pillar),
        message=message,
        fell_back=fell_back or title_fell_back,
        starts_on=c.starts_on,
        ends_on=c.ends_on,
        state=state,
        must_acknowledge=c.must_acknowledge,
        ack_after_pass=c.ack_after_pass,
        modules=modules,
        can_acknowledge=not c.ack_after_pass or passed_all(session, employee_id, modules),
    )


def my_campaigns(*, session: Session, actor: Actor) -> list[FeedItem]:
    """The live campaigns that reached the actor, newest first."""
    require_role(actor, Role.EMPLOYEE)
    if actor.employee_id is None:
        return []
    rows = session.exec(
        select(Campaign)
        .join(CampaignAudience, col(CampaignAudience.campaign_id) == Campaign.id)
        .where(
            CampaignAudience.employee_id == actor.employee_id,
            Campaign.status == CampaignStatus.LIVE.value,
        )
        .order_by(col(Campaign.starts_on).desc(), col(Campaign.id).desc())
    ).all()
    return [_feed_item(session, c, actor.employee_id) for c in rows]


def _mine(session: Session, actor: Actor, campaign_id: int) -> Campaign:
    if actor.employee_id is None:
        raise NotAllowed(_("Only people in the directory receive campaigns."))
    campaign = session.get(Campaign, campaign_id)
    reached = session.get(CampaignAudience, (campaign_id, actor.employee_id))
    # a campaign that did not reach you does not exist for you
    if campaign is None or reached is None or campaign.status != CampaignStatus.LIVE.value:
        raise NotFound(_("That campaign is not available to you."))
    return campaign


def open_campaign(*, session: Session, actor: Actor, campaign_id: int) -> FeedItem:
    """Mark a campaign as opened by the actor (once) and return it."""
    require_role(actor, Role.EMPLOYEE)
    campaign = _mine(session, actor, campaign_id)
    assert actor.employee_id is not None
    if session.get(CampaignReceipt, (campaign_id, actor.employee_id)) is None:
        session.add(CampaignReceipt(campaign_id=campaign_id, employee_id=actor.employee_id))
        session.flush()
    return _feed_item(session, campaign, actor.employee_id)


def acknowledge_campaign(*, session: Session, actor: Actor, campaign_id: int) -> int:
    """Acknowledge a campaign (after passing its modules' checks when it asks for that)."""
    require_role(actor, Role.EMPLOYEE)
    campaign = _mine(session, actor, campaign_id)
    assert actor.employee_id is not None
    item = _feed_item(session, campaign, actor.employee_id)
    if not item.can_acknowledge:
        raise InvalidInput(
            _("Pass the check of this campaign's modules first, then acknowledge it.")
        )
    receipt = session.get(CampaignReceipt, (campaign_id, actor.employee_id))
    if receipt is None:
        receipt = CampaignReceipt(campaign_id=campaign_id, employee_id=actor.employee_id)
    if receipt.acknowledged_at is None:
        receipt.acknowledged_at = utcnow()
    session.add(receipt)
    session.flush()
    return campaign_id
