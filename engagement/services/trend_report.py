"""Trends for the company summary: which shown departments are rising or falling, in words.

Built on already suppressed and scoped reports (`reports.company_report`): only shown waves
of shown departments go in (engagement.measures.trends).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engagement.measures import trends
from engagement.questions import Dimension
from engagement.services.reports import Heatmap, trend_of


@dataclass(frozen=True)
class Mover:
    department: str
    dimension: Dimension
    trend: trends.Trend


def company_trends(history: Sequence[Heatmap]) -> dict[Dimension, trends.Trend]:
    """The company row's trend per change-path dimension."""
    company = next(r.department_id for r in history[-1].rows if r.is_company)
    points = trend_of(list(history), company)
    return trends.dimension_trends([(p.number, p.measures) for p in points])


def moving_departments(
    history: Sequence[Heatmap], direction: trends.Direction, n: int = 5
) -> list[Mover]:
    """Shown departments rising (or falling) beyond chance, fastest first, one line each.

    All departments and dimensions are decided together (one Benjamini–Hochberg family).
    """
    latest = history[-1]
    rows = [r for r in latest.rows if not r.is_company and r.measures is not None]
    # one pass per report (not trend_of per department: hundreds of rows × waves)
    by_wave = [(h.wave_number, {r.department_id: r.measures for r in h.rows}) for h in history]
    series = {
        r.department_id: [(number, shown.get(r.department_id)) for number, shown in by_wave]
        for r in rows
    }
    found = trends.group_trends(series)
    movers: list[Mover] = []
    for row in rows:
        moving = [(d, t) for d, t in found[row.department_id].items() if t.direction is direction]
        if moving:
            dim, trend = max(moving, key=lambda dt: abs(dt[1].points_per_wave))
            movers.append(Mover(row.department, dim, trend))
    movers.sort(key=lambda m: -abs(m.trend.points_per_wave))
    return movers[:n]
