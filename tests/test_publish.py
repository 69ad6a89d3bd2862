"""Published shares: whole percentages rounded half up, coded at the extremes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engagement.measures.publish import (
    Bound,
    Published,
    enough_answers,
    publish_share,
    top,
    whole_pct,
)


@pytest.mark.parametrize(
    ("successes", "n", "pct"), [(1, 8, 13), (1, 3, 33), (2, 3, 67), (6, 11, 55), (0, 5, 0)]
)
def test_whole_percentages_round_half_up(successes: int, n: int, pct: int) -> None:
    assert whole_pct(successes, n) == pct


@pytest.mark.parametrize(("respondents", "high"), [(3, 66), (5, 80), (10, 90), (200, 99)])
def test_top_leaves_room_for_one_other_answer(respondents: int, high: int) -> None:
    assert top(respondents) == high


def test_extremes_are_coded() -> None:
    assert publish_share(10, 10, 5) == Published(80, Bound.AT_LEAST)
    assert publish_share(0, 10, 5) == Published(20, Bound.AT_MOST)
    assert publish_share(6, 10, 5) == Published(60)
    assert Published(80, Bound.AT_LEAST).text("80") == "≥80"


@given(st.integers(3, 120), st.data())
def test_a_coded_band_never_says_all_or_none(respondents: int, data: st.DataObject) -> None:
    """Whatever is shown admits an answer of the other kind, for some number of answers."""
    n = data.draw(st.integers(1, 2 * respondents))
    f = data.draw(st.integers(0, n))
    shown = publish_share(f, n, respondents)
    most = 2 * respondents  # the adversary may take as many answers as two questions allow

    def admits(fav: int, total: int) -> bool:
        p = shown.pct
        low_ok = shown.bound is Bound.AT_MOST or 200 * fav >= (2 * p - 1) * total
        high_ok = shown.bound is Bound.AT_LEAST or 200 * fav <= (2 * p + 1) * total - 1
        return low_ok and high_ok

    pairs = [(fav, t) for t in range(1, most + 1) for fav in range(t + 1) if admits(fav, t)]
    assert any(fav < t for fav, t in pairs)  # room for an unfavorable answer
    assert any(fav > 0 for fav, _t in pairs)  # and for a favorable one


def test_enough_answers_means_k_people() -> None:
    assert not enough_answers(8, 2, 5)  # 8 answers of two questions: maybe 4 people
    assert enough_answers(9, 2, 5)
    assert enough_answers(5, 1, 5)
