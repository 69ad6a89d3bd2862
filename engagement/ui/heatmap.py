"""The adoption heatmap, drill-down and leader summary: charts and widgets (built here only)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from streamlit import dataframe_util

from engagement.authz import Actor, Role
from engagement.db import unit_of_work
from engagement.errors import VirageError
from engagement.i18n import N_, _, format_date, format_number, get_language
from engagement.i18n import language as in_language
from engagement.measures import marks, trends
from engagement.measures.suppression import reason_text
from engagement.questions import CHANGE_PATH, Dimension, dimension_label
from engagement.safe_text import plain_label
from engagement.services import audit, reports
from engagement.services.reports import Heatmap, HeatmapRow, TrendPoint
from engagement.ui import insights
from engagement.ui.context import current_actor, engine, privacy_thresholds, settings
from engagement.ui.render import INDENT

HIDDEN_COLOUR = "#d9d9d9"


class Mode(StrEnum):
    ABSOLUTE = "absolute"
    COMPANY = "company"
    PREVIOUS = "previous"


MODE_LABELS = {
    Mode.ABSOLUTE: N_("Favorable %"),
    Mode.COMPANY: N_("Difference from the company"),
    Mode.PREVIOUS: N_("Difference from the previous wave"),
}
DIMENSIONS = frozenset(d.value for d in CHANGE_PATH)
# the measure columns, in the order of the change path
COLUMNS: tuple[str, ...] = (
    "participation",
    *[d.value for d in CHANGE_PATH],
    "customer_thought",
    "adoption_index",
    "barrier_point",
)


def column_label(column: str) -> str:
    if column == "participation":
        return _("Participation")
    if column == "adoption_index":
        return _("Adoption index")
    if column == "barrier_point":
        return _("Barrier point")
    if column == "customer_thought":
        return _("Customer thought")
    return dimension_label(column)


# cache_resource: one shared object, no pickling on every read (a report is frozen). The
# language is part of the key: a report names some rows itself ("Company", "Entreprise").
@st.cache_resource(ttl=600, show_spinner=False, max_entries=512)
def _cached_report(
    url: str,
    wave_id: int,
    market_id: int | None,
    k: int,
    version: tuple[int, int, int],
    lang: str,
) -> Heatmap:
    with in_language(lang), unit_of_work(engine()) as session:
        return reports.company_report(session, k, wave_id, market_id)


def report_for(wave_id: int, market_id: int | None) -> Heatmap:
    """The wave's company report (cached until its data changes), scoped to the viewer."""
    return reports_for([wave_id], market_id)[0]


Waves = tuple[tuple[int, tuple[int, int, int]], ...]  # (wave id, data version) pairs


def _waves_and_scope(wave_ids: Sequence[int]) -> tuple[Waves, frozenset[int] | None]:
    """What the cached reports and charts are keyed on: data versions and the viewer's scope."""
    with unit_of_work(engine()) as session:
        versions = reports.data_versions(session, list(wave_ids))
        scope = reports.scope_of(actor=current_actor(), session=session)
    return tuple((i, versions[i]) for i in wave_ids), scope


def reports_for(wave_ids: Sequence[int], market_id: int | None) -> list[Heatmap]:
    """`report_for` of several waves, with one read of their versions and of the scope."""
    waves, scope = _waves_and_scope(wave_ids)
    return _reports(waves, scope, market_id)


def _reports(waves: Waves, scope: frozenset[int] | None, market_id: int | None) -> list[Heatmap]:
    k, url = privacy_thresholds().min_group_size, settings().database_url
    history = _cached_history(url, k, market_id, waves, get_language())
    return [reports.within(r, scope) for r in history]


# one cache entry for a drill-down's waves: a single lookup per rerun instead of one per wave
@st.cache_resource(ttl=600, show_spinner=False, max_entries=128)
def _cached_history(
    url: str, k: int, market_id: int | None, waves: Waves, lang: str
) -> list[Heatmap]:
    return [_cached_report(url, wave_id, market_id, k, v, lang) for wave_id, v in waves]


