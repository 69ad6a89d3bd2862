"""`python -m engagement bench` at a small size: every figure written, nothing lost or doubled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engagement.cli import main

KEYS = {
    "employees",
    "waves",
    "database",
    "heatmap_ms",
    "raw_sql_ms",
    "pandas_ms",
    "trend_ms",
    "segment_ms",
    "submissions_per_s",
    "submissions_per_s_rounds",
    "release_median_s",
    "lost",
    "duplicates",
    "peak_rss_mb",
    "heatmap_ms_half_history",
    "heatmap_vs_raw_sql",
    "heatmap_vs_pandas",
    "heatmap_growth",
    "home_page_ms",
    "heatmap_page_ms",
    "heatmap_page_vs_home",
}


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "en_CA.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)


def _run(argv: list[str], out: Path, repeat: int = 1) -> dict[str, object]:
    assert main(["bench", *argv, "--repeat", str(repeat), "--out", str(out)]) == 0
    return dict(json.loads(out.read_text(encoding="utf-8")))


def test_bench_writes_every_figure(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = _run(
        ["--employees", "300", "--waves", "4", "--database-url", database_url],
        tmp_path / "bench.json",
        repeat=2,
    )
    assert not KEYS - result.keys(), KEYS - result.keys()
    assert result["database"] == database_url.split(":")[0].split("+")[0]
    assert result["employees"] == 300 and result["waves"] == 4
    assert result["lost"] == 0 and result["duplicates"] == 0
    assert result["failed_submissions"] == 0
    # answers reach the responses through the mixer; fewer than k can stay sealed
    released, pooled = result["stored_responses"], result["still_pooled"]
    assert released + pooled == result["stored_participations"] == result["submissions"]  # type: ignore[operator]
    assert 0 <= pooled < 5 and result["released_while_open"] > 0  # type: ignore[operator]
    assert result["release_median_s"] is not None and result["release_median_s"] >= 0  # type: ignore[operator]
    assert float(result["submissions_per_s"]) > 0  # type: ignore[arg-type]
    # one round of writers per repetition, for people of its own; the median is reported
    rounds = result["submissions_per_s_rounds"]
    assert isinstance(rounds, list) and len(rounds) == 2 and all(r > 0 for r in rounds)
    assert result["submissions_per_s"] == pytest.approx(sum(rounds) / 2, abs=0.1)
    assert all(float(result[k]) > 0 for k in ("heatmap_ms", "raw_sql_ms", "pandas_ms"))  # type: ignore[arg-type]
    # both pages ran as the company's leader and showed something (AppTest, warm caches)
    assert float(result["heatmap_page_ms"]) > 0 and float(result["home_page_ms"]) > 0  # type: ignore[arg-type]
    # the pandas baseline ran in its own process: its memory is reported apart
    assert float(result["pandas_peak_rss_mb"]) > 0  # type: ignore[arg-type]
    printed = capsys.readouterr().out
    assert "Heatmap, latest wave" in printed and "Targets" in printed


def test_bench_defaults_to_a_temporary_sqlite_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = _run(["--employees", "100", "--waves", "2", "--no-pandas"], tmp_path / "bench.json")
    assert result["database"] == "sqlite" and result["lost"] == 0
    # without the pandas baseline its figures are empty, not invented
    assert result["pandas_ms"] is None and result["heatmap_vs_pandas"] is None
    assert "not measured" in capsys.readouterr().out


def test_bench_refuses_a_database_that_holds_data(
    demo_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bench.json"
    code = main(["bench", "--employees", "100", "--waves", "2", "--database-url", demo_url])
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not empty" in err[0]
    assert not out.exists()


@pytest.mark.parametrize(
    "argv", [["--employees", "10", "--waves", "4"], ["--employees", "300", "--waves", "1"]]
)
def test_bench_refuses_sizes_it_cannot_build(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", *argv]) == 1
    assert "Error:" in capsys.readouterr().err
