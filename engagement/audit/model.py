"""The adversary: every published number of a wave as linear equations over integer counts.

The unknowns are the counts of each *atom* — the people of one department who share the same
memberships of every internal market a view filters on — so that every group any view shows
is a sum of atoms. Per atom: respondents (at most its invited people, known from the
directory), and per dimension the answers and favorable answers (at most `items` answers per
respondent), the customer-thought item's answers and customer answers (one per respondent),
and the morning check-ins counted with it (not linked to people: any number).

What is published of a shown group (`Fact`) becomes constraints: its exact respondents, and
per dimension a whole percentage (rounded half up) or a coded band ("at least 80 %"), or the
knowledge that too few answered. The attack then asks HiGHS (scipy `milp`), for every hidden
group and every department's direct members, whether any other integer solution exists —
the method of sdcTable's `attack()` and of the audits statistical offices run before
publishing tables. A value that no other solution can take is *pinned*.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from engagement.measures.publish import Bound, Published

# the dimensions an answer is counted in; "customer_thought" also takes check-ins
SCALES = ("understanding", "desire", "relevance", "tools")
THOUGHT = "customer_thought"
DIMENSIONS = (*SCALES, THOUGHT)


@dataclass(frozen=True)
class Atom:
    """The true counts of one atom (what the adversary tries to recover)."""

    key: Hashable  # (department id, memberships)
    department: int
    invited: int
    respondents: int
    answers: dict[str, tuple[int, int]]  # dimension -> (answers, favorable or customer)
    checkins: tuple[int, int] = (0, 0)  # (check-ins, customer)


@dataclass(frozen=True)
class Share:
    """A published share of a shown group: a `Published` value, or None (too few answered)."""

    published: Published | None
    items: int  # questions of the dimension in the pulse (the "too few" threshold)
    with_checkins: bool = False  # customer thought only: check-ins are counted in it
    # exact (answers, favorable) — what a view published before shares were rounded and
    # coded (unrounded shares and Wilson bounds in chart data); kept to show the audit catches it
    counts: tuple[int, int] | None = None


@dataclass(frozen=True)
class Fact:
    """What one view publishes of one shown group."""

    view: str
    label: str
    atoms: frozenset[int]
    respondents: int
    shares: dict[str, Share]


@dataclass(frozen=True)
class Target:
    """A group the adversary tries to pin: a hidden cell, or a department's direct members."""

    label: str
    atoms: frozenset[int]
    hidden_cell: bool  # a hidden cell of a view (else a set of direct members)


class Leak(StrEnum):
    RESPONDENTS = "respondents"  # a respondent count of 1..k-1 pinned
    EXACT = "exact"  # a hidden cell's favorable and answer counts both pinned
    NONE_FAVORABLE = "none_favorable"  # a group under k pinned to 0 %
    ALL_FAVORABLE = "all_favorable"  # a group under k pinned to 100 %


@dataclass(frozen=True)
class Finding:
    target: str
    leak: Leak
    dimension: str | None
    value: int
    undecided: bool = False  # the solver ran out of time: counted as pinned (when in doubt)


@dataclass
class Result:
    """What an attack checked and found."""

    atoms: int = 0
    facts: int = 0
    targets: int = 0
    checks: int = 0
    solves: int = 0
    moved: int = 0  # checks answered by moving people or answers between twin atoms
    undecided: int = 0  # solves that hit the time limit (counted as leaks: when in doubt, hide)
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)