# the export column behind each screen column: screen and CSV read the same record
RECORD_KEYS = {
    "participation": "participation_pct",
    **{d.value: f"{d.value}_fav_pct" for d in CHANGE_PATH},
    "customer_thought": "customer_thought_pct",
    "adoption_index": "adoption_index",
}


CODED = ("≥", "≤")


def _values(row: HeatmapRow, k: int) -> dict[str, float | None]:
    """A row's number in each screen column, read from its export record ("≥80" reads 80)."""
    record = reports.record(row, k)
    return {
        column: None if record[key] is None else float(str(record[key]).lstrip("".join(CODED)))
        for column, key in RECORD_KEYS.items()
    }


def _coded(row: HeatmapRow, k: int) -> dict[str, str]:
    """The "≥" or "≤" a coded share is written with, per screen column."""
    record = reports.record(row, k)
    return {
        column: str(record[key])[0]
        for column, key in RECORD_KEYS.items()
        if str(record[key]).startswith(CODED)
    }


def heatmap_marks(report: Heatmap, mode: Mode, previous: Heatmap | None) -> frozenset[marks.Key]:
    """The cells to mark `*` on this heatmap (see engagement.measures.marks)."""
    shown = {r.department_id: r.measures for r in report.rows if r.measures is not None}
    if mode is Mode.COMPANY:
        company = next((r.measures for r in report.rows if r.is_company), None)
        if company is None:  # the company row hidden: nothing to compare with
            return frozenset()
        departments = {
            r.department_id: r.measures
            for r in report.rows
            if r.measures is not None and not r.is_company
        }
        return marks.against_rest(company, departments)
    if mode is Mode.PREVIOUS and previous is not None:
        before = {r.department_id: r.measures for r in previous.rows if r.measures is not None}
        return marks.against_previous(shown, before)
    return frozenset()


# invisible characters, used as the digits of a row's number (see `row_label`)
ZERO_WIDTH = "\u200b\u200c\u200d\u2060"


def row_label(row: HeatmapRow, index: int) -> str:
    """Name with a dot per level (chart labels drop leading spaces) and its respondents.

    An invisible tail — the row's number written in zero-width characters, a handful of
    them even for thousands of rows — keeps two departments of the same name apart on the
    axis.
    """
    count = f" ({format_number(row.measures.respondents)})" if row.measures else ""
    tail = ""
    while True:
        index, digit = divmod(index, len(ZERO_WIDTH))
        tail += ZERO_WIDTH[digit]
        if not index:
            break
    return "· " * row.depth + row.department + count + tail


@dataclass(frozen=True)
class Cells:
    frame: pd.DataFrame
    order: list[str]
    records: list[dict[str, object]]  # the frame's rows as plain values (None, never NaN)


def cells(report: Heatmap, mode: Mode, previous: Heatmap | None) -> Cells:
    """One record per department × measure: value, colour value, text, hidden reason."""
    company = next((r for r in report.rows if r.is_company), None)
    before = {r.department_id: r for r in previous.rows} if previous else {}
    # each row's numbers and each number's text once: a large company has thousands of cells
    values: dict[tuple[int, int], dict[str, float | None]] = {}
    text_of = lru_cache(maxsize=None)(format_number)

    def coded(row: HeatmapRow) -> dict[str, str]:
        return _coded(row, report.k) if row.measures is not None else {}

    def numbers(which: int, row: HeatmapRow) -> dict[str, float | None]:
        key = (which, row.department_id)
        if key not in values:
            values[key] = _values(row, report.k)
        return values[key]

    marked = heatmap_marks(report, mode, previous)
    records: list[dict[str, object]] = []
    order: list[str] = []
    for index, row in enumerate(report.rows):
        label = row_label(row, index)
        order.append(label)
        reason = reason_text(row.hidden, report.k) if row.hidden else ""
        mine = numbers(0, row)
        reference = company if mode is Mode.COMPANY else before.get(row.department_id)
        for column in COLUMNS:
            value = mine.get(column)
            text, colour = "", None
            if row.hidden:
                text = "—"
            elif column == "barrier_point":
                barrier = row.measures.barrier_point if row.measures else None
                text = dimension_label(barrier) if barrier else _("none")
            elif value is not None:
                base = (
                    numbers(0 if reference is company else 1, reference).get(column)
                    if reference is not None
                    else None
                )
                if mode is Mode.ABSOLUTE:
                    colour = value
                    text = coded(row).get(column, "") + text_of(value)
                elif base is not None:
                    colour = value - base
                    dim = Dimension(column) if column in DIMENSIONS else None
                    mark = "*" if (row.department_id, dim) in marked else ""
                    text = f"{'+' if colour > 0 else ''}{text_of(colour)}{mark}"
                else:
                    text = text_of(value)
            records.append(
                {
                    "row": label,
                    "measure": column_label(column),
                    "value": value,
                    "colour": colour,
                    "text": text,
                    "hidden": bool(row.hidden),
                    "reason": reason,
                }
            )
    return Cells(pd.DataFrame.from_records(records), order, records)


