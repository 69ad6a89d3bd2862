"""The adoption heatmap: chart specs, CSV equal to the screen, scope and hiding everywhere."""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlmodel import Session, col, select
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import app_test

from engagement.authz import SYSTEM, Role
from engagement.db import get_engine
from engagement.i18n import format_number, language
from engagement.models import AuditEntry, Market
from engagement.services import audit, directory, reports
from engagement.ui import heatmap as view
from tests.test_pages import app, personas

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "heatmap.py")


@pytest.fixture
def report(demo_url: str) -> reports.Heatmap:
    with Session(get_engine(demo_url)) as s:
        return reports.heatmap(session=s, actor=SYSTEM, k=5)


def _layers(chart: object) -> list[dict[str, object]]:
    spec = chart.to_dict()  # type: ignore[attr-defined]
    return spec["layer"]  # type: ignore[no-any-return]


def test_absolute_mode_is_labelled_and_colour_blind_safe(report: reports.Heatmap) -> None:
    data = view.cells(report, view.Mode.ABSOLUTE, None)
    layers = _layers(view.heatmap_chart(data, view.Mode.ABSOLUTE))
    coloured = next(
        layer
        for layer in layers
        if "color" in layer.get("encoding", {}) and layer["mark"]["type"] == "rect"
    )  # type: ignore[index,union-attr,attr-defined]
    colour = coloured["encoding"]["color"]  # type: ignore[index]
    assert colour["field"] == "colour" and colour["type"] == "quantitative"
    assert colour["scale"] == {"domain": [0, 100], "scheme": "blues"}
    assert "(0–100)" in colour["title"]
    text = next(layer for layer in layers if layer["mark"]["type"] == "text")  # type: ignore[index]
    assert text["encoding"]["text"]["field"] == "text"  # type: ignore[index]
    hidden = next(
        layer for layer in layers if layer.get("transform") == [{"filter": "datum.hidden"}]
    )
    assert hidden["mark"]["color"] == view.HIDDEN_COLOUR  # type: ignore[index]
    tooltips = [t["title"] for t in coloured["encoding"]["tooltip"]]  # type: ignore[index]
    assert "Why hidden" in tooltips
    x = coloured["encoding"]["x"]  # type: ignore[index]
    assert x["sort"] == [view.column_label(c) for c in view.COLUMNS] and x["type"] == "nominal"
    assert coloured["encoding"]["y"]["sort"] == data.order  # type: ignore[index]


@pytest.mark.parametrize(
    ("mode", "title"),
    [
        (view.Mode.COMPANY, "Points above or below the company"),
        (view.Mode.PREVIOUS, "Points of change since the previous wave"),
    ],
)
def test_difference_modes_use_a_diverging_scale_around_zero(
    demo_url: str, report: reports.Heatmap, mode: view.Mode, title: str
) -> None:
    with Session(get_engine(demo_url)) as s:
        before = reports.heatmap(
            session=s, actor=SYSTEM, k=5, wave_id=reports.previous_wave_id(s, report.wave_id)
        )
    data = view.cells(report, mode, before)
    colour = next(
        layer["encoding"]["color"]
        for layer in _layers(view.heatmap_chart(data, mode))  # type: ignore[index]
        if "color" in layer.get("encoding", {}) and layer["mark"]["type"] == "rect"  # type: ignore[index,union-attr,attr-defined]
    )
    assert colour["scale"]["scheme"] == "blueorange" and colour["scale"]["domainMid"] == 0
    assert colour["title"] == title
    company = data.frame[data.frame["row"].str.startswith("Company")]
    if mode is view.Mode.COMPANY:  # the company compared with itself: zero everywhere
        assert set(company["colour"].dropna()) == {0.0}


def test_csv_equals_the_screen_cell_for_cell(report: reports.Heatmap) -> None:
    data = view.cells(report, view.Mode.ABSOLUTE, None).frame
    exported = list(csv.DictReader(io.StringIO(reports.heatmap_csv(report))))
    assert len(exported) == len(report.rows)
    for index, (row, line) in enumerate(zip(report.rows, exported, strict=True)):
        label = view.row_label(row, index)
        on_screen = data[data["row"] == label]
        assert line["department"] == row.department
        hidden = bool(line["hidden_reason"])
        assert set(on_screen["hidden"]) == {hidden}
        for column, key in view.RECORD_KEYS.items():
            cell = on_screen[on_screen["measure"] == view.column_label(column)].iloc[0]
            if hidden:
                assert cell["text"] == "—" and line[key] == ""
                assert cell["reason"] == line["hidden_reason"]
            elif line[key] == "":
                assert cell["text"] == ""
            else:  # whole percentages, "≥80" / "≤20" when coded, as in the export
                coded = line[key][0] if line[key].startswith(("≥", "≤")) else ""
                assert cell["text"] == coded + format_number(float(line[key].lstrip("≥≤")))


def _numbers(value: object) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [x for v in value.values() for x in _numbers(v)]
    if isinstance(value, list):
        return [x for v in value for x in _numbers(v)]
    return []


