"""What coaching reads from the measures: a team's barrier point, its significant drops since
the previous wave, and how a dimension moved after each logged conversation.

Everything here reads the rows of heatmap reports that were already built through the one
suppression path and scoped to the viewer (services/reports.py): a hidden row stays hidden
and says why; nothing is recomputed from answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from engagement.errors import NotAllowed
from engagement.i18n import _
from engagement.measures.engine import Measures
from engagement.measures.stats import (
    benjamini_hochberg,
    newcombe_p,
    respondent_sample,
)
from engagement.measures.suppression import Reason
from engagement.questions import CHANGE_PATH, Dimension
from engagement.services.reports import Heatmap, HeatmapRow

# how many waves after a conversation its follow-through shows
WAVES_AFTER = 3


def team_row(report: Heatmap, department_id: int) -> HeatmapRow:
    """A team's row of a scoped report; NotAllowed when the viewer may not see that team."""
    row = next((r for r in report.rows if r.department_id == department_id), None)
    if row is None:
        raise NotAllowed(_("That team is not one you may see."))
    return row


def reading(measures: Measures, dimension: Dimension) -> tuple[float | None, int, int]:
    """A dimension's (share, successes, answers): favorable answers, or customer thoughts."""
    if dimension is Dimension.CUSTOMER_THOUGHT:
        n = measures.customer_thought_n
        share = measures.customer_thought
        return share, round((share or 0) * n), n
    result = measures.dimensions[dimension]
    return result.favorable_pct, result.favorable, result.answers


@dataclass(frozen=True)
class Drop:
    dimension: Dimension
    before: float
    now: float


@dataclass(frozen=True)
class Drops:
    """Significant drops of a team since the previous wave, or why they cannot be shown."""

    drops: list[Drop]
    hidden: Reason | None  # the reason one of the two waves is hidden for this team
    compared: bool  # False when there is no previous wave to compare with


def significant_drops(latest: Heatmap, previous: Heatmap | None, department_id: int) -> Drops:
    """Dimensions whose share fell beyond chance between two waves, for one team."""
    now = team_row(latest, department_id)
    if previous is None:
        return Drops([], None, compared=False)
    before = team_row(previous, department_id)
    if now.measures is None or before.measures is None:
        return Drops([], now.hidden or before.hidden or Reason.MINIMUM, compared=True)
    # every dimension is one test of one family (Benjamini–Hochberg, as the heatmap's marks),
    # respondents as the unit of a two-item dimension
    tested: list[tuple[Dimension, float, float, float]] = []
    for dimension in (*CHANGE_PATH, Dimension.CUSTOMER_THOUGHT):
        p_now, s_now, n_now = reading(now.measures, dimension)
        p_then, s_then, n_then = reading(before.measures, dimension)
        if p_now is None or p_then is None or not n_now or not n_then:
            continue
        a = _unit(s_now, n_now, now.measures, dimension)
        b = _unit(s_then, n_then, before.measures, dimension)
        tested.append((dimension, p_then, p_now, newcombe_p(*a, *b)))
    chosen = benjamini_hochberg([t[3] for t in tested])
    drops = [
        Drop(dimension, then, share)
        for (dimension, then, share, _p), marked in zip(tested, chosen, strict=True)
        if marked and share < then
    ]
    return Drops(drops, None, compared=True)


def _unit(s: int, n: int, measures: Measures, dimension: Dimension) -> tuple[float, float]:
    if dimension is Dimension.CUSTOMER_THOUGHT:
        return float(s), float(n)  # pulse answers and check-ins: not one per respondent
    return respondent_sample(s, n, measures.respondents)


@dataclass(frozen=True)
class FollowPoint:
    wave_number: int
    opens_on: date
    share: float | None  # None when hidden (see `hidden`) or not answered
    change: float | None  # against the wave before the conversation
    significant: bool
    hidden: Reason | None


@dataclass(frozen=True)
class FollowThrough:
    """A dimension of a team in the wave before a conversation, and in the waves after it."""

    baseline: FollowPoint | None
    after: list[FollowPoint]


def _point(
    report: Heatmap, department_id: int, dimension: Dimension, base: Measures | None
) -> tuple[FollowPoint, float | None]:
    """A wave's point and the p-value of its change against the baseline (None: no change)."""
    row = team_row(report, department_id)
    if row.measures is None:
        return FollowPoint(report.wave_number, report.opens_on, None, None, False, row.hidden), None
    share, s, n = reading(row.measures, dimension)
    change, p = None, None
    if base is not None and share is not None:
        b_share, b_s, b_n = reading(base, dimension)
        if b_share is not None and n and b_n:
            change = share - b_share
            p = newcombe_p(*_unit(s, n, row.measures, dimension), *_unit(b_s, b_n, base, dimension))
    return FollowPoint(report.wave_number, report.opens_on, share, change, False, None), p


def follow_through(
    reports: Sequence[Heatmap],
    department_id: int,
    dimension: Dimension,
    held_on: date,
    waves_after: int = WAVES_AFTER,
) -> FollowThrough:
    """How a team's dimension moved after a conversation held on a day.

    `reports` are closed waves of one pulse, oldest first. The baseline is the last wave that
    opened on or before the conversation; the change is shown only where both are shown.
    """
    ordered = sorted(reports, key=lambda r: (r.opens_on, r.wave_number))
    before = [r for r in ordered if r.opens_on <= held_on]
    after = [r for r in ordered if r.opens_on > held_on][:waves_after]
    baseline = _point(before[-1], department_id, dimension, None)[0] if before else None
    base_measures = team_row(before[-1], department_id).measures if before else None
    points = [_point(r, department_id, dimension, base_measures) for r in after]
    # the waves after one conversation are one family (Benjamini–Hochberg), as the heatmap's
    tested = [i for i, (_point_, p) in enumerate(points) if p is not None]
    chosen = benjamini_hochberg([points[i][1] or 1.0 for i in tested])
    marked = {i for i, c in zip(tested, chosen, strict=True) if c}
    return FollowThrough(
        baseline=baseline,
        after=[replace(point, significant=i in marked) for i, (point, _p) in enumerate(points)],
    )


def waves_needed(
    wave_dates: Sequence[tuple[int, date]], held_on: Sequence[date], waves_after: int = WAVES_AFTER
) -> list[int]:
    """Which waves (id, opening day) the follow-through of conversations on these days needs."""
    ordered = sorted(wave_dates, key=lambda w: w[1])
    needed: set[int] = set()
    for day in held_on:
        before = [w for w, opens in ordered if opens <= day]
        after = [w for w, opens in ordered if opens > day][:waves_after]
        needed.update(before[-1:] + after)
    return [w for w, _opens in ordered if w in needed]
