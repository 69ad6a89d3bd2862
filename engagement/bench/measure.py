"""The timed measurements of the benchmark, each on a fresh session (the domain has no cache)."""

from __future__ import annotations

import json
import random
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, text
from sqlmodel import Session, select

from engagement import PROJECT_DIR
from engagement.authz import Actor
from engagement.bench.company import Company
from engagement.db import get_engine
from engagement.markets import Criteria, MarketRules
from engagement.models import Answer, Checkin, Participation, Response, Wave
from engagement.privacy import participant_token, wave_scope
from engagement.questions import CUSTOMER_OPTION, ItemType, default_bank
from engagement.services import mixer, reports
from engagement.services.markets import count_members
from engagement.services.pulses import submit_response

K = 5
WRITERS = 8
RAW_SQL = text(
    """
    SELECT d.id, d.name, a.item_id,
           COUNT(a.value),
           SUM(CASE WHEN a.value >= 4 THEN 1 ELSE 0 END),
           SUM(a.value),
           COUNT(a.choice),
           SUM(CASE WHEN a.choice = :customer THEN 1 ELSE 0 END)
    FROM answer a
    JOIN response r ON r.id = a.response_id
    JOIN department d ON d.id = r.department_id
    WHERE r.wave_id = :wave
    GROUP BY d.id, d.name, a.item_id
    """
)


def median_ms(engine: Engine, repeat: int, work: Callable[[Session], object]) -> float:
    """The median wall time of `work`, each run on a new session."""
    times = []
    for _ in range(max(repeat, 1)):
        with Session(engine) as session:
            started = time.perf_counter()
            work(session)
            times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def heatmap(session: Session, wave_id: int) -> reports.Heatmap:
    """The real code path: every department's row of a wave, suppression included."""
    return reports.company_report(session, K, wave_id=wave_id)


def raw_sql(session: Session, wave_id: int) -> list[Any]:
    """Baseline: one plain GROUP BY over the wave's raw answers, no roll-up, no suppression."""
    result = session.connection().execute(RAW_SQL, {"wave": wave_id, "customer": CUSTOMER_OPTION})
    return list(result.all())


def pandas_naive(session: Session, wave_id: int) -> pd.DataFrame:
    """Naive baseline: load every wave's responses and answers, then group the latest one."""
    conn = session.connection()
    responses = pd.read_sql(text("SELECT id, wave_id, department_id FROM response"), conn)
    answers = pd.read_sql(text("SELECT response_id, item_id, value, choice FROM answer"), conn)
    merged = answers.merge(responses, left_on="response_id", right_on="id")
    latest = merged[merged["wave_id"] == wave_id].copy()
    dims = {
        i: (item.dimension.value if item.dimension else "")
        for i, item in default_bank().items.items()
    }
    latest["dimension"] = latest["item_id"].map(dims)
    latest["favorable"] = latest["value"] >= 4
    latest["customer"] = latest["choice"] == CUSTOMER_OPTION
    return latest.groupby(["department_id", "dimension"]).agg(
        answers=("value", "count"),
        favorable=("favorable", "sum"),
        total=("value", "sum"),
        choices=("choice", "count"),
        customer=("customer", "sum"),
    )


def pandas_elsewhere(url: str, wave_id: int, repeat: int) -> tuple[float, float]:
    """The pandas baseline in a process of its own: (median ms, that process's peak MB).

    It loads every answer by design (tens of millions of rows at 100,000 people × 52 waves),
    so it must not count in the memory of the code path the app runs. A fresh interpreter, not
    multiprocessing's spawn: spawn re-runs the parent's __main__, which under a test runner
    that ran a Streamlit script (AppTest) is that script.
    """
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, url, str(wave_id), str(repeat)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:  # fail loudly, with the child's own words
        raise RuntimeError(f"the pandas baseline failed:\n{done.stderr[-2000:]}")
    ms, peak = json.loads(done.stdout.strip().splitlines()[-1])
    return float(ms), float(peak)


_CHILD = (
    "import json, sys\n"
    "from engagement.bench.measure import _pandas_child\n"
    "print(json.dumps(_pandas_child(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))))\n"
)


def _pandas_child(url: str, wave_id: int, repeat: int) -> tuple[float, float]:
    ms = median_ms(get_engine(url), repeat, lambda s: pandas_naive(s, wave_id))
    return ms, peak_rss_mb()


def trend(session: Session, wave_ids: list[int], department_id: int) -> object:
    """One department's trend: the company report of every wave, then its row across them."""
    return reports.trend_of([heatmap(session, w) for w in wave_ids], department_id)


def segment_rules(company: Company) -> MarketRules:
    """A four-field internal market: two divisions, three locations, two tenure bands, shift."""
    return MarketRules(
        include=Criteria(
            department_ids=company.division_ids[:2],
            locations=["Montréal", "Toronto", "Remote"],
            tenure_bands=["3to5", "5to10", "10plus"],
            extra={"shift": ["day"]},
        )
    )


def segment(session: Session, rules: MarketRules) -> int:
    return count_members(session, rules)


