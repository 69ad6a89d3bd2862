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

Hiding only ever adds hidden groups, so applying the rules until nothing changes ends.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from engagement.i18n import _, ngettext

MIN_K = 3
COMMENT_MIN_DEFAULT = 10


class Reason(StrEnum):
    """Why a group's figures are hidden; stated in every hidden cell."""

    MINIMUM = "minimum"
    HIERARCHY = "hierarchy"
    FILTER = "filter"
    WAVES = "waves"


def reason_text(reason: Reason, k: int) -> str:
    """A hidden cell's explanation in the current language."""
    if reason is Reason.MINIMUM:
        return ngettext("Fewer than {k} respondent", "Fewer than {k} respondents", k).format(k=k)
    if reason is Reason.HIERARCHY:
        return _(
            "Hidden so that a group of fewer than {k} cannot be worked out from the groups shown"
        ).format(k=k)
    if reason is Reason.FILTER:
        return _("Hidden: fewer than {k} respondents of this group are outside the filter").format(
            k=k
        )
    return _(
        "Hidden: its membership changed by fewer than {k} people since the previous wave"
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

    _hierarchy(groups, [{g.id: g.respondents for g in groups}], hidden, k)
    return {g.id: hidden.get(g.id) for g in groups}


def _hierarchy(
    groups: Sequence[Group],
    counts: list[dict[Hashable, int]],
    hidden: dict[Hashable, Reason],
    k: int,
) -> None:
    """Rule 2 until nothing changes, for each count vector that an adversary can see.

    A filtered view exposes two: the respondents inside the filter, and (by subtracting from
    the unfiltered view) those outside it. Every remainder must be 0 or at least k in both.
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
        return any(_small(c[node] - sum(c[b] for b in below), k) for c in counts)

    changed = True
    while changed:
        changed = False
        for g in groups:
            if g.id in hidden:
                continue
            below = frontier(g.id)
            while below and violated(g.id, below):
                # hide the smallest shown group below, then look again
                smallest = min(below, key=lambda c: (sum(x[c] for x in counts), str(c)))
                hidden[smallest] = Reason.HIERARCHY
                changed = True
                below = frontier(g.id)


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
    hidden: dict[Hashable, Reason] = {}
    for g in inside:
        outside = total.get(g.id, 0) - g.respondents
        if g.respondents < k:
            hidden[g.id] = Reason.MINIMUM
        elif whole_decisions.get(g.id) is not None or _small(outside, k):
            hidden[g.id] = Reason.FILTER
    counts_in = {g.id: g.respondents for g in inside}
    counts_out = {g.id: total.get(g.id, 0) - g.respondents for g in inside}
    _hierarchy(inside, [counts_in, counts_out], hidden, k)
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
