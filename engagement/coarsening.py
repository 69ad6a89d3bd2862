"""Coarsening snapshots until every stored combination is shared by at least k people.

What is stored with an answer or a check-in to place it in departments and markets — its
snapshot — is generalised for the people it is drawn from (the wave's invitees; the day's
active people for check-ins): `Population` groups departments bottom-up into classes of at
least k people, then each class keeps the finest rung of the ladder at which every combination
in it is shared by at least k of its people. The ladder drops, in order, the extra attributes,
tenure band, level, job family, location, the people-manager and customer-facing flags (set to
None: neither yes nor no); rungs above that move the department up the tree, which the mixer
uses to merge the leftovers of a closed wave (services/mixer.py).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# dropped in this order (the first is the least useful to the market views)
ATTRIBUTES: tuple[tuple[str, Any], ...] = (
    ("extra", {}),
    ("tenure_band", None),
    ("level", None),
    ("job_family", None),
    ("location", None),
    ("people_manager", None),
    ("customer_facing", None),
)
# rungs 0..len(ATTRIBUTES): attributes dropped; each rung above it moves the department up
DEPARTMENT_ONLY = len(ATTRIBUTES)

Snapshot = dict[str, Any]


def generalise(
    snapshot: Mapping[str, Any], rung: int, parents: Mapping[int, int | None]
) -> Snapshot:
    """The snapshot at a rung of the ladder (rung 0: as given; the mixer climbs leftovers of
    a closed wave up the tree with rungs above DEPARTMENT_ONLY)."""
    out = dict(snapshot)
    for name, blank in ATTRIBUTES[: min(rung, DEPARTMENT_ONLY)]:
        out[name] = blank
    for _step in range(max(0, rung - DEPARTMENT_ONLY)):
        parent = parents.get(int(out["department_id"]))
        if parent is None:
            break
        out["department_id"] = parent
    return out


def key(snapshot: Mapping[str, Any]) -> str:
    """A snapshot as a comparable, hashable text."""
    return json.dumps(snapshot, sort_keys=True, default=str)


class Population:
    """The people snapshots are drawn from, split into stored classes of at least k.

    The split is a function of the population alone — the same for everyone who computes
    it — so knowing the algorithm narrows nobody: departments are grouped bottom-up (a
    department with fewer than k people who are not yet placed passes them to its parent;
    a remainder at the top joins the smallest class), then each class keeps the finest rung
    of attributes at which every combination in it is shared by at least k of its people.
    """

    def __init__(
        self, people: Iterable[Mapping[str, Any]], parents: Mapping[int, int | None], k: int
    ) -> None:
        self.parents, self.k = parents, k
        listed = [dict(p) for p in people]
        direct = Counter(int(p["department_id"]) for p in listed)
        self._stored = _group_departments(direct, parents, k)
        members: dict[int, list[Snapshot]] = {}
        for person in listed:
            members.setdefault(self.stored_department(int(person["department_id"])), []).append(
                person
            )
        self._rung: dict[int, int] = {}
        self._counts: dict[int, Counter[str]] = {}
        for department, people_in in members.items():
            for rung in range(DEPARTMENT_ONLY + 1):
                counts = Counter(key(self._at(p, rung, department)) for p in people_in)
                if min(counts.values()) >= k or rung == DEPARTMENT_ONLY:
                    self._rung[department], self._counts[department] = rung, counts
                    break

    @staticmethod
    def _at(snapshot: Mapping[str, Any], rung: int, department: int) -> Snapshot:
        out = generalise(snapshot, rung, {})
        out["department_id"] = department
        return out

    def stored_department(self, department: int) -> int:
        """The department a person of `department` is stored in."""
        node: int | None = department
        while node is not None:
            if node in self._stored:
                return self._stored[node]
            node = self.parents.get(node)
        return department if not self._stored else next(iter(self._stored.values()))

    def stored(self, snapshot: Mapping[str, Any]) -> Snapshot:
        """What is stored of a snapshot: its class's department and attribute rung."""
        department = self.stored_department(int(snapshot["department_id"]))
        rung = self._rung.get(department, DEPARTMENT_ONLY)
        out = self._at(snapshot, rung, department)
        if self._counts.get(department, Counter())[key(out)] < self.k:
            # attributes changed since the population was read: keep the department only
            out = self._at(snapshot, DEPARTMENT_ONLY, department)
        return out

    def sharing(self, stored: Mapping[str, Any]) -> int:
        """How many people of the population are stored exactly like this."""
        department = int(stored["department_id"])
        counts = self._counts.get(department, Counter())
        if key(stored) in counts:
            return counts[key(stored)]
        if stored == self._at(stored, DEPARTMENT_ONLY, department):
            return sum(counts.values())
        return 0


def _group_departments(
    direct: Mapping[int, int], parents: Mapping[int, int | None], k: int
) -> dict[int, int]:
    """Each department with people -> the department its people are stored in."""
    children: dict[int | None, list[int]] = {}
    for node, parent in parents.items():
        children.setdefault(parent, []).append(node)
    stored: dict[int, int] = {}
    sizes: Counter[int] = Counter()

    def visit(node: int) -> list[int]:
        pending = [node] if direct.get(node) else []
        for child in sorted(children.get(node, [])):
            pending += visit(child)
        total = sum(direct[d] for d in pending)
        if total >= k or parents.get(node) is None:
            for d in pending:
                stored[d] = node
            sizes[node] += total
            return []
        return pending

    roots = [n for n, p in parents.items() if p is None]
    for root in sorted(roots):
        visit(root)
        if 0 < sizes[root] < k:
            # the top's remainder joins the smallest class below it, stored at the top
            below = [d for d in sizes if d != root and sizes[d] and _under(d, root, parents)]
            if below:
                smallest = min(below, key=lambda d: (sizes[d], d))
                for person_department, into in list(stored.items()):
                    if into == smallest:
                        stored[person_department] = root
                sizes[root] += sizes.pop(smallest)
    for department in direct:  # people in departments missing from the tree stay as they are
        stored.setdefault(department, department)
    return stored


def _under(node: int, root: int, parents: Mapping[int, int | None]) -> bool:
    current: int | None = node
    while current is not None:
        if current == root:
            return True
        current = parents.get(current)
    return False


def lost_detail(original: Mapping[str, Any], stored: Mapping[str, Any]) -> Sequence[str]:
    """Which parts of a snapshot the coarsening removed (for the README's demo report)."""
    lost = [name for name, _blank in ATTRIBUTES if original.get(name) != stored.get(name)]
    if original.get("department_id") != stored.get("department_id"):
        lost.append("department")
    return lost
