"""The measures of a wave, per department subtree, company or internal market.

Counts come from SQL GROUP BYs over one wave (never loading answers into Python), are
rolled up the department tree by addition, then turned into favorable %, means, intervals,
participation, customer-thought rate, adoption index and barrier point.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Table, case, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from engagement import org_tree
from engagement.markets import MarketRules
from engagement.measures.publish import Published, enough_answers, publish_share, whole_pct
from engagement.measures.stats import wilson
from engagement.models import (
    Answer,
    Checkin,
    Employee,
    Pulse,
    Response,
    Wave,
    WaveInvite,
)
from engagement.questions import (
    CHANGE_PATH,
    CUSTOMER_OPTION,
    Bank,
    Dimension,
    custom_item,
    default_bank,
)
from engagement.services.markets import member_condition, snapshot_subject

BARRIER_THRESHOLD = 0.60
RESPONSES: Table = Response.__table__  # type: ignore[attr-defined]
CHECKINS: Table = Checkin.__table__  # type: ignore[attr-defined]
INVITES: Table = WaveInvite.__table__  # type: ignore[attr-defined]


@dataclass
class Tally:
    """Additive counts of one group for one wave: they roll up by simple addition."""

    invited: int = 0
    respondents: int = 0
    # per dimension: [answers, favorable answers (4 or 5), sum of values]
    scale: dict[Dimension, list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0, 0])
    )
    thought: list[int] = field(default_factory=lambda: [0, 0])  # [customer, answered]
    checkins: list[int] = field(default_factory=lambda: [0, 0])  # [customer, all]
    # check-ins per day: on one day a person checks in at most once, so the busiest day's
    # count is a floor on how many different people gave the check-ins
    checkin_days: dict[date, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def checkin_people(self) -> int:
        return max(self.checkin_days.values(), default=0)

    def add(self, other: Tally) -> None:
        # in place, element by element: a report adds a few hundred of these per wave
        self.invited += other.invited
        self.respondents += other.respondents
        scale = self.scale
        for dim, (n, fav, total) in other.scale.items():
            mine = scale[dim]
            mine[0] += n
            mine[1] += fav
            mine[2] += total
        thought, checkins = self.thought, self.checkins
        thought[0] += other.thought[0]
        thought[1] += other.thought[1]
        checkins[0] += other.checkins[0]
        checkins[1] += other.checkins[1]
        days = self.checkin_days
        for day, n in other.checkin_days.items():
            days[day] += n


@dataclass(frozen=True)
class DimensionResult:
    """A dimension's figure as it may be shown (`publish`): never the raw counts.

    `favorable_pct` is the published share, `answers` the group's respondents (the unit every
    interval, mark and lift is computed on) and `favorable` the published share of them, so
    that nothing drawn from a figure can carry more than the figure itself.
    """

    answers: int
    favorable: int
    favorable_pct: float | None
    mean: float | None
    low: float
    high: float
    published: Published | None = None


NO_FIGURE = DimensionResult(0, 0, None, None, 0.0, 1.0)


@dataclass(frozen=True)
class Measures:
    """What a group's figures are for one wave, as they may be shown (see `publish`)."""

    invited: int
    respondents: int
    participation: float | None
    dimensions: dict[Dimension, DimensionResult]
    customer_thought: float | None
    customer_thought_n: int
    adoption_index: float | None
    barrier_point: Dimension | None
    customer_thought_published: Published | None = None


def _figure(published: Published | None, respondents: int) -> DimensionResult:
    if published is None:
        return NO_FIGURE
    favorable = round(published.share * respondents)
    low, high = wilson(favorable, respondents)
    return DimensionResult(
        respondents, favorable, published.share, None, low, high, published=published
    )


def measures_of(
    tally: Tally,
    k: int,
    threshold: float = BARRIER_THRESHOLD,
    items: dict[Dimension, int] | None = None,
) -> Measures:
    """Turn a group's counts into its published measures (`engagement.measures.publish`).

    `items` is how many questions of each dimension the wave's pulse asks (default: two).
    """
    items = items or {}
    r = tally.respondents
    dims: dict[Dimension, DimensionResult] = {}
    for dim in CHANGE_PATH:
        n, fav, _total = tally.scale.get(dim, [0, 0, 0])
        shown = r >= k and enough_answers(n, items.get(dim, 2), k)
        dims[dim] = _figure(publish_share(fav, n, r) if shown else None, r)
    customer, answered = tally.thought
    with_checkins = tally.checkin_people >= k
    enough = enough_answers(answered, items.get(Dimension.CUSTOMER_THOUGHT, 1), k)
    # check-ins are not linked to people: count them only when enough people checked in
    if with_checkins:
        customer += tally.checkins[0]
        answered += tally.checkins[1]
    thought = (
        publish_share(customer, answered, r)
        if r >= k and answered and (enough or with_checkins)
        else None
    )
    known = [d.published.pct for d in dims.values() if d.published is not None]
    barrier = next(
        (
            dim
            for dim in CHANGE_PATH
            if dims[dim].favorable_pct is not None and (dims[dim].favorable_pct or 0) < threshold
        ),
        None,
    )
    return Measures(
        invited=tally.invited,
        respondents=r,
        participation=r / tally.invited if tally.invited else None,
        dimensions=dims,
        customer_thought=None if thought is None else thought.share,
        customer_thought_n=r if thought is not None else 0,
        # from the published percentages only: it adds nothing an adversary could solve for
        adoption_index=float(whole_pct(sum(known), 100 * len(known))) if known else None,
        barrier_point=barrier,
        customer_thought_published=thought,
    )


