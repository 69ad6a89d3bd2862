"""The one suppression code path: which group figures may be shown, and why others are hidden.

Every aggregate that leaves the domain — table cell, chart point, export row, comment list —
is decided here. The rules (PRODUCT.md, “Confidentiality”), with k the minimum group size:

1. *Minimum*: a figure needs at least k respondents (comments: the comment threshold).
2. *Hierarchy remainder*: for every shown group, the respondents it has beyond its shown
   descendants (its hidden children plus its own direct members) number 0 or at least k.
   Otherwise hide more children, smallest first, until that holds.
3. *Filter remainder*: a group shown within a filter (an internal market) needs the same
   group outside the filter to have 0 or at least k respondents.
4. *Across waves*: a group whose invited members changed by 1 to k−1 people while every
   invited member answered in both waves has its newer wave hidden.
5. *Everyone answered*: a remainder (in any count vector) with respondents needs at least
   one invited person who did not answer; otherwise hide more, up to the group itself.
6. *Not all alike*: a remainder's answers of a dimension (and, outside a filter, a group's
   own) must not be all favorable or all unfavorable; otherwise hide more, up to the group.

Shown figures carry only what `publish` lets through (whole, coded percentages). These rules
are a floor: the guarantee is what the integer-programming audit (`engagement.audit`) checks.

Hiding only ever adds hidden groups, so applying the rules until nothing changes ends.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from engagement.i18n import _

MIN_K = 3
COMMENT_MIN_DEFAULT = 10


class Reason(StrEnum):
    """Why a group's figures are hidden; stated in every hidden cell."""

    MINIMUM = "minimum"
    HIERARCHY = "hierarchy"
    FILTER = "filter"
    WAVES = "waves"


def reason_text(reason: Reason, k: int) -> str:
    """A hidden cell's explanation in the current language: the same for every reason.

    A reason of its own per rule would narrow the hidden counts (“fewer than k” says 1 to
    k − 1; “everyone answered in both waves” says respondents equal invited), which an
    adversary adds to its equations; one sentence says only that people are protected.
    """
    return _(
        "Hidden to protect the people in this group: figures are shown only where they cannot "
        "reveal fewer than {k} people"
    ).format(k=k)


@dataclass(frozen=True)
class Group:
    """A group's counts as the suppression rules need them.

    `respondents` counts the group with everything below it. `outside_filter` is, for a
    filtered view, the same group's respondents outside the filter (None when unfiltered).
    `invited_change` is how many invited people differ from the previous wave (None: no
    previous wave), and `everyone_answered_both` whether all invited answered in both waves.
    """

    id: Hashable
    parent: Hashable | None
    respondents: int
    outside_filter: int | None = None
    # invited people (None: unknown, no rule 5); with `respondents`, who did not answer
    invited: int | None = None
    # per dimension (answers, favorable answers): rule 6
    shares: tuple[tuple[int, int], ...] = ()
    invited_change: int | None = None
    everyone_answered_both: bool = False


def _small(n: int, k: int) -> bool:
    return 0 < n < k


def suppress(groups: Sequence[Group], k: int) -> dict[Hashable, Reason | None]:
    """For each group, None when its figures may be shown, or the reason they are hidden."""
    if k < MIN_K:
        raise ValueError(f"k must be at least {MIN_K}")
    by_id = {g.id: g for g in groups}
    children: dict[Hashable | None, list[Hashable]] = defaultdict(list)
    for g in groups:
        children[g.parent if g.parent in by_id else None].append(g.id)
    hidden: dict[Hashable, Reason] = {}
    for g in groups:
        if g.respondents < k:
            hidden[g.id] = Reason.MINIMUM
        elif g.outside_filter is not None and _small(g.outside_filter, k):
            hidden[g.id] = Reason.FILTER
        elif (
            g.invited_change is not None
            and _small(g.invited_change, k)
            and g.everyone_answered_both
        ):
            hidden[g.id] = Reason.WAVES

    _hierarchy(groups, [_vectors(groups)], hidden, k)
    return {g.id: hidden.get(g.id) for g in groups}


@dataclass(frozen=True)
class Vectors:
    """One count vector an adversary sees: respondents, non-respondents, answers per dimension.

    `derived` is True for a vector nobody publishes but anyone can subtract (the people
    outside a filter): there even a group's own shares must not be all or nothing.
    """

    respondents: dict[Hashable, int]
    missing: dict[Hashable, int] | None = None
    shares: dict[Hashable, tuple[tuple[int, int], ...]] | None = None
    derived: bool = False


def _vectors(groups: Sequence[Group]) -> Vectors:
    respondents = {g.id: g.respondents for g in groups}
    missing = (
        None
        if any(g.invited is None for g in groups)
        else {g.id: int(g.invited or 0) - g.respondents for g in groups}
    )
    shares = {g.id: g.shares for g in groups} if any(g.shares for g in groups) else None
    return Vectors(respondents, missing, shares)


def _homogeneous(
    shares: dict[Hashable, tuple[tuple[int, int], ...]], node: Hashable, below: list[Hashable]
) -> bool:
    """Rule 6: whether some dimension's remaining answers are all favorable or all not."""
    for i, (n, f) in enumerate(shares[node]):
        n_rest = n - sum(shares[b][i][0] for b in below if i < len(shares[b]))
        f_rest = f - sum(shares[b][i][1] for b in below if i < len(shares[b]))
        if n_rest > 0 and f_rest in (0, n_rest):
            return True
    return False


