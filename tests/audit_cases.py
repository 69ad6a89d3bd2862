"""Random companies for the audit: org trees, markets, skipped items, joiners and leavers.

People and their answers are drawn here; the published rows come from the real pipeline
(`reports.rows_of`: suppression, then publication), the facts and targets from the same
reader as the database audit (`audit.collect.view_facts`), so a random case tests exactly
what a real wave would publish.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from engagement import org_tree
from engagement.audit.collect import direct_members, unique, view_facts
from engagement.audit.model import DIMENSIONS, THOUGHT, Atom, Fact, Target
from engagement.measures import engine
from engagement.questions import CHANGE_PATH, Dimension
from engagement.services import reports

ITEMS = {
    Dimension.UNDERSTANDING: 2,
    Dimension.DESIRE: 2,
    Dimension.RELEVANCE: 1,
    Dimension.TOOLS: 1,
}


@dataclass
class Person:
    department: int
    markets: frozenset[int]
    answered: bool
    answers: dict[str, tuple[int, int]]  # dimension -> (answers, favorable)


@dataclass(frozen=True)
class RandomCase:
    atoms: list[Atom]
    facts: list[Fact]
    targets: list[Target]
    k: int


def _tree(rng: random.Random, departments: int) -> list[org_tree.Node]:
    nodes = [org_tree.Node(id=1, name="Company", kind="company", parent_id=None)]
    for i in range(2, departments + 1):
        parent = rng.choice(nodes[: max(1, min(len(nodes), 1 + i // 2))]).id
        nodes.append(org_tree.Node(id=i, name=f"D{i}", kind="department", parent_id=parent))
    return nodes


def _person(rng: random.Random, dept: int, markets: int, lean: float) -> Person:
    member = frozenset(m for m in range(1, markets + 1) if rng.random() < 0.3)
    answered = rng.random() < rng.choice((0.4, 0.7, 0.95, 1.0))
    answers: dict[str, tuple[int, int]] = {}
    if answered:
        for dim in CHANGE_PATH:
            given = sum(rng.random() > 0.1 for _ in range(ITEMS[dim]))  # items are skippable
            favorable = sum(rng.random() < lean for _ in range(given))
            answers[dim.value] = (given, favorable)
        if rng.random() > 0.1:
            answers[THOUGHT] = (1, int(rng.random() < lean / 2))
    return Person(dept, member, answered, answers)


def random_case(seed: int, k: int, departments: int = 12, people: int = 90) -> RandomCase:
    """A company of random shape whose every view a leader can read is published."""
    rng = random.Random(seed)
    markets = rng.randint(0, 3)
    nodes = _tree(rng, departments)
    # some departments lean favorable, some not, a few all alike: the extremes matter most
    lean = {n.id: rng.choice((0.0, 0.3, 0.5, 0.7, 1.0)) for n in nodes}
    crowd = [
        _person(rng, n.id, markets, lean[n.id]) for n in (rng.choice(nodes) for _ in range(people))
    ]
    # joiners and leavers since the previous wave, and whether everyone answered then
    moved = {n.id: rng.choice((0, 0, 0, 1, 2)) for n in nodes}
    changes = engine.subtree_changes(nodes, [(d, None, c) for d, c in moved.items() if c])
    before = {n.id: rng.random() < 0.2 for n in nodes}
    return _publish(nodes, crowd, markets, changes, before, k)


def _tally(people: list[Person]) -> dict[int, engine.Tally]:
    tallies: dict[int, engine.Tally] = defaultdict(engine.Tally)
    for p in people:
        t = tallies[p.department]
        t.invited += 1
        if not p.answered:
            continue
        t.respondents += 1
        for dim in CHANGE_PATH:
            n, f = p.answers.get(dim.value, (0, 0))
            cell = t.scale[dim]
            cell[0] += n
            cell[1] += f
        n, f = p.answers.get(THOUGHT, (0, 0))
        t.thought[0] += f
        t.thought[1] += n
    return dict(tallies)


def _atoms(people: list[Person]) -> list[Atom]:
    groups: dict[tuple[int, frozenset[int]], list[Person]] = defaultdict(list)
    for p in people:
        groups[(p.department, p.markets)].append(p)
    atoms = []
    for key in sorted(groups, key=lambda key: (key[0], sorted(key[1]))):
        members = groups[key]
        answers = {
            dim: (
                sum(p.answers.get(dim, (0, 0))[0] for p in members),
                sum(p.answers.get(dim, (0, 0))[1] for p in members),
            )
            for dim in DIMENSIONS
        }
        atoms.append(
            Atom(
                key=key,
                department=key[0],
                invited=len(members),
                respondents=sum(p.answered for p in members),
                answers=answers,
            )
        )
    return atoms


def _publish(
    nodes: list[org_tree.Node],
    people: list[Person],
    markets: int,
    changes: dict[int, int] | None,
    before: dict[int, bool] | None,
    k: int,
) -> RandomCase:
    atoms = _atoms(people)
    subtree = {n.id: org_tree.subtree_ids(nodes, n.id) for n in nodes}
    items = {d.value: n for d, n in ITEMS.items()}
    items[THOUGHT] = 1
    facts: list[Fact] = []
    targets: list[Target] = []
    whole = _tally(people)
    for market in (None, *range(1, markets + 1)):
        inside = None if market is None else _tally([p for p in people if market in p.markets])
        rows = reports.rows_of(
            nodes, whole, inside, k, items=dict(ITEMS), changes=changes, before=before
        )
        more_facts, more_targets = view_facts(
            market, rows, atoms, subtree, lambda _dept: False, items, k
        )
        facts += more_facts
        targets += more_targets
    targets += direct_members(atoms, list(range(1, markets + 1)), nodes)
    return RandomCase(atoms, facts, unique(targets), k)
