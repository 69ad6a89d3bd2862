"""The heatmap report: department × measure for one wave, through the one suppression path.

The same rows feed the screen, the CSV/JSON exports and the CLI, so they cannot disagree.
"""

from __future__ import annotations

import csv
import io
import json
import random
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from engagement import org_tree
from engagement.authz import Actor, Role, require_role
from engagement.errors import NotAllowed, NotFound
from engagement.exports import FORMULA_STARTS, neutralise  # noqa: F401  (FORMULA_STARTS: was here)
from engagement.i18n import _, display_name
from engagement.markets import MarketRules
from engagement.measures import engine, rollups
from engagement.measures.publish import Bound, Published
from engagement.measures.stats import significant
from engagement.measures.suppression import (
    COMMENT_MIN_DEFAULT,
    Group,
    Reason,
    comments_visible,
    reason_text,
    suppress,
    suppress_filtered,
)
from engagement.models import Checkin, Department, Market, Pulse, Response, Wave
from engagement.questions import CHANGE_PATH, Dimension
from engagement.services.directory import load_nodes

HEATMAP_COLUMNS = (
    "department",
    "parent",
    "invited",
    "respondents",
    "participation_pct",
    "understanding_fav_pct",
    "desire_fav_pct",
    "relevance_fav_pct",
    "tools_fav_pct",
    "customer_thought_pct",
    "adoption_index",
    "barrier_point",
    "hidden_reason",
)


@dataclass(frozen=True)
class HeatmapRow:
    department_id: int
    department: str
    parent: str
    depth: int
    is_company: bool
    invited: int
    measures: engine.Measures | None  # None when hidden
    hidden: Reason | None


@dataclass(frozen=True)
class Heatmap:
    wave_id: int
    wave_number: int
    opens_on: date
    market: str | None  # the internal market's name, in the language it was built in
    k: int
    rows: list[HeatmapRow]


def _pct(value: float | None) -> int | None:
    return None if value is None else round(100 * value)


def _share(published: Published | None) -> int | str | None:
    """A published share for an export: its whole percentage, or "≥80" / "≤20" when coded."""
    if published is None:
        return None
    return published.pct if published.bound is Bound.EXACT else published.text(str(published.pct))


def record(row: HeatmapRow, k: int) -> dict[str, object]:
    """One export row; a hidden row keeps only department, parent and the reason.

    Shares are whole percentages, coded at the extremes (`measures.publish`): an export
    carries exactly what the screen shows.
    """
    out: dict[str, object] = dict.fromkeys(HEATMAP_COLUMNS)
    out.update(department=row.department, parent=row.parent, invited=row.invited)
    if row.hidden is not None or row.measures is None:
        out["hidden_reason"] = reason_text(row.hidden or Reason.MINIMUM, k)
        return out
    m = row.measures
    out.update(
        respondents=m.respondents,
        participation_pct=_pct(m.participation),
        customer_thought_pct=_share(m.customer_thought_published),
        adoption_index=None if m.adoption_index is None else round(m.adoption_index),
        barrier_point=m.barrier_point.value if m.barrier_point else "",
        hidden_reason="",
    )
    for dim in CHANGE_PATH:
        out[f"{dim.value}_fav_pct"] = _share(m.dimensions[dim].published)
    return out


def _scope(actor: Actor, nodes: list[org_tree.Node]) -> set[int] | None:
    """The departments an actor may see: None for the whole company."""
    if actor.has_any((Role.HR, Role.LEADER)):
        return None
    if actor.has(Role.MANAGER):
        seen: set[int] = set()
        for dept in actor.managed_department_ids:
            seen |= org_tree.subtree_ids(nodes, dept)
        return seen
    raise NotAllowed(_("The heatmap is for managers, HR and leaders."))