# the bench runs the mixer with the default k, as the portal does after each answer
BENCH_K = 5


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


@dataclass(frozen=True)
class Submissions:
    per_s: float  # the median of the rounds
    rounds: list[float]
    attempted: int
    failed: int
    stored: int
    participations: int
    lost: int
    duplicates: int
    release_median_s: float | None  # answer to release, while the wave is open (FIFO estimate)
    released_while_open: int
    released_at_close: int
    still_pooled: int


def _answers(rng: random.Random) -> dict[str, object]:
    out: dict[str, object] = {}
    for item_id, item in default_bank().items.items():
        if item.type is ItemType.LIKERT5:
            out[item_id] = rng.randint(1, 5)
        elif item.type is ItemType.CHOICE:
            out[item_id] = rng.choice([o.id for o in item.options])
    return out


def _writers(
    engine: Engine,
    wave_id: int,
    day: date,
    people: list[int],
    progress: Callable[[int], object] | None,
    events: list[tuple[float, int, int]],
) -> tuple[float, int]:
    """Eight writer threads, each with its own session, answer for distinct people at once and
    run the mixer after each answer as the portal does: the seconds it took and how many
    submissions failed. `events` gets (time, answers submitted, answers released)."""
    chunks = [people[i::WRITERS] for i in range(WRITERS)]
    failed = [0] * WRITERS
    start = threading.Barrier(WRITERS + 1)
    lock = threading.Lock()
    scope = wave_scope(wave_id)

    def writer(index: int) -> None:
        rng = random.Random(index)
        with Session(engine, expire_on_commit=False) as session:
            start.wait()
            for pid in chunks[index]:
                actor = Actor(employee_id=pid, email=f"person{pid}@bench.example", name="")
                try:
                    submit_response(
                        session=session,
                        actor=actor,
                        wave_id=wave_id,
                        answers=_answers(rng),
                        today=day,
                    )
                    session.commit()
                    with lock:
                        events.append((time.perf_counter(), 1, 0))
                    done = mixer.release_if_due(engine, scope=scope, k=BENCH_K, today=day)
                    with lock:
                        events.append((time.perf_counter(), 0, done.released))
                except Exception:  # counted, then shown as lost
                    session.rollback()
                    failed[index] += 1
                if progress:
                    progress(1)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, sum(failed)


def submissions(
    engine: Engine,
    wave_id: int,
    day: date,
    people: list[int],
    rounds: int = 1,
    progress: Callable[[int], object] | None = None,
) -> Submissions:
    """Rounds of eight concurrent writers, each round for people of its own; the median rate
    of the rounds, then every expected answer counted once (lost) and no more (duplicates)."""
    rates, failed = [], 0
    events: list[tuple[float, int, int]] = []
    for batch in (people[i::rounds] for i in range(rounds)):
        if not batch:
            continue
        elapsed, round_failed = _writers(engine, wave_id, day, batch, progress, events)
        failed += round_failed
        rates.append((len(batch) - round_failed) / elapsed if elapsed else 0.0)
    while_open = sum(r for _t, _s, r in events)
    with Session(engine) as session:
        wave = session.get(Wave, wave_id)
        assert wave is not None
        after = wave.closes_on + timedelta(days=1)
    # what waits for more releases when the wave is over (tick, the day after)
    at_close = mixer.release(engine, k=BENCH_K, today=after, scopes=[wave_scope(wave_id)])
    expected = {participant_token(wave_scope(wave_id), pid) for pid in people}
    with Session(engine) as session:
        stored = session.exec(
            select(func.count()).select_from(Response).where(Response.wave_id == wave_id)
        ).one()
        tokens = set(
            session.exec(select(Participation.token).where(Participation.wave_id == wave_id)).all()
        )
    distinct = len(tokens & expected)
    pooled = mixer.pooled_count(engine, wave_scope(wave_id))
    return Submissions(
        per_s=round(statistics.median(rates), 1) if rates else 0.0,
        rounds=[round(r, 1) for r in rates],
        attempted=len(people),
        failed=failed,
        stored=int(stored),
        participations=len(tokens),
        lost=len(people) - distinct,
        duplicates=int(stored) + pooled - distinct,
        release_median_s=_release_median(events),
        released_while_open=while_open,
        released_at_close=at_close.released,
        still_pooled=pooled,
    )


def _release_median(events: list[tuple[float, int, int]]) -> float | None:
    """The median time from an answer to its release, pairing the n-th answer submitted with
    the n-th released (first in, first out: the mixer does not say which is which — that is
    its point)."""
    submitted, released = [], []
    for when, new, out in sorted(events):
        submitted += [when] * new
        released += [when] * out
    lags = [out - new for new, out in zip(submitted, released, strict=False)]
    return round(statistics.median(lags), 3) if lags else None


def counts(session: Session) -> dict[str, int]:
    """How big the benchmark's history is."""
    out = {}
    for name, model in (("responses", Response), ("answers", Answer), ("checkins", Checkin)):
        out[name] = int(session.exec(select(func.count()).select_from(model)).one())
    return out
