"""Drivers: which parts of the change path go with an outcome, from respondents' own answers.

For one shown group and wave, each respondent's score on a dimension is the mean of their
answers to its items (1–5). A driver's **impact** is the correlation across respondents between
its score (or one item's answer) and the outcome — the customer thought on arrival (1 when the
answer is "a customer or their needs", else 0: a point-biserial correlation) or the desire
score. Each impact is tested (Pearson's t with n − 2 degrees of freedom) and the tests of one
analysis are decided together by Benjamini–Hochberg. An analysis needs `MIN_RESPONDENTS`
respondents with both answers (Glint's rule of 20); the caller falls back to the company below
it and says so.

**Priority** reads "low score × high impact": (1 − favorable share) × impact, for drivers whose
impact is significant and positive. Impacts are rounded to 2 decimals and shares to whole
points before they leave this module: no more precision than the screen shows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from engagement.measures.stats import FDR, benjamini_hochberg, student_t_p
from engagement.questions import CHANGE_PATH, Dimension

MIN_RESPONDENTS = 20

Respondent = Mapping[str, float]  # item id → value (1–5), or the outcome key → 0/1


@dataclass(frozen=True)
class Driver:
    name: str  # a dimension's value ("tools") or an item id
    dimension: Dimension
    is_item: bool
    respondents: int
    favorable_pct: int  # whole points
    impact: float  # correlation, 2 decimals
    p: float
    significant: bool
    priority: float  # (1 − favorable share) × impact when significant and positive, else 0


def correlation(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float] | None:
    """Pearson's r and its two-sided p-value (Student's t, n − 2 df); None without spread."""
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 0 or syy <= 0:
        return None
    r = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / math.sqrt(sxx * syy)
    r = max(-1.0, min(1.0, r))
    df = n - 2
    if abs(r) >= 1:
        return r, 0.0
    return r, student_t_p(r * math.sqrt(df / (1 - r * r)), df)


def _score(answers: Respondent, items: Sequence[str]) -> float | None:
    values = [answers[i] for i in items if i in answers]
    return sum(values) / len(values) if values else None


def _has(answers: Respondent, keys: Sequence[str]) -> bool:
    return any(k in answers for k in keys)


def drivers(
    respondents: Sequence[Respondent],
    items: Mapping[Dimension, Sequence[str]],
    outcome: str,
    outcome_items: Sequence[str],
    q: float = FDR,
) -> list[Driver] | None:
    """Each predictor dimension's and item's impact on the outcome; None under the minimum.

    `outcome` names the outcome ("customer_thought" or a dimension's value); `outcome_items`
    are the keys a respondent's outcome is read from (the mean of them).
    """
    predictors: list[tuple[str, Dimension, bool, Sequence[str]]] = []
    for dim in CHANGE_PATH:
        if dim.value == outcome or not items.get(dim):
            continue
        predictors.append((dim.value, dim, False, items[dim]))
        if len(items[dim]) > 1:
            predictors.extend((item, dim, True, [item]) for item in items[dim])
    found: list[tuple[str, Dimension, bool, int, float, float, float]] = []
    for name, dim, is_item, keys in predictors:
        pairs = [
            (x, y)
            for r in respondents
            if (x := _score(r, keys)) is not None and (y := _score(r, outcome_items)) is not None
        ]
        if len(pairs) < MIN_RESPONDENTS:
            continue
        result = correlation([x for x, _y in pairs], [y for _x, y in pairs])
        if result is None:
            continue
        # favorable as the heatmap counts it: the share of this driver's answers at 4 or 5
        values = [r[k] for r in respondents for k in keys if k in r and _has(r, outcome_items)]
        favorable = sum(v >= 4 for v in values) / len(values)
        found.append((name, dim, is_item, len(pairs), favorable, *result))
    if not any(not f[2] for f in found):
        return None
    decided = benjamini_hochberg([f[6] for f in found], q)
    out = []
    for (name, dim, is_item, n, favorable, r, p), significant in zip(found, decided, strict=True):
        impact = round(r, 2)
        priority = round((1 - favorable) * impact, 2) if significant and impact > 0 else 0.0
        out.append(
            Driver(name, dim, is_item, n, round(100 * favorable), impact, p, significant, priority)
        )
    return out