def test_chart_data_carries_no_more_precision_than_the_screen(demo_url: str) -> None:
    """Every number in the heatmap's and the trend's chart data is a whole number: no
    unrounded share or interval bound from which exact counts could be solved."""
    with Session(get_engine(demo_url)) as s:
        ids = reports.waves_of_pulse_until(s, reports.heatmap(session=s, actor=SYSTEM, k=5).wave_id)
        history = [reports.company_report(s, 5, i) for i in ids[-6:]]
    spec = view.heatmap_chart(view.cells(history[-1], view.Mode.ABSOLUTE, None), view.Mode.ABSOLUTE)
    data = spec.to_dict()["datasets"]
    dept = next(r.department_id for r in history[-1].rows if not r.is_company and r.measures)
    points = reports.trend_of(history, dept)
    trend = view.trend_chart(points).to_dict()
    values = _numbers(data) + _numbers(trend.get("datasets", {}))
    assert len(values) > 100
    assert all(v == round(v) for v in values), [v for v in values if v != round(v)][:5]


def test_manager_sees_only_their_subtree_whatever_they_try(demo_url: str) -> None:
    manager = personas(demo_url)[Role.MANAGER]
    with Session(get_engine(demo_url)) as s:
        actor = directory.actor_for_email(session=s, email=manager.email)
        from engagement import org_tree

        nodes = directory.load_nodes(s)
        mine = set().union(*(org_tree.subtree_ids(nodes, d) for d in actor.managed_department_ids))
        elsewhere = next(n.id for n in nodes if n.id not in mine and n.parent_id is not None)
    at = app(manager.email)
    at.query_params["department"] = str(elsewhere)  # a crafted link to another department
    at.switch_page(PAGE).run()
    assert not at.exception
    picker = at.selectbox(key="heatmap.department")
    assert picker.value != elsewhere  # the crafted link is ignored
    assert len(picker.options) == len(mine) + 1  # their departments and the company row
    assert picker.options[0] == "Company"
    with pytest.raises(Exception):  # noqa: B017 - not an option: AppTest refuses the value
        picker.set_value(elsewhere).run()
    # no market filter for managers: their scope is their departments
    assert not [s for s in at.selectbox if s.key == "heatmap.market"]
    # the drill-down starts on the company row, their benchmark: never other teams' comments
    captions = [c.value for c in at.caption]
    assert "The company row is your benchmark: its comments belong to other teams." in captions


def test_hr_and_leaders_see_the_company(demo_url: str) -> None:
    for role in (Role.HR, Role.LEADER):
        at = app(personas(demo_url)[role].email).switch_page(PAGE).run()
        assert not at.exception and not at.error
        with Session(get_engine(demo_url)) as s:
            count = len(directory.load_nodes(s))
        assert len(at.selectbox(key="heatmap.department").options) == count
        assert [s for s in at.selectbox if s.key == "heatmap.market"]


def test_in_french_the_market_filter_and_waves_show_the_french_names(demo_url: str) -> None:
    with Session(get_engine(demo_url)) as s:
        operations = s.exec(select(Market.id).where(Market.name == "Operations division")).one()
    with language("fr"):  # AppTest formats the picked option in this thread
        at = app(personas(demo_url)[Role.HR].email, language="fr").switch_page(PAGE).run()
        assert not at.exception and not at.error
        markets = list(at.selectbox(key="heatmap.market").options)
        assert markets[0] == "Tout le monde"
        assert {"Quart de nuit", "Division des opérations", "Ventes et marketing"} <= set(markets)
        assert not {"Night shift", "Operations division"} & set(markets)
        waves = at.selectbox(key="heatmap.wave").options
        assert all(w.startswith("Sondage éclair hebdomadaire sur le changement, ") for w in waves)
        picker = at.selectbox(key="heatmap.market")
        picker.select_index(markets.index("Division des opérations")).run()
        assert not at.exception and not at.error
        assert at.selectbox(key="heatmap.market").value == operations


def test_a_report_cached_for_a_french_reader_is_not_shown_to_an_english_one(
    demo_url: str,
) -> None:
    """The cached company report names its company row itself: one report per language."""
    hr = personas(demo_url)[Role.HR].email
    with language("fr"):
        french = app(hr, language="fr").switch_page(PAGE).run()
        assert french.selectbox(key="heatmap.department").options[0] == "Entreprise"
    english = app(hr, language="en").switch_page(PAGE).run()
    assert not english.exception and not english.error
    assert english.selectbox(key="heatmap.department").options[0] == "Company"
    drill_down = " ".join(m.value for m in english.markdown) + " ".join(
        s.value for s in english.subheader
    )
    assert "Entreprise" not in drill_down


def test_a_small_department_is_hidden_in_the_drill_down_too(
    demo_url: str, report: reports.Heatmap
) -> None:
    # a team smaller than k is hidden in every wave
    hidden = next(r for r in report.rows if r.hidden and not r.is_company and r.invited < report.k)
    at = app(personas(demo_url)[Role.HR].email).switch_page(PAGE).run()
    at.selectbox(key="heatmap.department").set_value(hidden.department_id).run()
    assert not at.exception
    assert any("respondents" in i.value or "Hidden" in i.value for i in at.info)
    assert not at.get("vega_lite_chart")[1:]  # only the heatmap, no trend for it
    assert not [m for m in at.markdown if m.value.startswith("> ")]  # and no comments