def _groups(
    nodes: list[org_tree.Node],
    totals: dict[int, engine.Tally],
    changes: dict[int, int] | None,
    everyone_before: dict[int, bool] | None,
) -> list[Group]:
    groups = []
    for node in nodes:
        t = totals[node.id]
        everyone = (
            everyone_before is not None
            and t.invited > 0
            and t.respondents == t.invited
            and everyone_before[node.id]
        )
        groups.append(
            Group(
                id=node.id,
                parent=node.parent_id,
                respondents=t.respondents,
                invited=t.invited,
                shares=shares_of(t),
                invited_change=None if changes is None else changes.get(node.id, 0),
                everyone_answered_both=everyone,
            )
        )
    return groups


def shares_of(t: engine.Tally) -> tuple[tuple[int, int], ...]:
    """A group's (answers, favorable) per dimension, customer thought with its check-ins."""
    scale = tuple((t.scale[d][0], t.scale[d][1]) if d in t.scale else (0, 0) for d in CHANGE_PATH)
    thought = (t.thought[1] + t.checkins[1], t.thought[0] + t.checkins[0])
    return (*scale, thought)


def _parent_label(node: org_tree.Node, by_id: dict[int, org_tree.Node]) -> str:
    parent = by_id.get(node.parent_id) if node.parent_id is not None else None
    if parent is None:
        return ""
    return _("Company") if parent.parent_id is None else parent.name


def heatmap(
    *,
    session: Session,
    actor: Actor,
    k: int,
    wave_id: int | None = None,
    market_id: int | None = None,
    today: date | None = None,
) -> Heatmap:
    """The heatmap of one wave (default: the latest opened), for the actor's departments."""
    require_role(actor, Role.MANAGER, Role.HR, Role.LEADER)
    return scoped(company_report(session, k, wave_id, market_id, today), actor, session)


def company_report(
    session: Session,
    k: int,
    wave_id: int | None = None,
    market_id: int | None = None,
    today: date | None = None,
    *,
    stored: bool = True,
) -> Heatmap:
    """Every department's row, already through suppression (callers scope it to a viewer).

    Closed waves are read from their stored roll-ups; `stored=False` recomputes them from
    the raw answers (the reference the roll-ups are checked against).
    """
    return _build(session, None, k, wave_id, market_id, today, stored)


def scoped(report: Heatmap, actor: Actor, session: Session) -> Heatmap:
    """The rows of a company report that an actor may see (the company row for everyone)."""
    return within(report, scope_of(actor=actor, session=session))


def scope_of(*, actor: Actor, session: Session) -> frozenset[int] | None:
    """The departments whose heatmap rows an actor may see: None for the whole company."""
    require_role(actor, Role.MANAGER, Role.HR, Role.LEADER)
    if actor.has_any((Role.HR, Role.LEADER)):
        return None  # no need to read the tree
    return frozenset(_scope(actor, load_nodes(session)) or ())


def within(report: Heatmap, scope: frozenset[int] | None) -> Heatmap:
    """A company report cut down to a scope from `scope_of` (the company row always stays)."""
    if scope is None:
        return report
    rows = [r for r in report.rows if r.is_company or r.department_id in scope]
    return replace(report, rows=rows)


def _scope_of(actor: Actor, session: Session) -> set[int] | None:
    scope = scope_of(actor=actor, session=session)
    return None if scope is None else set(scope)


