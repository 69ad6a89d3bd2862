"""Imports check first: the size before reading, the columns before drawing them, a value
past the csv limit with its line — each one clear line, never MemoryError or a trace."""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest

from engagement.cli import main
from engagement.errors import InvalidInput
from engagement.people_import.reader import MAX_COLUMNS, MAX_FIELD, read_file, read_table


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


def test_a_1_gb_file_is_refused_before_it_is_read(
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    big = tmp_path / "big.csv"
    with big.open("wb") as f:  # sparse: 1 GB on paper, nothing on disk
        f.truncate(1024**3)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    assert main(["import-people", str(big)]) == 1
    assert time.monotonic() - started < 2
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 50, grown_mb  # it read nothing (it used to take 1.13 GB)
    assert "The file is over 20 MB" in one_line(capsys.readouterr().err)


def test_an_endless_stream_is_cut_at_the_limit(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert main(["import-people", "/dev/zero"]) == 1  # it used to end in MemoryError
    assert "The file is over 20 MB" in one_line(capsys.readouterr().err)


def test_a_missing_file_is_one_line(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert main(["import-people", "/nonexistent/people.csv"]) == 1
    assert "Cannot read /nonexistent/people.csv" in one_line(capsys.readouterr().err)


def test_too_many_columns_are_refused_before_any_row() -> None:
    header = ",".join(f"c{i}" for i in range(10_000))
    with pytest.raises(InvalidInput, match="The file has 10,000 columns; an import takes at most"):
        read_table(f"{header}\n{','.join('x' * 10_000)}\n".encode())
    ok = ",".join(f"c{i}" for i in range(MAX_COLUMNS))
    assert len(read_table(f"{ok}\n{','.join('x' * MAX_COLUMNS)}\n".encode()).headers) == MAX_COLUMNS


def test_a_value_over_the_csv_limit_names_its_line() -> None:
    data = "id,department\n1,Sales\n2,Sales\n3," + "x" * (MAX_FIELD + 1) + "\n"
    with pytest.raises(InvalidInput, match="Line 4 holds a value of more than 131,072 characters"):
        read_table(data.encode())


def test_read_file_reads_a_file_within_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b"id,department\n1,Sales\n")
    assert read_file(path) == b"id,department\n1,Sales\n"


def test_an_import_holds_its_file_in_under_fifteen_times_its_size(sqlite_url: str) -> None:
    """Rows are let go as records are made and records are slotted: 22× a 5 MB file before,
    about 13× now (the issue's target is 10×; see the README)."""
    import tracemalloc

    from engagement.authz import SYSTEM
    from engagement.db import get_engine, unit_of_work
    from engagement.services import people_import as import_service

    lines = ["external_id,name,email,department,location,job_family,hire_date,level"]
    lines += [
        f"E{i:07d},Person {i},p{i}@example.test,Dept {i % 300} > Team {i % 7},Montréal,"
        f"Job {i % 40},2020-01-{i % 28 + 1:02d},{i % 5 + 1}"
        for i in range(50_000)
    ]
    data = ("\n".join(lines) + "\n").encode()
    tracemalloc.start()
    try:
        with unit_of_work(get_engine(sqlite_url)) as s:
            report = import_service.import_people(
                session=s, actor=SYSTEM, data=data, file_name="p.csv", dry_run=True
            )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.created == 50_000
    assert peak < 15 * len(data), peak / len(data)
