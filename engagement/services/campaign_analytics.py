"""Did a campaign land? Its funnel per internal market and department, and its lift.

Funnel: targeted → opened → acknowledged → module completed → check passed, then
understanding and desire favorable in the next wave. Counts of people go through the one
suppression path (hierarchy remainder for departments, filter remainder for markets);
wave figures come from the heatmap report, already suppressed. Lift compares the targeted
departments with untargeted ones between the wave before launch and the wave after the
campaign, using only rows the heatmap shows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date

from sqlmodel import Session, col, select

from engagement import org_tree
from engagement.authz import Actor, Role, require_role
from engagement.errors import NotFound
from engagement.i18n import (
    N_,
    _,
    display_name,
    format_date,
    format_number,
    format_percent,
    localized,
    ngettext,
)
from engagement.measures.lift import (
    CONFIDENCE,
    MIN_TARGETED,
    MIN_UNTARGETED,
    DepartmentChange,
    Lift,
    Share,
    department_lift,
)
from engagement.measures.stats import respondent_sample
from engagement.measures.suppression import Group, Reason, suppress, suppress_filtered
from engagement.models import (
    Campaign,
    CampaignAudience,
    CampaignMarket,
    CampaignReceipt,
    CampaignStatus,
    Market,
    MarketSnapshotMember,
    ModuleProgress,
    Wave,
)
from engagement.questions import Dimension, dimension_label
from engagement.services import reports
from engagement.services.campaigns import module_keys_of
from engagement.services.directory import load_nodes

STAGES: tuple[str, ...] = ("targeted", "opened", "acknowledged", "completed", "passed")
STAGE_LABELS = {
    "targeted": N_("Targeted"),
    "opened": N_("Opened"),
    "acknowledged": N_("Acknowledged"),
    "completed": N_("Module completed"),
    "passed": N_("Check passed"),
}
# a department counts as targeted when at least this share of its invited people were reached
TARGETED_SHARE = 0.5
LIFT_DIMENSIONS = (Dimension.UNDERSTANDING, Dimension.DESIRE)


@dataclass(frozen=True)
class FunnelRow:
    label: str
    depth: int
    counts: dict[str, int] | None  # None when hidden
    understanding: float | None  # favorable share in the next wave (None: hidden or no wave)
    desire: float | None
    hidden: Reason | None


@dataclass(frozen=True)
class Funnel:
    campaign_id: int
    title: str
    status: CampaignStatus
    k: int
    next_wave: str | None  # e.g. "#14 (3 Jun)" — None when no wave has closed since launch
    markets: list[FunnelRow]
    departments: list[FunnelRow]


@dataclass(frozen=True)
class LiftReading:
    dimension: Dimension
    lift: Lift | None
    targeted_groups: int
    untargeted_groups: int


@dataclass(frozen=True)
class LiftReport:
    before_wave: int | None
    after_wave: int | None
    preliminary: bool  # the campaign is still live: the after wave is the latest one
    readings: list[LiftReading] = field(default_factory=list)


def _campaign(session: Session, campaign_id: int) -> Campaign:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(_("That campaign no longer exists."))
    return campaign


def _stages(session: Session, campaign: Campaign) -> dict[int, set[str]]:
    """Per person reached: the funnel stages they got to."""
    assert campaign.id is not None
    people = session.exec(
        select(CampaignAudience.employee_id).where(CampaignAudience.campaign_id == campaign.id)
    ).all()
    stages: dict[int, set[str]] = {int(p): {"targeted"} for p in people}
    for r in session.exec(
        select(CampaignReceipt).where(CampaignReceipt.campaign_id == campaign.id)
    ).all():
        if r.employee_id in stages:
            stages[r.employee_id].add("opened")
            if r.acknowledged_at:
                stages[r.employee_id].add("acknowledged")
    keys = module_keys_of(session, campaign.id)
    if keys:
        done: dict[int, int] = defaultdict(int)
        passed: dict[int, int] = defaultdict(int)
        for p in session.exec(
            select(ModuleProgress).where(col(ModuleProgress.module_key).in_(keys))
        ).all():
            done[p.employee_id] += p.completed_at is not None
            passed[p.employee_id] += p.passed_at is not None
        for person, reached in stages.items():
            if done[person] == len(keys):
                reached.add("completed")
            if passed[person] == len(keys):
                reached.add("passed")
    return stages


def _count(people: set[int] | list[int], stages: dict[int, set[str]]) -> dict[str, int]:
    return {s: sum(1 for p in people if s in stages.get(p, ())) for s in STAGES}


def _wave_label(wave: Wave) -> str:
    return f"#{wave.number} ({format_date(wave.opens_on)})"


def _waves(session: Session, campaign: Campaign) -> list[Wave]:
    stmt = select(Wave).order_by(col(Wave.opens_on), col(Wave.id))
    if campaign.pulse_id is not None:
        stmt = stmt.where(Wave.pulse_id == campaign.pulse_id)
    return list(session.exec(stmt).all())


def next_wave(session: Session, campaign: Campaign, today: date) -> Wave | None:
    """The wave that shows the campaign's effect: the first closed wave after it ended (while
    it is still running, the latest closed wave since it started)."""
    closed = [w for w in _waves(session, campaign) if w.closes_on < today]
    after = next((w for w in closed if w.opens_on >= campaign.ends_on), None)
    if after is not None:
        return after
    since = [w for w in closed if w.opens_on >= campaign.starts_on]
    return since[-1] if since else None


def _fav(row: reports.HeatmapRow | None, dim: Dimension) -> float | None:
    if row is None or row.measures is None:
        return None
    return row.measures.dimensions[dim].favorable_pct


def campaign_funnel(
    *, session: Session, actor: Actor, campaign_id: int, k: int, today: date | None = None
) -> Funnel:
    """The campaign's funnel per target market and per department, through suppression."""
    require_role(actor, Role.HR, Role.LEADER)
    today = today or date.today()
    campaign = _campaign(session, campaign_id)
    stages = _stages(session, campaign)
    nodes = load_nodes(session)
    by_dept: dict[int, list[int]] = defaultdict(list)
    for person, dept in session.exec(
        select(CampaignAudience.employee_id, CampaignAudience.department_id).where(
            CampaignAudience.campaign_id == campaign_id
        )
    ).all():
        by_dept[int(dept)].append(int(person))
    # each person counts in their department and every department above it
    parent = {n.id: n.parent_id for n in nodes}
    subtree: dict[int, list[int]] = defaultdict(list)
    for dept, people in by_dept.items():
        at: int | None = dept
        while at is not None and at in parent:
            subtree[at].extend(people)
            at = parent[at]
    decisions = suppress(
        [Group(id=n.id, parent=n.parent_id, respondents=len(subtree[n.id])) for n in nodes], k
    )
    wave = next_wave(session, campaign, today)
    report = reports.company_report(session, k, wave.id) if wave else None
    shown = {r.department_id: r for r in report.rows} if report else {}
    departments = []
    for node, depth in org_tree.tree_order(nodes):
        people = subtree[node.id]
        if not people:
            continue
        reason = decisions[node.id]
        row = shown.get(node.id)
        departments.append(
            FunnelRow(
                label=_("Everyone reached") if node.parent_id is None else node.name,
                depth=depth,
                counts=None if reason else _count(people, stages),
                understanding=None if reason else _fav(row, Dimension.UNDERSTANDING),
                desire=None if reason else _fav(row, Dimension.DESIRE),
                hidden=reason,
            )
        )
    return Funnel(
        campaign_id=campaign_id,
        title=localized(campaign.title)[0],
        status=CampaignStatus(campaign.status),
        k=k,
        next_wave=_wave_label(wave) if wave else None,
        markets=_market_rows(session, campaign, stages, k, wave),
        departments=departments,
    )