def _dimension_of(bank: Bank) -> dict[str, Dimension | None]:
    return {item_id: item.dimension for item_id, item in bank.items.items()}


def items_per_dimension(
    session: Session, wave: Wave, bank: Bank | None = None
) -> dict[Dimension, int]:
    """How many questions of each dimension a wave's pulse asks (its bank items and its own)."""
    bank = bank or default_bank()
    pulse = session.get(Pulse, wave.pulse_id)
    counts: dict[Dimension, int] = defaultdict(int)
    if pulse is None:
        return dict(counts)
    for item_id in pulse.item_ids:
        item = bank.items.get(item_id)
        if item is not None and item.dimension is not None:
            counts[item.dimension] += 1
    for raw in pulse.custom_items:
        dim = custom_item(raw).dimension
        if dim is not None:
            counts[dim] += 1
    return dict(counts)


def wave_tallies(
    session: Session,
    wave: Wave,
    rules: MarketRules | None = None,
    bank: Bank | None = None,
) -> dict[int, Tally]:
    """Counts per department (direct members only) for one wave, optionally within a market."""
    bank = bank or default_bank()
    dims = _dimension_of(bank)
    pulse = session.get(Pulse, wave.pulse_id)
    if pulse is not None:  # questions written for this pulse count in their dimension
        dims.update({f"{raw['id']}": custom_item(raw).dimension for raw in pulse.custom_items})
    tallies: dict[int, Tally] = defaultdict(Tally)
    in_market_people = member_condition(session, rules, wave.opens_on) if rules else None
    in_market_answers = (
        member_condition(session, rules, wave.opens_on, snapshot_subject(RESPONSES))
        if rules
        else None
    )

    invited = select(WaveInvite.department_id, func.count()).where(WaveInvite.wave_id == wave.id)
    if in_market_people is not None:
        invited = invited.join(Employee, col(Employee.id) == WaveInvite.employee_id).where(
            in_market_people
        )
    for dept, n in session.exec(invited.group_by(col(WaveInvite.department_id))).all():
        tallies[dept].invited = int(n)

    respondents = select(Response.department_id, func.count()).where(Response.wave_id == wave.id)
    if in_market_answers is not None:
        respondents = respondents.where(in_market_answers)
    for dept, n in session.exec(respondents.group_by(col(Response.department_id))).all():
        tallies[dept].respondents = int(n)

    answers = (
        sa_select(
            col(Response.department_id),
            col(Answer.item_id),
            func.count(col(Answer.value)),
            func.sum(case((col(Answer.value) >= 4, 1), else_=0)),
            func.coalesce(func.sum(col(Answer.value)), 0),
            func.count(col(Answer.choice)),
            func.sum(case((col(Answer.choice) == CUSTOMER_OPTION, 1), else_=0)),
        )
        .join(Response, col(Response.id) == Answer.response_id)
        .where(col(Response.wave_id) == wave.id)
    )
    if in_market_answers is not None:
        answers = answers.where(in_market_answers)
    grouped = answers.group_by(col(Response.department_id), col(Answer.item_id))
    for dept, item_id, n, fav, total, n_choice, customer in session.execute(grouped).all():
        dim = dims.get(item_id)
        if dim is Dimension.CUSTOMER_THOUGHT:
            tallies[dept].thought[0] += int(customer or 0)
            tallies[dept].thought[1] += int(n_choice or 0)
        elif dim is not None:
            cell = tallies[dept].scale[dim]
            cell[0] += int(n or 0)
            cell[1] += int(fav or 0)
            cell[2] += int(total or 0)

    _checkins(session, wave, rules, tallies)
    return dict(tallies)