def rows_of(
    nodes: list[org_tree.Node],
    direct: dict[int, engine.Tally],
    inside_direct: dict[int, engine.Tally] | None,
    k: int,
    *,
    items: dict[Dimension, int] | None = None,
    changes: dict[int, int] | None = None,
    before: dict[int, bool] | None = None,
    scope: set[int] | None = None,
) -> list[HeatmapRow]:
    """The heatmap's rows from a wave's direct-member counts: suppression, then publication.

    `inside_direct` are the counts within an internal market (None: unfiltered). Pure: the
    report, the audit's random cases and the tests all go through it.
    """
    whole = engine.roll_up(nodes, direct)
    whole_groups = _groups(nodes, whole, changes, before)
    if inside_direct is None:
        shown_totals, decisions = whole, suppress(whole_groups, k)
    else:
        inside = engine.roll_up(nodes, inside_direct)
        inside_groups = [
            Group(
                id=n.id,
                parent=n.parent_id,
                respondents=inside[n.id].respondents,
                invited=inside[n.id].invited,
                shares=shares_of(inside[n.id]),
            )
            for n in nodes
        ]
        _whole, decisions = suppress_filtered(whole_groups, inside_groups, k)
        shown_totals = inside
    by_id = {n.id: n for n in nodes}
    rows: list[HeatmapRow] = []
    for node, depth in org_tree.tree_order(nodes):
        if scope is not None and node.id not in scope and node.parent_id is not None:
            continue
        is_company = node.parent_id is None
        reason = decisions[node.id]
        rows.append(
            HeatmapRow(
                department_id=node.id,
                department=_("Company") if is_company else node.name,
                parent=_parent_label(node, by_id),
                depth=depth,
                is_company=is_company,
                invited=shown_totals[node.id].invited,
                measures=None
                if reason
                else engine.measures_of(shown_totals[node.id], k, items=items),
                hidden=reason,
            )
        )
    return rows


def _build(
    session: Session,
    scope: set[int] | None,
    k: int,
    wave_id: int | None,
    market_id: int | None,
    today: date | None,
    stored: bool = True,
) -> Heatmap:
    wave = (
        session.get(Wave, wave_id)
        if wave_id is not None
        else engine.today_wave(session, today or date.today())
    )
    if wave is None:
        raise NotFound(_("No pulse wave has opened yet: results appear here after the first wave."))
    nodes = load_nodes(session)
    # closed waves read their stored roll-ups (rule 4 needs the previous wave's too)
    before_wave = engine.previous_wave(session, wave)
    waves = [wave] if before_wave is None else [wave, before_wave]
    counts = rollups.counts_of(session, waves, today, stored=stored)
    now = counts[int(wave.id or 0)]
    before = (
        engine.everyone_answered(nodes, counts[int(before_wave.id or 0)].tallies)
        if before_wave
        else None
    )
    changes = engine.subtree_changes(nodes, now.moves) if now.moves is not None else None
    market_name, inside = None, None
    if market_id is not None:
        market = session.get(Market, market_id)
        if market is None:
            raise NotFound(_("That internal market no longer exists."))
        market_name = display_name(market.name, market.names)
        rules = MarketRules.from_json(market.rules)
        inside = engine.wave_tallies(session, wave, rules)
    rows = rows_of(
        nodes,
        now.tallies,
        inside,
        k,
        items=engine.items_per_dimension(session, wave),
        changes=changes,
        before=before,
        scope=scope,
    )
    return Heatmap(
        wave_id=int(wave.id or 0),
        wave_number=wave.number,
        opens_on=wave.opens_on,
        market=market_name,
        k=k,
        rows=rows,
    )


