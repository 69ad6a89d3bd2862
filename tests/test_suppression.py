"""The suppression rules: hand-made cases, and a property test with an independent adversary."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engagement.measures.suppression import (
    Group,
    Reason,
    comments_visible,
    descendants,
    reason_text,
    suppress,
    suppress_filtered,
)

K = 5


def tree(
    direct: dict[str, int], parent: dict[str, str | None], **extra: dict[str, object]
) -> list[Group]:
    totals = {}
    for node in direct:
        totals[node] = sum(direct[d] for d in direct if node in _ancestors_or_self(d, parent))
    return [
        Group(
            id=n,
            parent=parent[n],
            respondents=totals[n],
            **{key: values[n] for key, values in extra.items() if n in values},
        )  # type: ignore[arg-type]
        for n in direct
    ]


def _ancestors_or_self(node: str, parent: dict[str, str | None]) -> set[str]:
    out = set()
    current: str | None = node
    while current is not None:
        out.add(current)
        current = parent[current]
    return out


def test_minimum_group_size() -> None:
    groups = tree({"co": 10, "a": 4, "b": 5}, {"co": None, "a": "co", "b": "co"})
    decided = suppress(groups, K)
    assert decided["a"] is Reason.MINIMUM
    assert decided["b"] is None and decided["co"] is None  # co keeps 10 + 4 beyond b


def test_hidden_sibling_must_not_be_recoverable_from_the_parent() -> None:
    # company 0 direct, a = 6, b = 4: showing company and a would reveal b
    groups = tree({"co": 0, "a": 6, "b": 4}, {"co": None, "a": "co", "b": "co"})
    decided = suppress(groups, K)
    assert decided == {"co": None, "a": Reason.HIERARCHY, "b": Reason.MINIMUM}


def test_direct_members_count_in_the_remainder() -> None:
    # a division head and an assistant sit directly in the division (2 people)
    groups = tree({"div": 2, "x": 7, "y": 8}, {"div": None, "x": "div", "y": "div"})
    decided = suppress(groups, K)
    assert decided["x"] is Reason.HIERARCHY  # the smaller child is hidden: 2 + 7 = 9 ≥ 5
    assert decided["y"] is None and decided["div"] is None


def test_hiding_reaches_a_fixpoint_through_the_levels() -> None:
    parent = {"co": None, "d1": "co", "d2": "co", "t1": "d1", "t2": "d1"}
    groups = tree({"co": 0, "d1": 0, "d2": 20, "t1": 3, "t2": 9}, parent)
    decided = suppress(groups, K)
    assert decided["t1"] is Reason.MINIMUM and decided["t2"] is Reason.HIERARCHY
    # d1 (12) is shown: its remainder is 12, and co's remainder beyond d1 and d2 is 0
    assert decided["d1"] is None and decided["co"] is None and decided["d2"] is None


def test_filter_remainder() -> None:
    groups = [Group("co", None, 30, outside_filter=2), Group("a", "co", 30, outside_filter=0)]
    decided = suppress(groups, K)
    assert decided["co"] is Reason.FILTER and decided["a"] is None


def test_a_filtered_group_is_not_shown_where_its_whole_is_hidden() -> None:
    """Found by the property test: company 4 shown, market view of n2 = 3 would give 4 − 3 = 1."""
    parent = {"co": None, "n1": "co", "n2": "co"}
    whole = tree({"co": 0, "n1": 1, "n2": 3}, parent)
    inside = tree({"co": 0, "n1": 0, "n2": 3}, parent)
    whole_decisions, inside_decisions = suppress_filtered(whole, inside, 3)
    assert whole_decisions["co"] is None and whole_decisions["n2"] is Reason.HIERARCHY
    assert inside_decisions["n2"] is Reason.FILTER


def test_across_waves_only_the_exact_case() -> None:
    base = {"id": "t", "parent": None, "respondents": 12}
    assert (
        suppress([Group(**base, invited_change=2, everyone_answered_both=True)], K)["t"]
        is Reason.WAVES
    )  # type: ignore[arg-type]
    assert suppress([Group(**base, invited_change=2, everyone_answered_both=False)], K)["t"] is None  # type: ignore[arg-type]
    assert suppress([Group(**base, invited_change=5, everyone_answered_both=True)], K)["t"] is None  # type: ignore[arg-type]
    assert suppress([Group(**base, invited_change=0, everyone_answered_both=True)], K)["t"] is None  # type: ignore[arg-type]


def test_comments_need_the_stricter_threshold() -> None:
    assert not comments_visible(9, None, 10)
    assert comments_visible(10, None, 10)
    assert not comments_visible(40, Reason.HIERARCHY, 10)


def test_k_below_three_is_refused() -> None:
    with pytest.raises(ValueError):
        suppress([], 2)


@pytest.mark.parametrize("reason", list(Reason))
def test_every_reason_explains_itself(reason: Reason) -> None:
    assert str(K) in reason_text(reason, K)


# --- property test: an adversary that knows every visible count and does linear algebra ---


@st.composite
def orgs(draw: st.DrawFn) -> tuple[dict[str, str | None], dict[str, int], dict[str, int], int]:
    n = draw(st.integers(min_value=1, max_value=10))
    parent: dict[str, str | None] = {"n0": None}
    for i in range(1, n):
        parent[f"n{i}"] = f"n{draw(st.integers(min_value=0, max_value=i - 1))}"
    inside = {node: draw(st.integers(min_value=0, max_value=9)) for node in parent}
    outside = {node: draw(st.integers(min_value=0, max_value=9)) for node in parent}
    k = draw(st.integers(min_value=3, max_value=6))
    return parent, inside, outside, k


def _in_span(vector: list[int], basis: list[list[int]]) -> bool:
    """Whether `vector` is a linear combination of `basis` (exact, with fractions)."""

    def rank(rows: list[list[int]]) -> int:
        matrix = [[Fraction(x) for x in row] for row in rows]
        r = 0
        cols = len(matrix[0]) if matrix else 0
        for c in range(cols):
            pivot = next((i for i in range(r, len(matrix)) if matrix[i][c] != 0), None)
            if pivot is None:
                continue
            matrix[r], matrix[pivot] = matrix[pivot], matrix[r]
            for i in range(len(matrix)):
                if i != r and matrix[i][c] != 0:
                    f = matrix[i][c] / matrix[r][c]
                    matrix[i] = [a - f * b for a, b in zip(matrix[i], matrix[r], strict=True)]
            r += 1
        return r

    if not basis:
        return not any(vector)
    return rank(basis) == rank([*basis, vector])


def _exposed_cells(
    atoms: list[tuple[str, bool]],
    weights: dict[tuple[str, bool], int],
    shown_sets: list[set[tuple[str, bool]]],
) -> list[int]:
    """Counts of the smallest groups of people an adversary can pin down from shown counts."""
    basis = [[1 if a in s else 0 for a in atoms] for s in shown_sets]
    signatures: dict[tuple[bool, ...], list[tuple[str, bool]]] = {}
    for a in atoms:
        signatures.setdefault(tuple(a in s for s in shown_sets), []).append(a)
    exposed = []
    for sig, members in signatures.items():
        if not any(sig):
            continue
        vector = [1 if a in members else 0 for a in atoms]
        if _in_span(vector, basis):
            exposed.append(sum(weights[a] for a in members))
    return exposed


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orgs())
def test_no_visible_combination_reveals_a_small_group(
    org: tuple[dict[str, str | None], dict[str, int], dict[str, int], int],
) -> None:
    parent, inside, outside, k = org
    everyone = {n: inside[n] + outside[n] for n in parent}
    whole = tree(everyone, parent)
    filtered_totals = {g.id: g.respondents for g in tree(inside, parent)}
    filtered = [Group(g.id, g.parent, filtered_totals[g.id]) for g in whole]
    whole_decisions, filtered_decisions = suppress_filtered(whole, filtered, k)
    shown_whole = [gid for gid, r in whole_decisions.items() if r is None]
    shown_filtered = [gid for gid, r in filtered_decisions.items() if r is None]

    atoms = [(n, side) for n in parent for side in (True, False)]
    weights = {(n, True): inside[n] for n in parent} | {(n, False): outside[n] for n in parent}
    shown_sets = [
        {(d, side) for d in descendants(whole, g) for side in (True, False)} for g in shown_whole
    ] + [{(d, True) for d in descendants(whole, g)} for g in shown_filtered]
    for count in _exposed_cells(atoms, weights, shown_sets):
        assert count == 0 or count >= k, (parent, inside, outside, k, shown_whole, shown_filtered)