def _hierarchy(
    groups: Sequence[Group],
    counts: list[Vectors],
    hidden: dict[Hashable, Reason],
    k: int,
) -> None:
    """Rules 2 and 5 until nothing changes, for each count vector that an adversary can see.

    A filtered view exposes two: the people inside the filter, and (by subtracting from the
    unfiltered view) those outside it. In both, every remainder's respondents must be 0 or at
    least k (rule 2), and a remainder with respondents must also have someone who did not
    answer (rule 5): where everyone invited answered, every smaller group inside — two new
    joiners, a manager sitting alone in a division — is known to have answered, and how many.
    When hiding every group below is not enough, the group itself is hidden.
    """
    ids = {g.id for g in groups}
    children: dict[Hashable | None, list[Hashable]] = defaultdict(list)
    for g in groups:
        children[g.parent if g.parent in ids else None].append(g.id)

    def frontier(node: Hashable) -> list[Hashable]:
        """The shown groups just below a node: shown children, or shown below hidden ones."""
        out: list[Hashable] = []
        stack = list(children.get(node, []))
        while stack:
            child = stack.pop()
            if child in hidden:
                stack.extend(children.get(child, []))
            else:
                out.append(child)
        return out

    def violated(node: Hashable, below: list[Hashable]) -> bool:
        for v in counts:
            answered, missing = v.respondents, v.missing
            rest = answered[node] - sum(answered[b] for b in below)
            if _small(rest, k):
                return True
            # rule 5: someone of the remainder must not have answered
            if missing is not None and rest > 0 and missing[node] <= sum(missing[b] for b in below):
                return True
            # rule 6: a remainder's answers are neither all favorable nor all unfavorable (a
            # group's own published shares are coded at the extremes, `publish`)
            if (
                v.shares is not None
                and (below or v.derived)
                and _homogeneous(v.shares, node, below)
            ):
                return True
        return False

    def size(group: Hashable) -> int:
        return sum(v.respondents[group] for v in counts)

    changed = True
    while changed:
        changed = False
        for g in groups:
            if g.id in hidden:
                continue
            below = frontier(g.id)
            while below and violated(g.id, below):
                # hide the smallest shown group below, then look again
                smallest = min(below, key=lambda c: (size(c), str(c)))
                hidden[smallest] = Reason.HIERARCHY
                changed = True
                below = frontier(g.id)
            if not below and violated(g.id, below):
                hidden[g.id] = Reason.HIERARCHY
                changed = True


def suppress_filtered(
    whole: Sequence[Group], inside: Sequence[Group], k: int
) -> tuple[dict[Hashable, Reason | None], dict[Hashable, Reason | None]]:
    """Decisions for an unfiltered view and a filtered view of the same groups, shown together.

    A filtered figure is shown only where the unfiltered one is (so nothing is learnt by
    subtracting from a hidden total), where the people outside the filter are 0 or at least
    k, and where rule 2 holds both inside and outside the filter.
    """
    whole_decisions = suppress(whole, k)
    total = {g.id: g.respondents for g in whole}
    invited = {g.id: g.invited for g in whole}
    hidden: dict[Hashable, Reason] = {}
    for g in inside:
        outside = total.get(g.id, 0) - g.respondents
        if g.respondents < k:
            hidden[g.id] = Reason.MINIMUM
        elif whole_decisions.get(g.id) is not None or _small(outside, k):
            hidden[g.id] = Reason.FILTER
    inside_vectors = _vectors(inside)
    counts_out = {g.id: total.get(g.id, 0) - g.respondents for g in inside}
    missing_out: dict[Hashable, int] | None = None
    if inside_vectors.missing is not None and all(invited.get(g.id) is not None for g in inside):
        missing_out = {
            g.id: int(invited.get(g.id) or 0) - int(g.invited or 0) - counts_out[g.id]
            for g in inside
        }
    whole_shares = {g.id: g.shares for g in whole}
    shares_out = None
    if inside_vectors.shares is not None:
        shares_out = {
            g.id: tuple(
                (n - a, f - b)
                for (n, f), (a, b) in zip(whole_shares.get(g.id, ()), g.shares, strict=False)
            )
            for g in inside
        }
    beyond = Vectors(counts_out, missing_out, shares_out, derived=True)
    _hierarchy(inside, [inside_vectors, beyond], hidden, k)
    return whole_decisions, {g.id: hidden.get(g.id) for g in inside}


def comments_visible(respondents: int, reason: Reason | None, comment_min: int) -> bool:
    """Comments need the group shown and at least the (stricter) comment threshold."""
    return reason is None and respondents >= comment_min


def shown_ids(decisions: dict[Hashable, Reason | None]) -> set[Hashable]:
    return {gid for gid, reason in decisions.items() if reason is None}


def descendants(groups: Iterable[Group], root: Hashable) -> set[Hashable]:
    """A group and everything below it (helper for callers and tests)."""
    kids: dict[Hashable | None, list[Hashable]] = defaultdict(list)
    for g in groups:
        kids[g.parent].append(g.id)
    out: set[Hashable] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node not in out:
            out.add(node)
            stack.extend(kids.get(node, []))
    return out