def heatmap_csv(report: Heatmap) -> str:
    """The heatmap as CSV, formula characters neutralised."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEATMAP_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in report.rows:
        writer.writerow(
            {key: "" if v is None else neutralise(v) for key, v in record(row, report.k).items()}
        )
    return buffer.getvalue()


def heatmap_json(report: Heatmap) -> str:
    return json.dumps(
        {
            "wave": report.wave_id,
            "opens_on": report.opens_on.isoformat(),
            "market": report.market,
            "min_group_size": report.k,
            "rows": [record(r, report.k) for r in report.rows],
        },
        ensure_ascii=False,
        indent=2,
    )


@dataclass(frozen=True)
class HeardRow:
    label: str
    measures: engine.Measures | None
    hidden: Reason | None


def what_we_heard(*, session: Session, actor: Actor, wave_id: int, k: int) -> list[HeardRow]:
    """For an employee: their department's and the company's results of a closed wave.

    Built by the same report as the heatmap (same suppression), then cut down to two rows.
    """
    if actor.department_id is None:
        return []
    wave = session.get(Wave, wave_id)
    if wave is None:
        raise NotFound(_("That pulse wave does not exist."))
    report = _build(session, None, k, wave_id, None, None)
    mine = [r for r in report.rows if r.department_id == actor.department_id and not r.is_company]
    company = [r for r in report.rows if r.is_company]
    return [
        HeardRow(
            _("My department ({name})").format(name=r.department)
            if not r.is_company
            else r.department,
            r.measures,
            r.hidden,
        )
        for r in (*mine, *company)
    ]


@dataclass(frozen=True)
class WaveOption:
    id: int
    pulse: str  # the pulse's name in the reader's language
    number: int
    opens_on: date
    closes_on: date
    is_open: bool


def wave_options(*, session: Session, actor: Actor, today: date | None = None) -> list[WaveOption]:
    """The waves that have opened, newest first, for the wave selector."""
    require_role(actor, Role.MANAGER, Role.HR, Role.LEADER)
    today = today or date.today()
    rows = session.exec(
        select(Wave, Pulse)
        .join(Pulse, col(Pulse.id) == Wave.pulse_id)
        .where(col(Wave.opens_on) <= today)
        .order_by(col(Wave.closes_on).desc(), col(Wave.id).desc())
    ).all()
    return [
        WaveOption(
            int(w.id or 0),
            display_name(p.name, p.names),
            w.number,
            w.opens_on,
            w.closes_on,
            w.closes_on >= today,
        )
        for w, p in rows
    ]


def waves_of_pulse_until(session: Session, wave_id: int) -> list[int]:
    """The ids of a wave's pulse waves up to it, oldest first (for trends)."""
    wave = session.get(Wave, wave_id)
    if wave is None:
        raise NotFound(_("That pulse wave does not exist."))
    ids = session.exec(
        select(Wave.id)
        .where(Wave.pulse_id == wave.pulse_id, col(Wave.number) <= wave.number)
        .order_by(col(Wave.number))
    ).all()
    return [int(i) for i in ids if i is not None]


@dataclass(frozen=True)
class TrendPoint:
    wave_id: int
    number: int
    opens_on: date
    measures: engine.Measures | None
    hidden: Reason | None
    # per dimension: whether the change from the previous shown wave is significant (95 %)
    significant: dict[Dimension, bool]


def trend_of(reports: list[Heatmap], department_id: int) -> list[TrendPoint]:
    """A department's row across waves (already scoped and suppressed reports)."""
    points: list[TrendPoint] = []
    previous: engine.Measures | None = None
    for report in reports:
        row = next((r for r in report.rows if r.department_id == department_id), None)
        if row is None:
            raise NotAllowed(_("That department is not one you may see."))
        flags: dict[Dimension, bool] = {}
        if row.measures is not None and previous is not None:
            for dim in CHANGE_PATH:
                now, before = row.measures.dimensions[dim], previous.dimensions[dim]
                flags[dim] = significant(
                    now.favorable, now.answers, before.favorable, before.answers
                )
        points.append(
            TrendPoint(
                report.wave_id, report.wave_number, report.opens_on, row.measures, row.hidden, flags
            )
        )
        if row.measures is not None:
            previous = row.measures
    return points


def comments(
    *,
    session: Session,
    actor: Actor,
    report: Heatmap,
    department_id: int,
    comment_min: int = COMMENT_MIN_DEFAULT,
) -> list[str] | None:
    """A shown department's comments for the report's wave, shuffled; None when hidden (and,
    for a manager, on the company row: its figures are their benchmark, its comments are other
    departments' words)."""
    visible = scoped(report, actor, session)
    row = next((r for r in visible.rows if r.department_id == department_id), None)
    if row is None:
        raise NotAllowed(_("That department is not one you may see."))
    respondents = row.measures.respondents if row.measures else 0
    scope = _scope_of(actor, session)  # None: the whole company
    if scope is not None and department_id not in scope:
        return None
    if report.market is not None or not comments_visible(respondents, row.hidden, comment_min):
        return None
    subtree = org_tree.subtree_ids(load_nodes(session), department_id)
    texts = [
        t
        for t in session.exec(
            select(Response.comment).where(
                Response.wave_id == report.wave_id,
                col(Response.department_id).in_(sorted(subtree)),
                col(Response.comment).is_not(None),
            )
        ).all()
        if t
    ]
    random.SystemRandom().shuffle(texts)  # no order to read anything into
    return texts


