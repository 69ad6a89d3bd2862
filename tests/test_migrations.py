"""Alembic: the migrations build exactly the models' schema, forwards and back."""

from __future__ import annotations

from alembic import command
from alembic.util.exc import CommandError
from sqlalchemy import inspect
from sqlmodel import SQLModel

from engagement.db import alembic_config, get_engine, migrate


def test_no_drift_between_models_and_migrations(database_url: str) -> None:
    cfg = alembic_config(database_url)
    command.check(cfg)  # raises when autogenerate would produce operations


def test_every_table_exists_after_upgrade(database_url: str) -> None:
    tables = set(inspect(get_engine(database_url)).get_table_names())
    assert {t.name for t in SQLModel.metadata.sorted_tables} <= tables


def test_downgrade_to_base_and_up_again(sqlite_url: str) -> None:
    cfg = alembic_config(sqlite_url)
    command.downgrade(cfg, "base")
    assert "employee" not in inspect(get_engine(sqlite_url)).get_table_names()
    migrate(sqlite_url)
    migrate(sqlite_url)  # idempotent
    assert "employee" in inspect(get_engine(sqlite_url)).get_table_names()


def test_check_detects_drift(sqlite_url: str) -> None:
    """Guard the guard: a database behind the models makes `check` fail."""
    cfg = alembic_config(sqlite_url)
    command.downgrade(cfg, "base")
    try:
        command.check(cfg)
    except CommandError:
        return
    raise AssertionError("alembic check did not notice a missing schema")