def heatmap_chart(data: Cells, mode: Mode) -> alt.LayerChart:
    """Cells coloured by the mode (always with its legend), numbers printed, hidden cells grey."""
    measures = [column_label(c) for c in COLUMNS]
    if mode is Mode.ABSOLUTE:
        scale = alt.Scale(domain=[0, 100], scheme="blues")
        legend = _("Favorable answers, participation and index (0–100)")
    else:
        scale = alt.Scale(domain=[-30, 30], scheme="blueorange", domainMid=0)
        legend = (
            _("Points above or below the company")
            if mode is Mode.COMPANY
            else _("Points of change since the previous wave")
        )
    # inline values, not the frame: Altair refuses a frame over 5,000 rows (600 departments)
    base = alt.Chart(alt.InlineData(values=data.records)).encode(
        x=alt.X(
            "measure:N",
            sort=measures,
            title=None,
            # slanted, so that long French labels do not run into each other
            axis=alt.Axis(orient="top", labelAngle=-30, labelAlign="left", labelLimit=160),
        ),
        # left-aligned labels keep the tree's indentation readable
        y=alt.Y(
            "row:N",
            sort=data.order,
            title=None,
            axis=alt.Axis(labelAlign="left", labelPadding=250, labelLimit=245, ticks=False),
        ),
        tooltip=[
            alt.Tooltip("row:N", title=_("Department")),
            alt.Tooltip("measure:N", title=_("Measure")),
            alt.Tooltip("text:N", title=_("Value")),
            alt.Tooltip("reason:N", title=_("Why hidden")),
        ],
    )
    coloured = (
        base.transform_filter("datum.colour != null")
        .mark_rect(stroke="white")
        .encode(
            color=alt.Color(
                "colour:Q",
                scale=scale,
                title=legend,
                legend=alt.Legend(orient="bottom", gradientLength=260, titleLimit=400),
            )
        )
    )
    neutral = base.transform_filter("datum.colour == null && !datum.hidden").mark_rect(
        color="#f4f6f5", stroke="white"
    )
    hidden = base.transform_filter("datum.hidden").mark_rect(
        color=HIDDEN_COLOUR, stroke="white", opacity=0.7
    )
    text = base.mark_text(fontSize=12).encode(
        text="text:N",
        color=alt.condition(
            "datum.colour != null && (datum.colour > 70 || datum.colour < -20)",
            alt.value("white"),
            alt.value("#1d2321"),
        ),
    )
    chart = alt.LayerChart(layer=[neutral, hidden, coloured, text])
    return chart.properties(height=alt.Step(26), width="container")


def heatmap_spec(
    wave_id: int, previous_id: int | None, market_id: int | None, mode: Mode
) -> dict[str, Any]:
    """The heatmap as a Vega-Lite spec, built once per data version, scope, mode and language."""
    return _heatmap_spec(*_heatmap_key(wave_id, previous_id, market_id, mode))