class _Problem:
    """Variables, bounds and the published equations, in scipy's form."""

    def __init__(self, atoms: Sequence[Atom], facts: Sequence[Fact], k: int) -> None:
        self.atoms, self.k = atoms, k
        self.index: dict[tuple[int, str], int] = {}
        upper: list[float] = []
        truth: list[int] = []
        big = 4 * (sum(a.checkins[0] for a in atoms) + 1)

        def var(atom: int, name: str, ub: float, value: int) -> None:
            self.index[(atom, name)] = len(upper)
            upper.append(ub)
            truth.append(value)

        items = _items(facts)
        for i, a in enumerate(atoms):
            cap = max(a.invited, a.respondents)
            var(i, "r", cap, a.respondents)
            for dim in DIMENSIONS:
                n, f = a.answers.get(dim, (0, 0))
                var(i, f"n:{dim}", items.get(dim, 2) * cap, n)
                var(i, f"f:{dim}", items.get(dim, 2) * cap, f)
            var(i, "cn", big, a.checkins[0])
            var(i, "cf", big, a.checkins[1])
        self.size = len(upper)
        self.items = items
        self.upper = np.array(upper, dtype=float)
        self.truth = np.array(truth, dtype=float)
        self.rows: list[dict[int, float]] = []
        self.low: list[float] = []
        self.high: list[float] = []
        for i in range(len(atoms)):
            for dim in DIMENSIONS:
                per = items.get(dim, 2)
                self._row({self._v(i, f"n:{dim}"): 1, self._v(i, "r"): -per}, -np.inf, 0)
                self._row({self._v(i, f"f:{dim}"): 1, self._v(i, f"n:{dim}"): -1}, -np.inf, 0)
            self._row({self._v(i, "cf"): 1, self._v(i, "cn"): -1}, -np.inf, 0)
        for fact in facts:
            self._fact(fact)
        self.base = self._constraint(self.rows, self.low, self.high)
        names = [""] * self.size
        for (_atom, name), j in self.index.items():
            names[j] = name
        self.names = names
        self.solves = 0
        self.undecided = 0

    def mask(self, kinds: set[str]) -> np.ndarray:
        """The variables of these kinds ("r", "n:tools", "cf", ...)."""
        return np.array([name in kinds for name in self.names])

    def _v(self, atom: int, name: str) -> int:
        return self.index[(atom, name)]

    def _row(self, coefs: dict[int, float], low: float, high: float) -> None:
        self.rows.append(coefs)
        self.low.append(low)
        self.high.append(high)

    def sum_of(self, atoms: frozenset[int], name: str) -> dict[int, float]:
        return {self._v(i, name): 1.0 for i in atoms}

    def _fact(self, fact: Fact) -> None:
        r = fact.respondents
        self._row(self.sum_of(fact.atoms, "r"), r, r)
        for dim, share in fact.shares.items():
            n = self.sum_of(fact.atoms, f"n:{dim}")
            f = self.sum_of(fact.atoms, f"f:{dim}")
            if share.with_checkins:
                n = {**n, **self.sum_of(fact.atoms, "cn")}
                f = {**f, **self.sum_of(fact.atoms, "cf")}
            if share.counts is not None:
                self._row(n, share.counts[0], share.counts[0])
                self._row(f, share.counts[1], share.counts[1])
                continue
            p = share.published
            if p is None:
                if share.with_checkins:  # counted with check-ins, nothing to show: none at all
                    self._row(n, 0, 0)
                else:  # too few answered: at most items × (k − 1) answers
                    self._row(n, 0, share.items * (self.k - 1))
                continue
            # shown only from more than items × (k − 1) answers (`publish.enough_answers`)
            self._row(n, 1 if share.with_checkins else share.items * (self.k - 1) + 1, np.inf)
            # 200·f against (2p ∓ 1)·n: the rounding half up, and the coded bands
            if p.bound in (Bound.EXACT, Bound.AT_LEAST):
                self._row(_combine(f, 200, n, -(2 * p.pct - 1)), 0, np.inf)
            if p.bound in (Bound.EXACT, Bound.AT_MOST):
                self._row(_combine(f, 200, n, -(2 * p.pct + 1)), -np.inf, -1)

    def _constraint(
        self, rows: Sequence[dict[int, float]], low: Sequence[float], high: Sequence[float]
    ) -> LinearConstraint:
        r, c, v = [], [], []
        for i, row in enumerate(rows):
            for j, coef in row.items():
                r.append(i)
                c.append(j)
                v.append(coef)
        matrix = coo_array((v, (r, c)), shape=(len(rows), self.size)).tocsr()
        return LinearConstraint(matrix, np.array(low), np.array(high))

    def solve(
        self,
        extra: dict[int, float] | None = None,
        low: float = -np.inf,
        high: float = np.inf,
        objective: np.ndarray | None = None,
        seconds: float = 20.0,
        free: np.ndarray | None = None,
    ) -> np.ndarray | bool | None:
        """A feasible integer solution (array), None when there is none, False when unknown.

        `free` (a boolean mask) keeps every other variable at its true value: a solution of
        that smaller problem is one of the whole problem, found much faster.
        """
        constraints = [self.base]
        if extra is not None:
            constraints.append(self._constraint([extra], [low], [high]))
        self.solves += 1
        res = milp(
            objective if objective is not None else np.zeros(self.size),
            integrality=np.ones(self.size),
            bounds=Bounds(
                np.zeros(self.size) if free is None else np.where(free, 0, self.truth),
                self.upper if free is None else np.where(free, self.upper, self.truth),
            ),
            constraints=constraints,
            options={"time_limit": seconds, "presolve": True},
        )
        if res.x is not None and res.status in (0, 1):
            return np.asarray(np.round(res.x))
        if res.status == 2:  # infeasible
            return None
        self.undecided += 1
        return False


def _combine(a: dict[int, float], ka: float, b: dict[int, float], kb: float) -> dict[int, float]:
    out = {j: ka * v for j, v in a.items()}
    for j, v in b.items():
        out[j] = out.get(j, 0.0) + kb * v
    return out


