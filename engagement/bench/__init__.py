"""`python -m engagement bench`: build a synthetic company, then time the heatmap and friends.

The heatmap is timed through the real code path (`reports.company_report`, suppression
included) against two baselines — one plain SQL GROUP BY over the wave's raw answers, and a
naive pandas load of every wave — plus a department's trend, an internal market's size,
concurrent pulse submissions and the process's peak memory.
"""

from __future__ import annotations

import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, inspect, make_url, select, table
from tqdm import tqdm

from engagement.bench import measure
from engagement.bench.company import add_waves, build_company, open_bench_wave
from engagement.db import get_engine, migrate, unit_of_work
from engagement.errors import InvalidInput
from engagement.i18n import _, format_number

MIN_EMPLOYEES = 60
MAX_SUBMISSIONS = 2000
# the targets of issue 9, at 20,000 employees × 26 waves
TARGETS = {
    "heatmap_vs_raw_sql": 0.5,
    "heatmap_vs_pandas": 0.05,
    "heatmap_growth": 1.3,
    "heatmap_page_vs_home": 3.0,
}
SUBMISSIONS_TARGET = {"sqlite": 300.0, "postgresql": 1000.0}


def _bar(label: str, total: int) -> tqdm[Any]:
    return tqdm(desc=label, total=total, file=sys.stderr, leave=False, dynamic_ncols=True)


@contextmanager
def _database(url: str | None) -> Iterator[str]:
    """The given database, or a fresh temporary SQLite file removed afterwards."""
    if url:
        yield url
        return
    folder = Path(tempfile.mkdtemp(prefix="virage-bench-"))
    temp_url = f"sqlite:///{folder / 'bench.db'}"
    try:
        yield temp_url
    finally:
        get_engine(temp_url).dispose()
        shutil.rmtree(folder, ignore_errors=True)


def _refuse_non_empty(engine: Engine, url: str) -> None:
    names = [n for n in inspect(engine).get_table_names() if n != "alembic_version"]
    with engine.connect() as conn:
        for name in names:
            if conn.execute(select(func.count()).select_from(table(name))).scalar():
                shown = make_url(url).render_as_string(hide_password=True)
                raise InvalidInput(
                    _(
                        "The database {url} is not empty (table {table} holds rows): "
                        "the benchmark needs an empty database."
                    ).format(url=shown, table=name)
                )


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def run(
    *,
    database_url: str | None,
    employees: int,
    waves: int,
    repeat: int,
    seed: int = 11,
    pandas: bool = True,
) -> dict[str, Any]:
    """Build the company in an empty database, measure, and return every figure."""
    if employees < MIN_EMPLOYEES:
        raise InvalidInput(_("The benchmark needs at least {n} employees.").format(n=MIN_EMPLOYEES))
    if waves < 2:
        raise InvalidInput(_("The benchmark needs at least 2 waves."))
    if repeat < 1:
        raise InvalidInput(_("--repeat takes a number of at least 1."))
    with _database(database_url) as url:
        engine = get_engine(url)
        _refuse_non_empty(engine, url)
        migrate(url)
        return _run(engine, employees, waves, repeat, seed, pandas)