def show_heatmap(wave_id: int, previous_id: int | None, market_id: int | None, mode: Mode) -> None:
    """Draw the heatmap (its data already in Arrow form: thousands of cells, every rerun)."""
    key = _heatmap_key(wave_id, previous_id, market_id, mode)
    st.vega_lite_chart(_shown_spec(key), theme=None, width="stretch")


def heatmap_png(
    wave_id: int, previous_id: int | None, market_id: int | None, mode: Mode
) -> Callable[[], bytes]:
    """The heatmap as a PNG, rendered here (no browser, no network) when the download asks.

    What it depends on — data versions, the viewer's scope, the language — is read now, in
    the page run: the download runs later, outside any run, where there is no signed-in person.
    """
    key = _heatmap_key(wave_id, previous_id, market_id, mode)

    def build() -> bytes:
        import vl_convert

        spec = _heatmap_spec(*key)
        return bytes(vl_convert.vegalite_to_png(json.dumps({**spec, "width": 1100}), scale=2))

    return build


HeatmapKey = tuple[str, int, int | None, Mode, "Waves", frozenset[int] | None, str]


def _heatmap_key(
    wave_id: int, previous_id: int | None, market_id: int | None, mode: Mode
) -> HeatmapKey:
    waves, scope = _waves_and_scope([wave_id, *([previous_id] if previous_id else [])])
    k, url = privacy_thresholds().min_group_size, settings().database_url
    # the language is part of the key: labels and numbers are in the viewer's language
    return url, k, market_id, mode, waves, scope, get_language()


@st.cache_data(ttl=600, show_spinner=False, max_entries=128)
def _heatmap_spec(
    url: str,
    k: int,
    market_id: int | None,
    mode: Mode,
    waves: Waves,
    scope: frozenset[int] | None,
    language: str,
) -> dict[str, Any]:
    shown = [
        reports.within(_cached_report(url, i, market_id, k, v, language), scope) for i, v in waves
    ]
    chart = heatmap_chart(cells(shown[0], mode, shown[1] if len(shown) > 1 else None), mode)
    # the chart's code is checked by the tests (validated `to_dict`): the thousands of cells
    # need no schema validation on every view
    return chart.to_dict(validate=False)


@st.cache_data(ttl=600, show_spinner=False, max_entries=128)
def _shown_spec(key: HeatmapKey) -> dict[str, Any]:
    return _with_arrow(_heatmap_spec(*key))


