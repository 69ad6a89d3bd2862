"""Fixtures: a fresh database per test (SQLite always, PostgreSQL when told), demo data, AppTest."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import create_engine, make_url, text
from sqlmodel import Session, SQLModel

import engagement.models  # noqa: F401  (registers the tables for truncation)
from engagement.db import get_engine, migrate, unit_of_work
from engagement.demo import build_demo_company
from engagement.i18n import set_language

PG_URL = os.environ.get("VIRAGE_TEST_DATABASE_URL", "").strip()
REQUIRE_PG = os.environ.get("VIRAGE_REQUIRE_POSTGRES") == "1"
PROJECT = Path(__file__).resolve().parent.parent


def _dispose(url: str) -> None:
    get_engine(url).dispose()
    get_engine.cache_clear()


@pytest.fixture(autouse=True)
def _english_and_clean_caches() -> Iterator[None]:
    """Each test starts in English with empty Streamlit caches (they are process-wide)."""
    set_language("en")
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    set_language("en")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "empty.db"
    url = f"sqlite:///{path}"
    migrate(url)
    with get_engine(url).connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    _dispose(url)
    return path


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A PostgreSQL database created for this run and dropped after it."""
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("VIRAGE_REQUIRE_POSTGRES=1 but VIRAGE_TEST_DATABASE_URL is not set")
        pytest.skip("set VIRAGE_TEST_DATABASE_URL to run the PostgreSQL variants")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"virage_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    migrate(url)
    yield url
    _dispose(url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(url: str) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with get_engine(url).begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    path = tmp_path / "virage.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    yield url
    _dispose(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, migrated database: SQLite, and PostgreSQL when VIRAGE_TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_url")
        return
    url = request.getfixturevalue("pg_database_url")
    _truncate_all(url)
    yield url
    _truncate_all(url)


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    """A session on the fresh database; tests commit through it like a service caller would."""
    with Session(get_engine(database_url), expire_on_commit=False) as s:
        yield s


@pytest.fixture(scope="session")
def demo_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file holding a small demo company (built once per run)."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    with unit_of_work(get_engine(url)) as s:
        build_demo_company(session=s, employees=150, seed=7)
    with get_engine(url).connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    _dispose(url)
    return path


@pytest.fixture
def demo_url(demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private copy of the demo database, and DATABASE_URL pointing at it (for the app)."""
    path = tmp_path / "demo.db"
    shutil.copy(demo_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("VIRAGE_ENV", raising=False)
    monkeypatch.delenv("VIRAGE_MIN_GROUP_SIZE", raising=False)
    yield url
    _dispose(url)
