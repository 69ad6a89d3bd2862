"""Fixtures: a fresh database per test (SQLite always, PostgreSQL when told), demo data, AppTest.

`VIRAGE_TEST_BACKEND=postgresql` (with `VIRAGE_TEST_DATABASE_URL`) runs the whole suite on
PostgreSQL: the default fixtures — `session`, `sqlite_url`, `demo_url` — then hand out fresh
PostgreSQL databases instead of SQLite files, and the SQLite variants of parametrized tests
are left out (the default run covers them). `.ci/run` runs the suite both ways.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import streamlit as st
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, SQLModel

import engagement.models  # noqa: F401  (registers the tables for truncation)
from engagement.db import alembic_config, get_engine, migrate, unit_of_work
from engagement.demo import build_demo_company
from engagement.i18n import set_language
from engagement.services import mixer

PG_URL = os.environ.get("VIRAGE_TEST_DATABASE_URL", "").strip()
REQUIRE_PG = os.environ.get("VIRAGE_REQUIRE_POSTGRES") == "1"
ON_PG = os.environ.get("VIRAGE_TEST_BACKEND", "sqlite").strip().lower() == "postgresql"
PROJECT = Path(__file__).resolve().parent.parent


def pytest_configure(config: pytest.Config) -> None:
    if ON_PG and not PG_URL:
        raise pytest.UsageError("VIRAGE_TEST_BACKEND=postgresql needs VIRAGE_TEST_DATABASE_URL")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, leave out the SQLite variants: the default run has them."""
    if not ON_PG:
        return
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        (dropped if "sqlite" in params.values() else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@contextmanager
def fresh_pg_database(prefix: str = "virage_test") -> Iterator[str]:
    """A new PostgreSQL database on the test server, migrated; dropped afterwards."""
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("VIRAGE_REQUIRE_POSTGRES=1 but VIRAGE_TEST_DATABASE_URL is not set")
        pytest.skip("set VIRAGE_TEST_DATABASE_URL to run the PostgreSQL variants")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url)
        yield url
    finally:
        _dispose(url)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _dispose(url: str) -> None:
    get_engine(url).dispose()
    get_engine.cache_clear()


@pytest.fixture(autouse=True)
def _english_and_clean_caches() -> Iterator[None]:
    """Each test starts in English with empty Streamlit caches (they are process-wide)."""
    main = sys.modules["__main__"]
    set_language("en")
    st.cache_data.clear()
    st.cache_resource.clear()
    # the mixer keeps each database's population for a while, keyed by URL: on PostgreSQL
    # runs one database is truncated and refilled test after test under the same URL
    mixer.forget_populations()
    yield
    set_language("en")
    # AppTest runs the app as __main__ and leaves it there: a process spawned by a later
    # test (the bench's pandas baseline) would start by running the app
    sys.modules["__main__"] = main


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
    with fresh_pg_database() as url:
        yield url


def _truncate_all(url: str) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with get_engine(url).begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def _at_head(url: str) -> None:
    """Migrate if a test left the schema elsewhere (the migration tests go down to base)."""
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    try:
        with get_engine(url).connect() as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:
        current = None
    if current != head:
        migrate(url)


@pytest.fixture(scope="session")
def pg_plain_url() -> Iterator[str]:
    """On PostgreSQL runs: the database behind `sqlite_url`, emptied for each test."""
    with fresh_pg_database() as url:
        yield url


@pytest.fixture
def sqlite_url(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[str]:
    """A fresh, migrated, empty database: a SQLite file, or PostgreSQL on PostgreSQL runs."""
    if ON_PG:
        url = request.getfixturevalue("pg_plain_url")
        _at_head(url)
        _truncate_all(url)
        yield url
        _dispose(url)
        return
    path = tmp_path / "virage.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    yield url
    _dispose(url)


BACKENDS = (
    ["postgresql"] if ON_PG else ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)


@pytest.fixture(params=BACKENDS)
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


PRISTINE = "pristine"  # the schema holding the untouched demo rows on PostgreSQL runs


@pytest.fixture(scope="session")
def pg_demo_url() -> Iterator[str]:
    """On PostgreSQL runs: a database with the small demo company, and a copy of its rows.

    Copying the rows back before each test (one INSERT … SELECT per table) gives every test
    the untouched demo, as copying the SQLite file does, without creating a database per test.
    """
    with fresh_pg_database("virage_test_demo") as url:
        with unit_of_work(get_engine(url)) as s:
            build_demo_company(session=s, employees=150, seed=7)
        with get_engine(url).begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {PRISTINE}"))
            for table in SQLModel.metadata.sorted_tables:
                conn.execute(
                    text(f'CREATE TABLE {PRISTINE}."{table.name}" AS TABLE "{table.name}"')
                )
        yield url


SERIALS = text(
    "SELECT table_name, column_name FROM information_schema.columns "
    "WHERE table_schema = 'public' AND column_default LIKE 'nextval(%'"
)


def _restore_demo(url: str) -> None:
    names = [f'"{t.name}"' for t in SQLModel.metadata.sorted_tables]
    with get_engine(url).begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # no FK checks
        conn.execute(text(f"TRUNCATE {', '.join(names)}"))
        for name in names:
            conn.execute(text(f"INSERT INTO {name} SELECT * FROM {PRISTINE}.{name}"))
        # the next ids continue after the restored rows, as in a copied file
        for table, column in conn.execute(SERIALS).all():
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence(:t, :c), "
                    f'COALESCE(MAX("{column}"), 0) + 1, false) FROM "{table}"'
                ),
                {"t": f'"{table}"', "c": column},
            )


@pytest.fixture
def demo_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A private copy of the demo database, and DATABASE_URL pointing at it (for the app)."""
    if ON_PG:
        url = request.getfixturevalue("pg_demo_url")
        _restore_demo(url)
    else:
        path = tmp_path / "demo.db"
        shutil.copy(request.getfixturevalue("demo_template"), path)
        url = f"sqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("VIRAGE_ENV", raising=False)
    monkeypatch.delenv("VIRAGE_MIN_GROUP_SIZE", raising=False)
    yield url
    _dispose(url)