def _items(facts: Sequence[Fact]) -> dict[str, int]:
    items: dict[str, int] = {}
    for fact in facts:
        for dim, share in fact.shares.items():
            items[dim] = max(items.get(dim, 1), share.items)
    return items


@dataclass
class _Check:
    """One question to the solver: can this sum (of a target) lie in [low, high]?"""

    target: Target
    leak: Leak
    dimension: str | None
    coefs: dict[int, float]
    low: float
    high: float
    value: int
    group: str  # checks of one group: the leak holds only when all of its group fail
    resolved: bool = False


def _checks(problem: _Problem, target: Target, k: int) -> list[_Check]:
    atoms = [problem.atoms[i] for i in target.atoms]
    r = sum(a.respondents for a in atoms)
    out: list[_Check] = []
    if r == 0:
        return out
    key = target.label
    if r < k:
        coefs = problem.sum_of(target.atoms, "r")
        out += [
            _Check(target, Leak.RESPONDENTS, None, coefs, r + 1, np.inf, r, f"{key}|r"),
            _Check(target, Leak.RESPONDENTS, None, coefs, -np.inf, r - 1, r, f"{key}|r"),
        ]
    for dim in DIMENSIONS:
        n = sum(a.answers.get(dim, (0, 0))[0] for a in atoms)
        f = sum(a.answers.get(dim, (0, 0))[1] for a in atoms)
        if dim == THOUGHT:
            n += sum(a.checkins[0] for a in atoms)
            f += sum(a.checkins[1] for a in atoms)
        if n == 0:
            continue
        fs = problem.sum_of(target.atoms, f"f:{dim}")
        ns = problem.sum_of(target.atoms, f"n:{dim}")
        if dim == THOUGHT:
            fs = {**fs, **problem.sum_of(target.atoms, "cf")}
            ns = {**ns, **problem.sum_of(target.atoms, "cn")}
        if r < k and f == 0:
            out.append(_Check(target, Leak.NONE_FAVORABLE, dim, fs, 1, np.inf, 0, f"{key}|0|{dim}"))
        if r < k and f == n:
            u = _combine(ns, 1, fs, -1)
            out.append(_Check(target, Leak.ALL_FAVORABLE, dim, u, 1, np.inf, n, f"{key}|1|{dim}"))
        if target.hidden_cell:
            group = f"{key}|x|{dim}"
            for coefs, value in ((fs, f), (ns, n)):
                out += [
                    _Check(target, Leak.EXACT, dim, coefs, value + 1, np.inf, f, group),
                    _Check(target, Leak.EXACT, dim, coefs, -np.inf, value - 1, f, group),
                ]
    return out


def _satisfied(check: _Check, x: np.ndarray) -> bool:
    total = sum(coef * x[j] for j, coef in check.coefs.items())
    return bool(check.low - 1e-6 <= total <= check.high + 1e-6)


def _valid(problem: _Problem, x: np.ndarray) -> bool:
    """Whether x satisfies every published equation and every bound."""
    if (x < -1e-9).any() or (x > problem.upper + 1e-9).any():
        return False
    v = problem.base.A @ x
    return bool(((v >= problem.base.lb - 1e-6) & (v <= problem.base.ub + 1e-6)).all())


def _signatures(problem: _Problem, facts: Sequence[Fact]) -> dict[int, frozenset[int]]:
    member: dict[int, set[int]] = {i: set() for i in range(len(problem.atoms))}
    for j, fact in enumerate(facts):
        for i in fact.atoms:
            member[i].add(j)
    return {i: frozenset(m) for i, m in member.items()}


def _moves(problem: _Problem, check: _Check, twins: dict[int, list[int]]) -> np.ndarray | None:
    """A solution that differs from the truth by moving people or answers between two atoms
    that every published group contains together (so no published number changes)."""
    inside = check.target.atoms
    dims = DIMENSIONS if check.dimension is None else (check.dimension,)
    for a in sorted(inside):
        for b in twins.get(a, []):
            if b in inside:
                continue
            for pair in ((a, b), (b, a)):
                for kind in ("person", "answer", "swap", "checkin"):
                    for dim in dims:
                        x = _move(problem, pair, kind, dim)
                        if x is not None and _satisfied(check, x) and _valid(problem, x):
                            return x
    return None