def _checkins(
    session: Session, wave: Wave, rules: MarketRules | None, tallies: dict[int, Tally]
) -> None:
    """Morning check-ins of the wave's days, and how many people gave them."""
    window = (col(Checkin.day) >= wave.opens_on, col(Checkin.day) <= wave.closes_on)
    stmt = sa_select(
        col(Checkin.department_id),
        col(Checkin.day),
        func.count(),
        func.sum(case((col(Checkin.choice) == CUSTOMER_OPTION, 1), else_=0)),
    ).where(*window)
    if rules is not None:
        stmt = stmt.where(
            member_condition(session, rules, wave.opens_on, snapshot_subject(CHECKINS))
        )
    grouped = stmt.group_by(col(Checkin.department_id), col(Checkin.day))
    for dept, day, n, customer in session.execute(grouped).all():
        tally = tallies[dept]
        tally.checkins = [tally.checkins[0] + int(customer or 0), tally.checkins[1] + int(n)]
        tally.checkin_days[day] += int(n)


def roll_up(nodes: Iterable[org_tree.Node], direct: dict[int, Tally]) -> dict[int, Tally]:
    """Each department's counts with everything below it."""
    nodes = list(nodes)
    totals = {n.id: Tally() for n in nodes}
    for node, _depth in reversed(org_tree.tree_order(nodes)):
        if node.id in direct:
            totals[node.id].add(direct[node.id])
        if node.parent_id is not None and node.parent_id in totals:
            totals[node.parent_id].add(totals[node.id])
    return totals


def everyone_answered(nodes: Iterable[org_tree.Node], direct: dict[int, Tally]) -> dict[int, bool]:
    """Per department subtree: whether everyone invited answered (rule 4, across waves)."""
    nodes = list(nodes)
    invited = org_tree.subtree_totals(nodes, {d: t.invited for d, t in direct.items()})
    answered = org_tree.subtree_totals(nodes, {d: t.respondents for d, t in direct.items()})
    return {d: answered[d] == n for d, n in invited.items()}


def previous_wave(session: Session, wave: Wave) -> Wave | None:
    """The wave before this one in the same pulse."""
    return session.exec(
        select(Wave).where(Wave.pulse_id == wave.pulse_id, Wave.number == wave.number - 1)
    ).first()


# how many invited people went from one department (None: not invited) to another
Move = tuple[int | None, int | None, int]


def invitation_moves(session: Session, wave: Wave, before: Wave) -> list[Move]:
    """(department now, department before, people) for everyone whose invitation changed."""
    now, then = INVITES.alias("now"), INVITES.alias("then")
    joined_or_moved = (
        sa_select(now.c.department_id, then.c.department_id, func.count())
        .select_from(
            now.outerjoin(
                then, (then.c.wave_id == before.id) & (then.c.employee_id == now.c.employee_id)
            )
        )
        .where(
            now.c.wave_id == wave.id,
            or_(then.c.department_id.is_(None), then.c.department_id != now.c.department_id),
        )
        .group_by(now.c.department_id, then.c.department_id)
    )
    left = (
        sa_select(then.c.department_id, func.count())
        .select_from(
            then.outerjoin(
                now, (now.c.wave_id == wave.id) & (now.c.employee_id == then.c.employee_id)
            )
        )
        .where(then.c.wave_id == before.id, now.c.employee_id.is_(None))
        .group_by(then.c.department_id)
    )
    moves: list[Move] = [
        (int(a), None if b is None else int(b), int(n))
        for a, b, n in session.execute(joined_or_moved).all()
    ]
    moves += [(None, int(b), int(n)) for b, n in session.execute(left).all()]
    return moves


def subtree_changes(nodes: Iterable[org_tree.Node], moves: Iterable[Move]) -> dict[int, int]:
    """Per department subtree: how many invited people differ between two waves."""
    by_id = {n.id: n for n in nodes}

    def ancestors(dept: int | None) -> set[int]:
        out: set[int] = set()
        while dept is not None and dept in by_id and dept not in out:
            out.add(dept)
            dept = by_id[dept].parent_id
        return out

    changes: dict[int, int] = defaultdict(int)
    for now, then, people in moves:
        for dept in ancestors(now) ^ ancestors(then):
            changes[dept] += people
    return dict(changes)


def invitation_changes(
    session: Session, nodes: list[org_tree.Node], wave: Wave, before: Wave
) -> dict[int, int]:
    """Per department subtree: how many invited people differ between two waves."""
    return subtree_changes(nodes, invitation_moves(session, wave, before))


def today_wave(session: Session, today: date) -> Wave | None:
    """The latest wave with final results: the last one closed by a day, else the open one."""
    closed = session.exec(
        select(Wave)
        .where(col(Wave.closes_on) < today)
        .order_by(col(Wave.closes_on).desc(), col(Wave.id).desc())
    ).first()
    if closed is not None:
        return closed
    return session.exec(
        select(Wave)
        .where(col(Wave.opens_on) <= today)
        .order_by(col(Wave.opens_on).desc(), col(Wave.id).desc())
    ).first()
