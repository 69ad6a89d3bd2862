"""What a shown figure may say: whole percentages, coded at the extremes, from enough answers.

Every share that leaves the domain is turned into a `Published` value here, and everything
drawn from it downstream (adoption index, barrier point, intervals, marks, lifts) is computed
from the published values only, never from the raw counts. So an adversary who collects every
number on every screen learns exactly these, and the integer-programming audit
(`engagement.audit`) models exactly these:

- a share is a whole percentage, rounded half up: (2p − 1)·n ≤ 200·f ≤ (2p + 1)·n − 1;
- at the extremes it is coded: a group of r respondents shows "at least `top(r)` %" instead of
  anything above, and "at most `100 − top(r)` %" instead of anything below, with
  top(r) = 100 − ⌈100 / r⌉. A shown 100 % (or 0 %) would tell that every person in the group —
  so every smaller group inside it, such as two new joiners of a team — answered favorably
  (or not); the coded band always leaves room for one answer of the other kind;
- a dimension is shown only when at least k people must have answered it: more than
  items × (k − 1) answers, where items is how many questions of the dimension the pulse asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Bound(StrEnum):
    """How a published share reads: exactly p %, at least p %, or at most p %."""

    EXACT = "exact"
    AT_LEAST = "at_least"
    AT_MOST = "at_most"


@dataclass(frozen=True)
class Published:
    """A share as it may be shown: a whole percentage and how to read it."""

    pct: int
    bound: Bound = Bound.EXACT

    @property
    def share(self) -> float:
        return self.pct / 100

    def text(self, number: str) -> str:
        """The share as text, given the percentage already written in the reader's language."""
        if self.bound is Bound.AT_LEAST:
            return f"≥{number}"
        if self.bound is Bound.AT_MOST:
            return f"≤{number}"
        return number


def whole_pct(successes: int, n: int) -> int:
    """100·successes/n rounded half up, in integers (no float can round it differently)."""
    if n <= 0:
        raise ValueError("a share needs at least one answer")
    return (200 * successes + n) // (2 * n)


def top(respondents: int) -> int:
    """The highest percentage a group of this many respondents may show exactly (see above)."""
    r = max(1, respondents)
    return 100 - (100 + r - 1) // r


def publish_share(successes: int, n: int, respondents: int) -> Published:
    """The share successes/n of a group of `respondents` people, as it may be shown."""
    pct, high = whole_pct(successes, n), top(respondents)
    if pct >= high:
        return Published(high, Bound.AT_LEAST)
    if pct <= 100 - high:
        return Published(100 - high, Bound.AT_MOST)
    return Published(pct)


def enough_answers(answers: int, items: int, k: int) -> bool:
    """Whether at least k people must have answered a dimension of `items` questions."""
    return answers > max(1, items) * (k - 1)
