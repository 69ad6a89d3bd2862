"""Serialised maintenance and private files: SQLite migrations take turns through a lock file,
and the database and its folder are created for Virage alone."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from engagement.config import load_settings
from engagement.db import get_engine, migrate
from engagement.errors import AlreadyRunning
from engagement.maintenance import exclusive, file_lock, sqlite_path
from tests.conftest import PROJECT


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_database_and_its_folder_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "fresh" / "data"
    url = load_settings({"DATABASE_URL": f"sqlite:///{folder / 'virage.db'}"}).database_url
    migrate(url)
    assert mode(folder) == 0o700
    files = sorted(p.name for p in folder.iterdir())
    assert "virage.db" in files and "virage.db-wal" in files
    for name in files:  # the database, its WAL and shared memory, the lock file
        assert mode(folder / name) == 0o600, name
    get_engine(url).dispose()


def test_an_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "kept.db"
    path.touch(mode=0o640)
    path.chmod(0o640)
    url = f"sqlite:///{path}"
    migrate(url)
    assert mode(path) == 0o640
    get_engine(url).dispose()


def test_sqlite_path_only_for_sqlite_files() -> None:
    assert sqlite_path("sqlite:////tmp/x.db") == Path("/tmp/x.db")
    assert sqlite_path("sqlite:///:memory:") is None
    assert sqlite_path("postgresql+psycopg://u@h/db") is None


def test_a_held_job_lock_refuses_a_second_holder(tmp_path: Path) -> None:
    db = tmp_path / "v.db"
    with (
        file_lock(db, "demo", wait=False, label="demo build"),
        pytest.raises(AlreadyRunning),
        file_lock(db, "demo", wait=False, label="x"),
    ):
        pass
    with file_lock(db, "demo", wait=False):  # released at the end
        pass


def test_exclusive_on_the_databases(database_url: str) -> None:
    engine = get_engine(database_url)
    with exclusive(engine, "import-people", "import"):
        with (
            pytest.raises(AlreadyRunning, match="Another import is running"),
            exclusive(engine, "import-people", "import"),
        ):
            pass
        with exclusive(engine, "demo", "demo build"):  # another job is not held up
            pass
    with exclusive(engine, "import-people", "import"):
        pass


def test_init_and_two_ticks_at_once_on_a_new_sqlite_file(tmp_path: Path) -> None:
    """Three processes migrating one new file: before the lock file, 4 rounds in 5 failed with
    "table department already exists"."""
    for round_ in range(2):
        url = f"sqlite:///{tmp_path / f'race{round_}.db'}"
        env = {**os.environ, "DATABASE_URL": url}
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "engagement", command],
                cwd=PROJECT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for command in ("init", "tick", "tick")
        ]
        outcomes = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
        assert [status for status, _err in outcomes] == [0, 0, 0], outcomes
        assert "employee" in inspect(get_engine(url)).get_table_names()
        get_engine(url).dispose()