def data_version(session: Session, wave_id: int) -> tuple[int, int, int]:
    """Changes whenever a wave's figures could: answers, check-ins or the org tree."""
    return data_versions(session, [wave_id])[wave_id]


def data_versions(session: Session, wave_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """`data_version` of several waves; a closed wave's answers and check-ins are final."""
    waves = {
        int(w.id or 0): w for w in session.exec(select(Wave).where(col(Wave.id).in_(wave_ids)))
    }
    departments = int(session.exec(select(func.count()).select_from(Department)).one())
    out: dict[int, tuple[int, int, int]] = {}
    for wave_id in wave_ids:
        wave = waves.get(wave_id)
        if wave is None:
            out[wave_id] = (0, 0, 0)
        elif rollups.is_closed(wave):
            out[wave_id] = (-1, -1, departments)  # only the tree can still change its figures
        else:
            answers = session.exec(
                select(func.count()).select_from(Response).where(Response.wave_id == wave_id)
            ).one()
            checkins = session.exec(
                select(func.count())
                .select_from(Checkin)
                .where(col(Checkin.day) >= wave.opens_on, col(Checkin.day) <= wave.closes_on)
            ).one()
            out[wave_id] = (int(answers), int(checkins), departments)
    return out


def previous_wave_id(session: Session, wave_id: int) -> int | None:
    wave = session.get(Wave, wave_id)
    before = engine.previous_wave(session, wave) if wave else None
    return int(before.id) if before is not None and before.id is not None else None


def previous_wave_id_for(*, session: Session, actor: Actor, wave_id: int) -> int | None:
    """The wave before this one in its pulse (for the “vs previous wave” colours)."""
    require_role(actor, Role.MANAGER, Role.HR, Role.LEADER)
    return previous_wave_id(session, wave_id)


@dataclass(frozen=True)
class Mover:
    department: str
    adoption_index: float
    barrier_point: Dimension | None
    change: float | None


def _departments(report: Heatmap) -> list[HeatmapRow]:
    return [r for r in report.rows if not r.is_company and r.measures is not None]


def most_stuck(report: Heatmap, n: int = 5) -> list[Mover]:
    """Shown departments stuck earliest on the change path, then lowest adoption index."""
    order = {dim: i for i, dim in enumerate(CHANGE_PATH)}
    rows = [r for r in _departments(report) if r.measures and r.measures.barrier_point]
    rows.sort(
        key=lambda r: (
            order[r.measures.barrier_point],  # type: ignore[union-attr,index]
            r.measures.adoption_index or 0,  # type: ignore[union-attr]
        )
    )
    return [
        Mover(r.department, r.measures.adoption_index or 0, r.measures.barrier_point, None)  # type: ignore[union-attr]
        for r in rows[:n]
    ]


def most_improved(report: Heatmap, previous: Heatmap, n: int = 5) -> list[Mover]:
    """Shown departments whose adoption index rose most since the previous wave."""
    before = {
        r.department_id: r.measures.adoption_index
        for r in _departments(previous)
        if r.measures and r.measures.adoption_index is not None
    }
    movers = [
        Mover(
            r.department,
            r.measures.adoption_index,
            r.measures.barrier_point,
            r.measures.adoption_index - before[r.department_id],
        )
        for r in _departments(report)
        if r.measures and r.measures.adoption_index is not None and r.department_id in before
    ]
    movers.sort(key=lambda m: -(m.change or 0))
    return [m for m in movers if (m.change or 0) > 0][:n]


def wave_ids_until(*, session: Session, actor: Actor, wave_id: int) -> list[int]:
    """The waves of a wave's pulse up to it, oldest first."""
    require_role(actor, Role.MANAGER, Role.HR, Role.LEADER)
    return waves_of_pulse_until(session, wave_id)