def test_employees_cannot_open_the_heatmap(demo_url: str) -> None:
    at = app(personas(demo_url)[Role.EMPLOYEE].email)
    with pytest.raises(ValueError):
        at.switch_page(PAGE).run()


def test_a_large_company_heatmap_is_drawn_and_exported(report: reports.Heatmap) -> None:
    from dataclasses import replace

    big = replace(report, rows=report.rows * 20)  # thousands of departments' cells
    data = view.cells(big, view.Mode.ABSOLUTE, None)
    assert len(data.records) == len(big.rows) * len(view.COLUMNS) > 5000
    spec = view.heatmap_chart(data, view.Mode.ABSOLUTE).to_dict()  # Altair refuses > 5,000 rows
    (rows,) = spec["datasets"].values()
    assert len(rows) == len(data.records)
    assert all(v == v for r in rows for v in r.values() if isinstance(v, float))  # no NaN


def test_row_labels_stay_apart_and_short(report: reports.Heatmap) -> None:
    row = report.rows[1]
    labels = [view.row_label(row, i) for i in range(5000)]  # one department name, many rows
    assert len(set(labels)) == len(labels)
    visible = {label.strip(view.ZERO_WIDTH) for label in labels}
    assert len(visible) == 1  # the tails are invisible
    assert max(len(label) for label in labels) <= len(labels[0]) + 6  # not one per row


class KeptMediaFiles(MediaFileManager):
    """Streamlit's own media manager, kept after the AppTest run so a test can ask it for a
    deferred download, as the browser does after the run."""

    kept: ClassVar[list[MediaFileManager]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        KeptMediaFiles.kept.append(self)


def deferred_download(at: Any, manager: MediaFileManager, key: str) -> bytes:
    """Click a download as the browser does: its data is made in another thread, with no page
    run around it (where `current_actor()` has nothing to read)."""
    [button] = [b for b in at.get("download_button") if b.proto.id.endswith(key)]
    file_id = button.proto.deferred_file_id
    assert file_id, "the download is built when asked for, not on every run"
    with ThreadPoolExecutor(1) as pool:
        url = pool.submit(manager.execute_deferred, file_id).result()
    stored = manager.read_file(url.rsplit("/", 1)[-1].split(".")[0])
    assert stored is not None
    return bytes(stored.content)


def _exports(url: str) -> list[tuple[str, str]]:
    with Session(get_engine(url)) as s:
        rows = s.exec(select(AuditEntry).where(col(AuditEntry.action).startswith("export."))).all()
        return [(e.actor, e.action) for e in rows]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.HR, Role.LEADER])
def test_download_png_gives_a_png_for_every_role_and_is_audited_once_made(
    demo_url: str, role: Role, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_test, "MediaFileManager", KeptMediaFiles)
    person = personas(demo_url)[role]
    at = app(person.email).switch_page(PAGE).run()
    assert not at.exception and not at.error
    assert _exports(demo_url) == []  # showing the buttons exports nothing
    png = deferred_download(at, KeptMediaFiles.kept[-1], "heatmap.png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    assert _exports(demo_url) == [(person.email, "export.heatmap_png")]
    csv_text = deferred_download(at, KeptMediaFiles.kept[-1], "heatmap.csv").decode("utf-8-sig")
    assert csv_text.startswith("department")
    assert _exports(demo_url)[-1] == (person.email, "export.heatmap_csv")


def test_the_csv_made_for_a_french_reader_is_in_french(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_test, "MediaFileManager", KeptMediaFiles)
    with language("fr"):
        at = app(personas(demo_url)[Role.HR].email, language="fr").switch_page(PAGE).run()
    assert not at.exception
    csv_text = deferred_download(at, KeptMediaFiles.kept[-1], "heatmap.csv").decode("utf-8-sig")
    assert "Entreprise" in csv_text and "Company" not in csv_text


def test_a_failed_export_is_audited_as_failed_and_never_as_an_export(demo_url: str) -> None:
    hr = personas(demo_url)[Role.HR]
    engine = get_engine(demo_url)
    with Session(engine) as s:
        actor = directory.actor_for_email(session=s, email=hr.email)
        wave_id = reports.heatmap(session=s, actor=SYSTEM, k=5).wave_id

    def broken() -> bytes:
        raise RuntimeError("the renderer ran out of memory")

    produce = view.audited_download(
        broken,
        engine=engine,
        actor=actor,
        kind="heatmap_png",
        wave_id=wave_id,
        market_id=None,
        language_code="en",
    )
    with pytest.raises(RuntimeError, match="out of memory"):
        produce()
    assert _exports(demo_url) == [(hr.email, "export.heatmap_png.failed")]
    assert audit.action_label("export.heatmap_png.failed") == "Heatmap export failed (PNG)"