def _market_rows(
    session: Session, campaign: Campaign, stages: dict[int, set[str]], k: int, wave: Wave | None
) -> list[FunnelRow]:
    """One row per target market: its members at launch among the people reached."""
    everyone = set(stages)
    rows = []
    for link in session.exec(
        select(CampaignMarket).where(CampaignMarket.campaign_id == campaign.id)
    ).all():
        market = session.get(Market, link.market_id)
        members = (
            set(
                session.exec(
                    select(MarketSnapshotMember.employee_id).where(
                        MarketSnapshotMember.snapshot_id == link.snapshot_id
                    )
                ).all()
            )
            & everyone
            if link.snapshot_id is not None
            else set()
        )
        # rule 3: the market's figure and the total must not give away the people outside it
        _whole, decision = suppress_filtered(
            [Group(id=0, parent=None, respondents=len(everyone))],
            [Group(id=0, parent=None, respondents=len(members))],
            k,
        )
        reason = decision[0]
        company = None
        if wave is not None and reason is None and market is not None:
            company = reports.company_report(session, k, wave.id, market.id).rows[0]
        rows.append(
            FunnelRow(
                label=display_name(market.name, market.names) if market else "?",
                depth=0,
                counts=None if reason else _count(members, stages),
                understanding=_fav(company, Dimension.UNDERSTANDING),
                desire=_fav(company, Dimension.DESIRE),
                hidden=reason,
            )
        )
    return rows


def _changes(
    before: reports.Heatmap,
    after: reports.Heatmap,
    targeted: set[int],
    untargeted: set[int],
    dim: Dimension,
) -> list[DepartmentChange]:
    """Each compared department's share in both waves, respondents as the unit."""
    then = {r.department_id: r.measures for r in before.rows if r.measures is not None}
    out = []
    for row in after.rows:
        was = then.get(row.department_id)
        if row.measures is None or was is None:
            continue
        if row.department_id not in targeted | untargeted:
            continue
        a, b = row.measures.dimensions[dim], was.dimensions[dim]
        out.append(
            DepartmentChange(
                before=Share(*respondent_sample(b.favorable, b.answers, was.respondents)),
                after=Share(*respondent_sample(a.favorable, a.answers, row.measures.respondents)),
                targeted=row.department_id in targeted,
            )
        )
    return out