def _with_arrow(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with its datasets already in Arrow form, which Streamlit sends as they are."""
    datasets = {
        name: dataframe_util.convert_anything_to_arrow_bytes(pd.DataFrame.from_records(rows))
        for name, rows in spec.get("datasets", {}).items()
    }
    return {**spec, "datasets": datasets} if datasets else spec


def csv_bytes(report: Heatmap) -> bytes:
    return reports.heatmap_csv(report).encode("utf-8-sig")


def trend_chart(points: Sequence[TrendPoint]) -> alt.LayerChart:
    """Favorable % per dimension across waves, with 95 % bands (trends are told in words)."""
    records = []
    for p in points:
        if p.measures is None:
            continue
        for dim in CHANGE_PATH:
            d = p.measures.dimensions[dim]
            if d.favorable_pct is None:
                continue
            records.append(
                {
                    "wave": format_date(p.opens_on),
                    "date": p.opens_on.isoformat(),
                    "dimension": dimension_label(dim),
                    # whole numbers, as the screen writes them: chart data carries no more
                    "pct": round(100 * d.favorable_pct),
                    "low": round(100 * d.low),
                    "high": round(100 * d.high),
                }
            )
    frame = pd.DataFrame.from_records(records)
    pct = _("Favorable answers (%)")
    colour = alt.Color(
        "dimension:N",
        title=_("Dimension"),
        scale=alt.Scale(scheme="tableau10"),
        legend=alt.Legend(orient="bottom"),
    )
    base = alt.Chart(frame).encode(x=alt.X("date:T", title=_("Wave (opening date)")), color=colour)
    band = base.mark_area(opacity=0.15).encode(
        y=alt.Y("low:Q", title=pct, scale=alt.Scale(domain=[0, 100])), y2="high:Q"
    )
    line = base.mark_line(point=True).encode(
        y=alt.Y("pct:Q", title=pct),
        tooltip=[
            alt.Tooltip("wave:N", title=_("Wave")),
            alt.Tooltip("dimension:N", title=_("Dimension")),
            alt.Tooltip("pct:Q", title=pct, format=".0f"),
        ],
    )
    chart = alt.LayerChart(layer=[band, line])
    return chart.properties(height=280)


def participation_chart(points: Sequence[TrendPoint]) -> alt.Chart:
    frame = pd.DataFrame.from_records(
        [
            {"date": p.opens_on.isoformat(), "pct": round(100 * (p.measures.participation or 0))}
            for p in points
            if p.measures is not None
        ]
    )
    title = _("Participation (%)")
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_bar(color="#0b6e69")
        .encode(
            x=alt.X("date:T", title=_("Wave (opening date)")),
            y=alt.Y("pct:Q", title=title, scale=alt.Scale(domain=[0, 100])),
            tooltip=[alt.Tooltip("pct:Q", title=title, format=".0f")],
        )
        .properties(height=160)
    )
    return chart


def controls(
    waves: Sequence[reports.WaveOption], markets: dict[int, str]
) -> tuple[int, int | None, Mode]:
    """Wave, internal market and colour mode, chosen by the viewer."""
    left, middle = st.columns([3, 2])
    right = st.container()
    by_id = {w.id: w for w in waves}
    default = next((w.id for w in waves if not w.is_open), waves[0].id)
    wave_id = left.selectbox(
        _("Wave"),
        list(by_id),
        index=list(by_id).index(default),
        format_func=lambda i: _("{pulse}, wave {n} ({date}){open}").format(
            pulse=by_id[i].pulse,
            n=by_id[i].number,
            date=format_date(by_id[i].opens_on),
            open=_(" — still open") if by_id[i].is_open else "",
        ),
        key="heatmap.wave",
    )
    market_id = None
    if markets:
        market_id = middle.selectbox(
            _("Internal market"),
            [None, *markets],
            format_func=lambda i: _("Everyone") if i is None else markets[i],
            key="heatmap.market",
        )
    mode = right.segmented_control(
        _("Colour shows"),
        list(Mode),
        format_func=lambda m: _(MODE_LABELS[m]),
        default=Mode.ABSOLUTE,
        key="heatmap.mode",
    )
    return int(wave_id), market_id, Mode(mode or Mode.ABSOLUTE)


def audited_download(
    build: Callable[[], bytes],
    *,
    engine: Engine,
    actor: Actor,
    kind: str,
    wave_id: int,
    market_id: int | None,
    language_code: str,
) -> Callable[[], bytes]:
    """A download's data, built when asked for and audited then: an export entry once the file
    exists, an "export failed" entry (and the error passed on) when it could not be made.

    It runs outside the page run (Streamlit calls it from another thread), so it takes the
    person, the engine and the language as values instead of reading the session.
    """

    def produce() -> bytes:
        try:
            with in_language(language_code):
                data = build()
        except Exception:
            _record(engine, actor, kind, wave_id, market_id, failed=True)
            raise
        _record(engine, actor, kind, wave_id, market_id, failed=False)
        return data

    return produce


def _record(
    engine: Engine, actor: Actor, kind: str, wave_id: int, market_id: int | None, *, failed: bool
) -> None:
    with unit_of_work(engine) as session:
        audit.record_export(
            session=session,
            actor=actor,
            kind=kind,
            wave_id=wave_id,
            market_id=market_id,
            failed=failed,
        )


def exports(report: Heatmap, png: Callable[[], bytes], market_id: int | None = None) -> None:
    """CSV (the same cells as the screen) and a PNG image of the heatmap, each built only when
    asked for and audited once it is made (or has failed)."""
    audited = functools.partial(
        audited_download,
        engine=engine(),
        actor=current_actor(),
        wave_id=report.wave_id,
        market_id=market_id,
        language_code=get_language(),
    )
    left, right, _rest = st.columns([1, 1, 2])
    left.download_button(
        _("Download CSV"),
        audited(lambda: csv_bytes(report), kind="heatmap_csv"),
        file_name=f"virage-heatmap-wave-{report.wave_number}.csv",
        mime="text/csv",
        icon=":material/download:",
        key="heatmap.csv",
        on_click="ignore",  # the audit entry is written by the download itself, once made
    )
    right.download_button(
        _("Download PNG"),
        audited(png, kind="heatmap_png"),
        file_name=f"virage-heatmap-wave-{report.wave_number}.png",
        mime="image/png",
        icon=":material/image:",
        key="heatmap.png",
        on_click="ignore",
    )


def drill_down(report: Heatmap, market_id: int | None) -> None:
    """A department's trend, participation, barrier point over time and comments."""
    rows = {r.department_id: r for r in report.rows}
    asked = st.query_params.get("department", "")
    start = int(asked) if asked.isdigit() and int(asked) in rows else next(iter(rows))
    department = st.selectbox(
        _("Department"),
        list(rows),
        index=list(rows).index(start),
        format_func=lambda i: INDENT * rows[i].depth + rows[i].department,
        key="heatmap.department",
    )
    st.query_params["department"] = str(department)
    with unit_of_work(engine()) as session:
        wave_ids = reports.waves_of_pulse_until(session, report.wave_id)
    waves, scope = _waves_and_scope(wave_ids)
    with st.spinner(_("Gathering the waves…")):  # shown only when they are not cached yet
        history = _reports(waves, scope, market_id)
    points = reports.trend_of(history, department)
    shown = [p for p in points if p.measures is not None]
    if not shown:
        hidden = rows[department].hidden
        st.info(
            reason_text(hidden, report.k) if hidden else _("No results yet for this department.")
        )
        return
    key = (settings().database_url, report.k, market_id, waves, scope, department, get_language())
    trend, participation = _drill_down_specs(*key)
    st.vega_lite_chart(trend, theme=None, width="stretch")
    st.markdown("\n".join(f"- {line}" for line in insights.trend_sentences(points)))
    st.caption(
        _(
            "Shaded bands: confidence intervals (95 %). Waves hidden for confidentiality leave "
            "gaps. A trend is told when a logistic regression over the last {n} shown waves, "
            "counting respondents, finds a rise or fall beyond chance (at most 1 in 20 told "
            "falsely)."
        ).format(n=trends.TREND_WAVES)
    )
    left, right = st.columns([3, 2])
    left.vega_lite_chart(participation, theme=None, width="stretch")
    right.dataframe(
        pd.DataFrame(
            {
                "wave": [format_date(p.opens_on) for p in points],
                "barrier": [
                    (
                        dimension_label(p.measures.barrier_point)
                        if p.measures.barrier_point
                        else _("none")
                    )
                    if p.measures
                    else reason_text(p.hidden, report.k)
                    if p.hidden
                    else "—"
                    for p in points
                ],
            }
        ).iloc[::-1],
        hide_index=True,
        width="stretch",
        height=200,
        column_config={
            "wave": st.column_config.TextColumn(_("Wave")),
            "barrier": st.column_config.TextColumn(_("Barrier point")),
        },
    )
    insights.drivers_view(report, waves[-1][1], scope, department)
    quoted = _comments(report, waves[-1][1], scope, department)
    st.markdown(_("#### Comments"))
    company_wide = current_actor().has_any((Role.HR, Role.LEADER))
    if quoted is None and rows[department].is_company and not company_wide:
        st.caption(_("The company row is your benchmark: its comments belong to other teams."))
    elif quoted is None:
        st.caption(
            _(
                "Comments are shown only for groups of {n} respondents or more, without a filter."
            ).format(n=privacy_thresholds().comment_min)
        )
    elif not quoted:
        st.caption(_("No comments in this wave."))
    else:  # one block: hundreds of comments are one element, not hundreds
        st.markdown(quoted)


@st.cache_data(ttl=600, show_spinner=False, max_entries=256)
def _drill_down_specs(
    url: str,
    k: int,
    market_id: int | None,
    waves: Waves,
    scope: frozenset[int] | None,
    department: int,
    language: str,  # part of the key: labels are in the viewer's language
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A department's trend and participation charts, built once (data in Arrow form)."""
    points = reports.trend_of(_reports(waves, scope, market_id), department)
    # the charts' code is checked by the tests: no schema validation on every view
    return (
        _with_arrow(trend_chart(points).to_dict(validate=False)),
        _with_arrow(participation_chart(points).to_dict(validate=False)),
    )


def _comments(
    report: Heatmap, version: tuple[int, int, int], scope: frozenset[int] | None, department: int
) -> str | None:
    """A department's comments as quoted Markdown ("" when none); None when they are hidden."""
    url, actor = settings().database_url, current_actor()
    try:
        comment_min = privacy_thresholds().comment_min
        return _cached_comments(
            url,
            report.wave_id,
            report.market,
            version,
            scope,
            department,
            comment_min,
            report,
            actor,
        )
    except VirageError as exc:  # as `load` does: the reason, and nothing else
        st.error(str(exc))
        st.stop()
        raise  # unreachable: st.stop raises


@st.cache_data(ttl=600, show_spinner=False, max_entries=256)
def _cached_comments(
    url: str,
    wave_id: int,
    market: str | None,
    version: tuple[int, int, int],
    scope: frozenset[int] | None,  # who may read them follows from the scope
    department: int,
    comment_min: int,
    _report: Heatmap,
    _actor: Actor,  # what they may read is the scope, in the key
) -> str | None:
    """Read, shuffle and quote a department's comments once per data version and scope."""
    with unit_of_work(engine()) as session:
        texts = reports.comments(
            session=session,
            actor=_actor,
            report=_report,
            department_id=department,
            comment_min=comment_min,
        )
    return None if texts is None else "\n\n".join(f"> {plain_label(t)}" for t in texts)


def company_cards(history: Sequence[Heatmap]) -> None:
    """Adoption index, customer-thought rate and participation: now and over the waves."""
    points = [next((r.measures for r in h.rows if r.is_company), None) for h in history]
    series = {
        _("Adoption index"): [p.adoption_index if p else None for p in points],
        _("Customer thought on arrival (%)"): [
            100 * p.customer_thought if p and p.customer_thought is not None else None
            for p in points
        ],
        _("Participation (%)"): [
            100 * p.participation if p and p.participation is not None else None for p in points
        ],
    }
    for column, (label, values) in zip(st.columns(3), series.items(), strict=True):
        known = [v for v in values if v is not None]
        if not known:
            column.metric(label, "—")
            continue
        # no week-to-week delta: one wave's step is mostly noise; trends are told below
        column.metric(
            label,
            format_number(known[-1]),
            chart_data=known,
            chart_type="line",
            border=True,
            help=_("Latest wave and its course over the waves."),
        )


def movers_table(movers: Sequence[reports.Mover], with_change: bool) -> None:
    if not movers:
        st.caption(_("No department to show yet."))
        return
    frame = pd.DataFrame(
        {
            "department": [m.department for m in movers],
            "index": [round(m.adoption_index) for m in movers],
            "barrier": [
                dimension_label(m.barrier_point) if m.barrier_point else _("none") for m in movers
            ],
            "change": [round(m.change or 0, 1) for m in movers],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_order=["department", "index", "barrier", *(["change"] if with_change else [])],
        column_config={
            "department": st.column_config.TextColumn(_("Department")),
            "index": st.column_config.NumberColumn(_("Adoption index")),
            "barrier": st.column_config.TextColumn(_("Barrier point")),
            "change": st.column_config.NumberColumn(_("Change (points)")),
        },
    )
