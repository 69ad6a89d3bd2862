"""What the adversary is given, read from a real database: atoms, published facts, targets.

The facts are read from the export records of the real reports (`reports.record`, which the
screen, the CSV and the CLI all read), for the unfiltered view and for every internal market,
as a leader sees them or cut down to a manager's departments. The atoms' true counts are read
from the answers themselves, only to know which values the adversary must not pin.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from sqlalchemy import Table, select
from sqlmodel import Session, col
from sqlmodel import select as sqlmodel_select

from engagement import org_tree
from engagement.audit.model import DIMENSIONS, THOUGHT, Atom, Fact, Share, Target
from engagement.authz import Actor
from engagement.markets import MarketRules
from engagement.measures import engine
from engagement.measures.publish import Bound, Published
from engagement.models import (
    Answer,
    Checkin,
    Employee,
    Market,
    Pulse,
    Response,
    Wave,
    WaveInvite,
)
from engagement.questions import CUSTOMER_OPTION, Dimension, custom_item, default_bank
from engagement.services import reports
from engagement.services.directory import load_nodes
from engagement.services.markets import member_condition, snapshot_subject

RESPONSES: Table = Response.__table__  # type: ignore[attr-defined]
CHECKINS: Table = Checkin.__table__  # type: ignore[attr-defined]
RECORD_COLUMN = {d: f"{d}_fav_pct" for d in DIMENSIONS if d != THOUGHT} | {
    THOUGHT: "customer_thought_pct"
}


@dataclass(frozen=True)
class Case:
    """One wave as an adversary sees it: the atoms' truth, the facts and the targets."""

    wave_id: int
    views: int
    atoms: list[Atom]
    facts: list[Fact]
    targets: list[Target]


def parse_share(value: object) -> Published | None:
    """A published share back from an export record: 57, "≥80" or "≤20" (None: not shown)."""
    if value is None or value == "":
        return None
    text = str(value)
    if text.startswith("≥"):
        return Published(int(text[1:]), Bound.AT_LEAST)
    if text.startswith("≤"):
        return Published(int(text[1:]), Bound.AT_MOST)
    return Published(int(float(text)))


def _dimension_of(session: Session, wave: Wave) -> dict[str, Dimension | None]:
    dims: dict[str, Dimension | None] = {i: it.dimension for i, it in default_bank().items.items()}
    pulse = session.get(Pulse, wave.pulse_id)
    if pulse is not None:
        dims.update({str(raw["id"]): custom_item(raw).dimension for raw in pulse.custom_items})
    return dims


def _in_markets(
    session: Session, wave: Wave, markets: Sequence[Market]
) -> tuple[dict[int, set[int]], dict[str, set[int]], dict[str, set[int]]]:
    """Per employee invited, response and check-in: the markets it belongs to."""
    people: dict[int, set[int]] = defaultdict(set)
    answers: dict[str, set[int]] = defaultdict(set)
    checkins: dict[str, set[int]] = defaultdict(set)
    for market in markets:
        mid, rules = int(market.id or 0), MarketRules.from_json(market.rules)
        for (pid,) in session.execute(
            select(col(WaveInvite.employee_id))
            .join(Employee, col(Employee.id) == col(WaveInvite.employee_id))
            .where(
                col(WaveInvite.wave_id) == wave.id, member_condition(session, rules, wave.opens_on)
            )
        ):
            people[int(pid)].add(mid)
        cond = member_condition(session, rules, wave.opens_on, snapshot_subject(RESPONSES))
        for (rid,) in session.execute(
            select(col(Response.id)).where(col(Response.wave_id) == wave.id, cond)
        ):
            answers[str(rid)].add(mid)
        cond = member_condition(session, rules, wave.opens_on, snapshot_subject(CHECKINS))
        for (cid,) in session.execute(
            select(col(Checkin.id)).where(
                col(Checkin.day) >= wave.opens_on, col(Checkin.day) <= wave.closes_on, cond
            )
        ):
            checkins[str(cid)].add(mid)
    return people, answers, checkins