def _to_screen(lift: Lift | None) -> Lift | None:
    """A lift rounded to the 0.1 point the sentence shows: no more precision leaves here."""
    if lift is None:
        return None

    def tenth(v: float | None) -> float | None:
        return None if v is None else round(v, 3)

    return replace(
        lift,
        estimate=round(lift.estimate, 3),
        low=tenth(lift.low),
        high=tenth(lift.high),
        targeted_change=round(lift.targeted_change, 3),
        untargeted_change=round(lift.untargeted_change, 3),
        p=None if lift.p is None else round(lift.p, 3),
    )


def campaign_lift(
    *, session: Session, actor: Actor, campaign_id: int, k: int, today: date | None = None
) -> LiftReport:
    """Difference in differences of understanding and desire: targeted vs untargeted groups."""
    require_role(actor, Role.HR, Role.LEADER)
    today = today or date.today()
    campaign = _campaign(session, campaign_id)
    if campaign.status in (CampaignStatus.DRAFT.value, CampaignStatus.SCHEDULED.value):
        return LiftReport(None, None, False)
    waves = [w for w in _waves(session, campaign) if w.closes_on < today]
    before = next((w for w in reversed(waves) if w.closes_on < campaign.starts_on), None)
    after = next((w for w in waves if w.opens_on >= campaign.ends_on), None)
    preliminary = False
    if after is None and waves and waves[-1].opens_on > campaign.starts_on:
        after, preliminary = waves[-1], True
    if before is None or after is None:
        return LiftReport(before.number if before else None, None, preliminary)
    nodes = load_nodes(session)
    leaves = {n.id for n in nodes} - {n.parent_id for n in nodes if n.parent_id is not None}
    reached: dict[int, int] = defaultdict(int)
    for dept in session.exec(
        select(CampaignAudience.department_id).where(CampaignAudience.campaign_id == campaign_id)
    ).all():
        reached[int(dept)] += 1
    report_before = reports.company_report(session, k, before.id)
    report_after = reports.company_report(session, k, after.id)
    invited = {r.department_id: r.invited for r in report_before.rows}
    targeted = {d for d in leaves if invited.get(d) and reached[d] / invited[d] >= TARGETED_SHARE}
    untargeted = {d for d in leaves if invited.get(d) and reached[d] == 0}
    # only groups shown in both waves take part
    both = {r.department_id for r in report_before.rows if r.measures is not None} & {
        r.department_id for r in report_after.rows if r.measures is not None
    }
    targeted &= both
    untargeted &= both
    readings = []
    for dim in LIFT_DIMENSIONS:
        changes = _changes(report_before, report_after, targeted, untargeted, dim)
        readings.append(
            LiftReading(
                dimension=dim,
                lift=_to_screen(department_lift(changes)),
                targeted_groups=len(targeted),
                untargeted_groups=len(untargeted),
            )
        )
    return LiftReport(before.number, after.number, preliminary, readings)


def lift_sentence(reading: LiftReading, preliminary: bool = False) -> str:
    """A plain-language reading of a lift (a preliminary one never concludes)."""
    lift = reading.lift
    if lift is None:
        return _("Not enough comparable groups to measure {dimension} yet.").format(
            dimension=dimension_label(reading.dimension).lower()
        )
    points = format_number(abs(100 * lift.estimate), 1)
    if lift.estimate >= 0:
        text = _("{dimension} rose {points} points more in the targeted groups than elsewhere")
    else:
        text = _("{dimension} rose {points} points less in the targeted groups than elsewhere")
    text = text.format(dimension=dimension_label(reading.dimension), points=points)
    if lift.too_few or lift.low is None or lift.high is None:
        tail = ngettext(
            "{n} department targeted against {m} untargeted: too few to tell "
            "(at least {min_t} and {min_u} are needed).",
            "{n} departments targeted against {m} untargeted: too few to tell "
            "(at least {min_t} and {min_u} are needed).",
            lift.targeted_groups,
        ).format(
            n=lift.targeted_groups,
            m=lift.untargeted_groups,
            min_t=MIN_TARGETED,
            min_u=MIN_UNTARGETED,
        )
        return f"{text}; {tail}"
    low, high = format_number(100 * lift.low, 1), format_number(100 * lift.high, 1)
    if preliminary:
        tail = _(
            "the {level} interval is {low} to {high} points, but the campaign is still live: "
            "wait for the wave after it to conclude."
        )
    elif lift.excludes_zero:
        tail = _("the {level} interval ({low} to {high} points) excludes zero.")
    else:
        tail = _("the {level} interval ({low} to {high} points) includes zero: it may be chance.")
    level = format_percent(CONFIDENCE)
    return f"{text}; {tail.format(level=level, low=low, high=high)}"