def _move(problem: _Problem, pair: tuple[int, int], kind: str, dim: str) -> np.ndarray | None:
    src, dst = pair
    x = problem.truth.copy()
    v = problem._v
    items = problem.items
    if kind == "person":
        if x[v(src, "r")] < 1:
            return None
        x[v(src, "r")] -= 1
        x[v(dst, "r")] += 1
        for d in DIMENSIONS:  # the answers that no longer fit the fewer respondents follow
            per = items.get(d, 2)
            n, f = v(src, f"n:{d}"), v(src, f"f:{d}")
            extra = max(0.0, x[n] - per * x[v(src, "r")])
            fav = min(extra, x[f])
            x[n] -= extra
            x[f] -= fav
            x[v(dst, f"n:{d}")] += extra
            x[v(dst, f"f:{d}")] += fav
            over = max(0.0, x[f] - x[n])
            x[f] -= over
            x[v(dst, f"f:{d}")] += over
        return x
    if kind == "checkin":
        if dim != THOUGHT or x[v(src, "cn")] < 1:
            return None
        fav = 1.0 if x[v(src, "cf")] >= 1 else 0.0
        x[v(src, "cn")] -= 1
        x[v(dst, "cn")] += 1
        x[v(src, "cf")] -= fav
        x[v(dst, "cf")] += fav
        return x
    n_s, f_s, n_d, f_d = (
        v(src, f"n:{dim}"),
        v(src, f"f:{dim}"),
        v(dst, f"n:{dim}"),
        v(dst, f"f:{dim}"),
    )
    if kind == "answer":  # one answer moves (a favorable one when there is one)
        if x[n_s] < 1:
            return None
        fav = 1.0 if x[f_s] >= 1 and (x[n_s] - x[f_s] < 1 or x[f_d] < x[n_d]) else 0.0
        x[n_s] -= 1
        x[n_d] += 1
        x[f_s] -= fav
        x[f_d] += fav
        return x
    # swap: a favorable answer of src for an unfavorable one of dst
    if x[f_s] < 1 or x[n_d] - x[f_d] < 1:
        return None
    x[f_s] -= 1
    x[f_d] += 1
    return x


def attack(
    atoms: Sequence[Atom],
    facts: Sequence[Fact],
    targets: Sequence[Target],
    k: int,
    *,
    progress: Callable[[int, int], None] | None = None,
    seconds_per_solve: float = 20.0,
) -> Result:
    """Try to pin every target from the facts; a finding per leak the published numbers allow."""
    started = time.perf_counter()
    problem = _Problem(atoms, facts, k)
    checks = [c for t in targets for c in _checks(problem, t, k)]
    result = Result(atoms=len(atoms), facts=len(facts), targets=len(targets), checks=len(checks))
    signature = _signatures(problem, facts)
    by_signature: dict[frozenset[int], list[int]] = {}
    for i, sig in signature.items():
        by_signature.setdefault(sig, []).append(i)
    twins = {i: by_signature[sig] for i, sig in signature.items()}
    for check in checks:
        if not check.resolved and _moves(problem, check, twins) is not None:
            check.resolved = True
    result.moved = sum(c.resolved for c in checks)
    # a group of checks is a leak when every one of its alternatives is impossible
    groups: dict[str, list[_Check]] = {}
    for c in checks:
        groups.setdefault(c.group, []).append(c)
    pending = [g for g in groups.values() if not any(c.resolved for c in g)]
    done = len(groups) - len(pending)
    for group in pending:
        if any(c.resolved for c in group):  # answered by a solution found for another
            done += 1
            continue
        leak, unknown = True, False
        for check in group:
            found = _solve_check(problem, check, seconds_per_solve)
            if found is False:
                unknown = True
            if not isinstance(found, np.ndarray):
                continue
            check.resolved = True
            for other in checks:  # one solution answers many questions
                if not other.resolved and _satisfied(other, found):
                    other.resolved = True
            leak = False
            break
        done += 1
        if progress:
            progress(done, len(groups))
        if leak:
            first = group[0]
            result.findings.append(
                Finding(first.target.label, first.leak, first.dimension, first.value, unknown)
            )
    result.solves, result.undecided = problem.solves, problem.undecided
    result.seconds = time.perf_counter() - started
    return result


def _kinds(dimension: str | None) -> set[str]:
    if dimension is None:
        return {"r", "cn", "cf", *(f"{x}:{d}" for d in DIMENSIONS for x in "nf")}
    extra = {"cn", "cf"} if dimension == THOUGHT else set()
    return {f"n:{dimension}", f"f:{dimension}", *extra}


def _solve_check(problem: _Problem, check: _Check, seconds: float) -> np.ndarray | bool | None:
    """A solution where the check holds: first with only its dimension free, then all."""
    if check.dimension is not None:
        found = problem.solve(
            check.coefs,
            check.low,
            check.high,
            free=problem.mask(_kinds(check.dimension)),
            seconds=seconds / 2,
        )
        if isinstance(found, np.ndarray):
            return found
    return problem.solve(check.coefs, check.low, check.high, seconds=seconds)