def atoms_of(session: Session, wave: Wave, markets: Sequence[Market]) -> list[Atom]:
    """The true counts of every atom of a wave."""
    people, in_answers, in_checkins = _in_markets(session, wave, markets)
    invited: dict[Hashable, int] = defaultdict(int)
    respondents: dict[Hashable, int] = defaultdict(int)
    counts: dict[Hashable, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    checks: dict[Hashable, list[int]] = defaultdict(lambda: [0, 0])
    for pid, dept in session.execute(
        select(col(WaveInvite.employee_id), col(WaveInvite.department_id)).where(
            col(WaveInvite.wave_id) == wave.id
        )
    ):
        invited[(int(dept), frozenset(people.get(int(pid), ())))] += 1
    key_of: dict[str, Hashable] = {}
    for rid, dept in session.execute(
        select(col(Response.id), col(Response.department_id)).where(
            col(Response.wave_id) == wave.id
        )
    ):
        key = (int(dept), frozenset(in_answers.get(str(rid), ())))
        key_of[str(rid)] = key
        respondents[key] += 1
    dims = _dimension_of(session, wave)
    for rid, item_id, value, choice in session.execute(
        select(col(Answer.response_id), col(Answer.item_id), col(Answer.value), col(Answer.choice))
        .join(Response, col(Response.id) == col(Answer.response_id))
        .where(col(Response.wave_id) == wave.id)
    ):
        dim = dims.get(str(item_id))
        if dim is None or str(rid) not in key_of:
            continue
        cell = counts[key_of[str(rid)]][dim.value]
        if dim is Dimension.CUSTOMER_THOUGHT:
            if choice is not None:
                cell[0] += 1
                cell[1] += int(choice == CUSTOMER_OPTION)
        elif value is not None:
            cell[0] += 1
            cell[1] += int(value >= 4)
    for cid, dept, choice in session.execute(
        select(col(Checkin.id), col(Checkin.department_id), col(Checkin.choice)).where(
            col(Checkin.day) >= wave.opens_on, col(Checkin.day) <= wave.closes_on
        )
    ):
        key = (int(dept), frozenset(in_checkins.get(str(cid), ())))
        checks[key][0] += 1
        checks[key][1] += int(choice == CUSTOMER_OPTION)
    keys = sorted(
        set(invited) | set(respondents) | set(checks),
        key=lambda key: (key[0], sorted(key[1])),  # type: ignore[index]
    )
    return [
        Atom(
            key=key,
            department=int(key[0]),  # type: ignore[index]
            invited=invited.get(key, 0),
            respondents=respondents.get(key, 0),
            answers={d: (c[0], c[1]) for d, c in counts.get(key, {}).items()},
            checkins=(checks[key][0], checks[key][1]) if key in checks else (0, 0),
        )
        for key in keys
    ]


def case_of(session: Session, wave: Wave, k: int, actor: Actor | None = None) -> Case:
    """Everything a leader (or, with `actor`, that viewer) can read of one wave."""
    markets = list(session.exec(sqlmodel_select(Market).order_by(col(Market.id))))
    nodes = load_nodes(session)
    atoms = atoms_of(session, wave, markets)
    subtree = {n.id: org_tree.subtree_ids(nodes, n.id) for n in nodes}
    items = {d.value: n for d, n in engine.items_per_dimension(session, wave).items()}
    facts: list[Fact] = []
    targets: list[Target] = []
    views: list[Market | None] = [None, *markets]
    for market in views:
        mid = None if market is None else int(market.id or 0)
        rules = None if market is None else MarketRules.from_json(market.rules)
        tallies = engine.roll_up(nodes, engine.wave_tallies(session, wave, rules))
        report = reports.company_report(session, k, int(wave.id or 0), mid)
        if actor is not None:
            report = reports.scoped(report, actor, session)
        more_facts, more_targets = view_facts(
            mid,
            report.rows,
            atoms,
            subtree,
            lambda dept, t=tallies: t[dept].checkin_people >= k,  # type: ignore[misc]
            items,
            k,
        )
        facts += more_facts
        targets += more_targets
    targets += direct_members(atoms, [int(m.id or 0) for m in markets], nodes)
    return Case(int(wave.id or 0), len(views), atoms, facts, unique(targets))


def view_facts(
    market: int | None,
    rows: Sequence[reports.HeatmapRow],
    atoms: Sequence[Atom],
    subtree: dict[int, set[int]],
    with_checkins: Callable[[int], bool],
    items: dict[str, int],
    k: int,
) -> tuple[list[Fact], list[Target]]:
    """What one view's rows publish (facts) and hide (targets), read from their records."""
    view = "all" if market is None else f"market {market}"
    facts: list[Fact] = []
    targets: list[Target] = []
    for row in rows:
        members = frozenset(
            i
            for i, a in enumerate(atoms)
            if a.department in subtree[row.department_id] and (market is None or market in a.key[1])  # type: ignore[index]
        )
        label = f"{view}: {row.department}"
        if row.hidden is not None or row.measures is None:
            targets.append(Target(label, members, hidden_cell=True))
            continue
        record = reports.record(row, k)
        checkins = with_checkins(row.department_id)
        shares = {
            dim: Share(
                parse_share(record[column]),
                items.get(dim, 1 if dim == THOUGHT else 2),
                with_checkins=dim == THOUGHT and checkins,
            )
            for dim, column in RECORD_COLUMN.items()
        }
        facts.append(Fact(view, label, members, int(str(record["respondents"])), shares))
    return facts, targets


def direct_members(
    atoms: Sequence[Atom], markets: Sequence[int], nodes: Sequence[org_tree.Node]
) -> list[Target]:
    """Each department's own members, in all and inside and outside every market."""
    names = {n.id: n.name for n in nodes}
    out: list[Target] = []
    for dept in sorted(names):
        own = frozenset(i for i, a in enumerate(atoms) if a.department == dept)
        out.append(Target(f"direct members of {names[dept]}", own, hidden_cell=False))
        for mid in markets:
            inside = frozenset(i for i in own if mid in atoms[i].key[1])  # type: ignore[index]
            out.append(Target(f"direct members of {names[dept]} in market {mid}", inside, False))
            out.append(
                Target(f"direct members of {names[dept]} outside market {mid}", own - inside, False)
            )
    return out


def unique(targets: Sequence[Target]) -> list[Target]:
    seen: dict[frozenset[int], Target] = {}
    for t in targets:
        if not t.atoms:
            continue
        if t.atoms in seen:
            if t.hidden_cell and not seen[t.atoms].hidden_cell:
                seen[t.atoms] = t
            continue
        seen[t.atoms] = t
    return list(seen.values())