def _run(
    engine: Engine, employees: int, waves: int, repeat: int, seed: int, pandas: bool
) -> dict[str, Any]:
    began = time.perf_counter()
    company = build_company(
        engine=engine, employees=employees, waves=waves, today=date.today(), seed=seed
    )
    bar = _bar(_("Waves"), waves)
    try:
        add_waves(engine, company, max(1, waves // 2), bar.update)
        half_ms = measure.median_ms(
            engine, repeat, lambda s: measure.heatmap(s, company.wave_ids[-1])
        )
        add_waves(engine, company, waves, bar.update)
    finally:
        bar.close()
    with engine.begin() as conn:  # fresh planner statistics, as after any bulk load
        conn.exec_driver_sql("ANALYZE")
    build_s = time.perf_counter() - began
    latest = company.wave_ids[-1]
    rules = measure.segment_rules(company)
    steps = [
        ("heatmap_ms", lambda s: measure.heatmap(s, latest)),
        ("raw_sql_ms", lambda s: measure.raw_sql(s, latest)),
        (
            "trend_ms",
            lambda s: measure.trend(s, company.wave_ids, company.largest_department_id),
        ),
        ("segment_ms", lambda s: measure.segment(s, rules)),
    ]
    result: dict[str, Any] = {"pandas_ms": None, "pandas_peak_rss_mb": None}
    url = engine.url.render_as_string(hide_password=False)
    bar = _bar(_("Measuring"), len(steps) + int(pandas))
    try:
        for key, work in steps:
            result[key] = measure.median_ms(engine, repeat, work)
            bar.update(1)
        if pandas:
            result["pandas_ms"], result["pandas_peak_rss_mb"] = measure.pandas_elsewhere(
                url, latest, repeat
            )
            bar.update(1)
    finally:
        bar.close()
    with unit_of_work(engine) as session:
        wave = open_bench_wave(session, company)
        wave_id, day = int(wave.id or 0), wave.opens_on
        sizes = measure.counts(session)
    invited = [p.id for p in company.people if p.hire_date <= day]
    # R rounds of up to MAX_SUBMISSIONS people each, like every other figure's R repetitions
    people = random.Random(seed).sample(invited, min(len(invited), MAX_SUBMISSIONS * repeat))
    bar = _bar(_("Submissions"), len(people))
    try:
        subs = measure.submissions(engine, wave_id, day, people, repeat, bar.update)
    finally:
        bar.close()
    # last: the pages open due waves themselves, as the portal does
    result.update(_pages(url, company.leader_email, repeat))
    result.update(
        employees=employees,
        waves=waves,
        database=engine.dialect.name,
        departments=company.departments,
        repeat=repeat,
        build_s=round(build_s, 1),
        heatmap_ms_half_history=half_ms,
        submissions_per_s=subs.per_s,
        submissions_per_s_rounds=subs.rounds,
        submissions=subs.attempted,
        failed_submissions=subs.failed,
        stored_responses=subs.stored,
        stored_participations=subs.participations,
        lost=subs.lost,
        duplicates=subs.duplicates,
        release_median_s=subs.release_median_s,
        released_while_open=subs.released_while_open,
        released_at_close=subs.released_at_close,
        still_pooled=subs.still_pooled,
        peak_rss_mb=measure.peak_rss_mb(),
        heatmap_vs_raw_sql=_ratio(result["heatmap_ms"], result["raw_sql_ms"]),
        heatmap_vs_pandas=_ratio(result["heatmap_ms"], result["pandas_ms"] or 0),
        heatmap_growth=_ratio(result["heatmap_ms"], half_ms),
        **sizes,
    )
    return result


def _pages(url: str, email: str, repeat: int) -> dict[str, Any]:
    """Home and the heatmap page as the company's leader gets them (AppTest, warm caches)."""
    # Streamlit's test harness, through the adapter: only this measurement needs it
    from engagement.ui.page_timing import page_ms

    home, heatmap = "pages/home.py", "pages/heatmap.py"
    ms = page_ms(database_url=url, email=email, pages=[home, heatmap], repeat=repeat)
    return {
        "home_page_ms": ms[home],
        "heatmap_page_ms": ms[heatmap],
        "heatmap_page_vs_home": _ratio(ms[heatmap], ms[home]),
    }


def _met(ok: bool) -> str:
    return _("met") if ok else _("not met")


def summary(result: dict[str, Any]) -> str:
    """The figures as a readable table, with the issue's targets and whether they are met."""
    ms = _("{value} ms")
    lines = [
        _(
            "Benchmark on {database}: {employees} employees in {departments} departments, "
            "{waves} weekly waves ({responses} responses, {answers} answers, "
            "{checkins} check-ins); median of {repeat}."
        ).format(
            database=result["database"],
            employees=format_number(result["employees"]),
            departments=format_number(result["departments"]),
            waves=result["waves"],
            responses=format_number(result["responses"]),
            answers=format_number(result["answers"]),
            checkins=format_number(result["checkins"]),
            repeat=result["repeat"],
        ),
        "",
    ]
    rows = [
        (_("Heatmap, latest wave (company report)"), ms, "heatmap_ms"),
        (_("Heatmap with half the waves"), ms, "heatmap_ms_half_history"),
        (_("Raw SQL GROUP BY of the wave (baseline)"), ms, "raw_sql_ms"),
        (_("pandas, every wave loaded (baseline)"), ms, "pandas_ms"),
        (_("One department's trend over all waves"), ms, "trend_ms"),
        (_("Four-field internal market size"), ms, "segment_ms"),
        (_("Home page, warm (AppTest)"), ms, "home_page_ms"),
        (_("Heatmap page, warm (AppTest)"), ms, "heatmap_page_ms"),
        (_("Submissions per second (8 writers)"), "{value}", "submissions_per_s"),
        (_("Median time from an answer to its release"), _("{value} s"), "release_median_s"),
        (_("Answers still sealed in the pool (fewer than k)"), "{value}", "still_pooled"),
        (_("Lost submissions"), "{value}", "lost"),
        (_("Duplicate submissions"), "{value}", "duplicates"),
        (_("Peak memory"), _("{value} MB"), "peak_rss_mb"),
        (_("Peak memory of the pandas baseline's process"), _("{value} MB"), "pandas_peak_rss_mb"),
    ]
    for label, unit, key in rows:
        if result[key] is None:
            lines.append(f"{label:<44} {_('not measured'):>14}")
            continue
        digits = 0 if isinstance(result[key], int) else 1
        lines.append(f"{label:<44} {unit.format(value=format_number(result[key], digits)):>14}")
    lines += ["", _("Targets (issue 9, at 20,000 employees × 26 waves):")]
    for key, limit in TARGETS.items():
        value = result[key]
        ok = value is not None and value <= limit
        lines.append(
            _("{name} = {value} (target ≤ {limit}): {verdict}").format(
                name=key, value=value, limit=limit, verdict=_met(ok)
            )
        )
    floor = SUBMISSIONS_TARGET.get(result["database"], SUBMISSIONS_TARGET["sqlite"])
    ok = result["submissions_per_s"] >= floor and result["lost"] == 0 and result["duplicates"] == 0
    lines.append(
        _("submissions_per_s = {value} (target ≥ {limit}, none lost or doubled): {verdict}").format(
            value=result["submissions_per_s"], limit=floor, verdict=_met(ok)
        )
    )
    return "\n".join(lines)
