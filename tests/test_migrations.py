"""Alembic: the migrations build exactly the models' schema, forwards and back."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.util.exc import CommandError
from sqlalchemy import JSON, Boolean, Date, DateTime, column, insert, inspect, table, text
from sqlmodel import Session, SQLModel, select

from engagement.db import alembic_config, get_engine, migrate, unit_of_work
from engagement.downgrades import DowngradeRefused
from engagement.models import Employee, Market, Pulse
from engagement.services import audit


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


def test_0010_gives_existing_markets_and_pulses_their_name_in_english(sqlite_url: str) -> None:
    """Everything written before names and descriptions per language was English: it becomes
    the English name and description."""
    cfg = alembic_config(sqlite_url)
    command.downgrade(cfg, "0009")
    now = datetime.now(UTC)
    market = table(
        "market",
        *(column(c) for c in ("name", "description", "created_by")),
        column("rules", JSON()),
        column("created_at", DateTime()),
        column("updated_at", DateTime()),
    )
    pulse = table(
        "pulse",
        *(column(c) for c in ("name", "cadence", "open_days", "created_by")),
        column("start_date", Date()),
        column("item_ids", JSON()),
        column("custom_items", JSON()),
        column("allow_comment", Boolean()),
        column("active", Boolean()),
        column("created_at", DateTime()),
    )
    with get_engine(sqlite_url).begin() as conn:
        conn.execute(
            insert(market),
            [
                {"name": name, "description": description, "created_by": "hr", "rules": {}}
                | {"created_at": now, "updated_at": now}
                for name, description in (("Front line", "Serves customers"), ("Night shift", ""))
            ],
        )
        conn.execute(
            insert(pulse),
            {
                "name": "Weekly change pulse",
                "cadence": "weekly",
                "open_days": 5,
                "created_by": "hr",
                "start_date": date(2026, 11, 2),
                "item_ids": ["understand_mission"],
                "custom_items": [],
                "allow_comment": True,
                "active": True,
                "created_at": now,
            },
        )
    migrate(sqlite_url)
    with Session(get_engine(sqlite_url)) as s:
        assert sorted((m.name, m.names, m.descriptions) for m in s.exec(select(Market))) == [
            ("Front line", {"en": "Front line"}, {"en": "Serves customers"}),
            ("Night shift", {"en": "Night shift"}, {}),  # no description: none in any language
        ]
        [weekly] = s.exec(select(Pulse)).all()
        assert weekly.names == {"en": "Weekly change pulse"}
    # a row written without names (an older replica during a rolling upgrade) gets none, not NULL
    with get_engine(sqlite_url).begin() as conn:
        conn.execute(
            insert(market),
            {"name": "Plant", "description": "", "created_by": "hr", "rules": {}}
            | {"created_at": now, "updated_at": now},
        )
    with Session(get_engine(sqlite_url)) as s:
        plant = s.exec(select(Market).where(Market.name == "Plant")).one()
        assert (plant.names, plant.descriptions) == ({}, {})
        # descriptions written since, in one language or both
        for name, texts in (
            ("Front line", {"en": "Serves customers", "fr": "Sert la clientèle"}),
            ("Night shift", {"fr": "Le personnel de nuit"}),
        ):
            s.exec(select(Market).where(Market.name == name)).one().descriptions = texts
        s.commit()
    # and back: refused while a French description would be lost (nothing changes)...
    with pytest.raises(DowngradeRefused, match="below migration 0010 would delete names"):
        command.downgrade(cfg, "0009")
    assert "descriptions" in {
        c["name"] for c in inspect(get_engine(sqlite_url)).get_columns("market")
    }
    # ...and when forced: the columns go, the rows stay, each with its English description,
    # else French
    cfg.cmd_opts = argparse.Namespace(x=["drop_data=yes"])
    command.downgrade(cfg, "0009")
    columns = {c["name"] for c in inspect(get_engine(sqlite_url)).get_columns("market")}
    assert not {"names", "descriptions"} & columns
    with get_engine(sqlite_url).connect() as conn:
        assert sorted(conn.execute(select(market.c.name, market.c.description)).all()) == [
            ("Front line", "Serves customers"),
            ("Night shift", "Le personnel de nuit"),
            ("Plant", ""),
        ]
    migrate(sqlite_url)


def test_0013_stores_earlier_emails_in_the_form_sign_in_compares(database_url: str) -> None:
    """An old import only lower-cased: a full-width address takes the NFKC form, unless another
    person already holds that form (then it is left as it was, for an administrator to see)."""
    cfg = alembic_config(database_url)
    command.downgrade(cfg, "0010")
    department = table("department", column("id"), column("name"), column("kind"))
    employee = table(
        "employee",
        *(column(c) for c in ("external_id", "email", "name", "department_id")),
        column("customer_facing", Boolean()),
        column("active", Boolean()),
        column("extra", JSON()),
    )
    people = {
        "E1": "ｏｌｉｖｉｅｒ.roy@acme.test",  # full width: becomes olivier.roy@acme.test
        "E2": "ｋｅｖｉｎ@acme.test",  # its NFKC form is E3's: left as it was
        "E3": "kevin@acme.test",
        "E4": "zoé.gagnon@acme.test",  # already in the form
        "E5": None,
    }
    with get_engine(database_url).begin() as conn:
        conn.execute(insert(department), {"id": 1, "name": "Acme", "kind": "company"})
        conn.execute(
            insert(employee),
            [
                {"external_id": ext, "email": email, "name": ext, "department_id": 1}
                | {"customer_facing": False, "active": True, "extra": {}}
                for ext, email in people.items()
            ],
        )
    migrate(database_url)
    with Session(get_engine(database_url)) as s:
        stored = dict(s.exec(select(Employee.external_id, Employee.email)).all())
    assert stored == people | {"E1": "olivier.roy@acme.test"}


def test_a_downgrade_that_would_drop_rows_refuses_and_changes_nothing(sqlite_url: str) -> None:
    with unit_of_work(get_engine(sqlite_url)) as s:
        audit.record(s, actor="hr@x.test", action="role.grant", target="someone")
    cfg = alembic_config(sqlite_url)
    with pytest.raises(DowngradeRefused, match="would delete the rows of auditentry"):
        command.downgrade(cfg, "base")
    # 0010 and 0009 held nothing to lose and went; 0004 refused before changing anything,
    # and the audit entry is still there
    with get_engine(sqlite_url).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM auditentry")).scalar() == 1
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() >= "0004"
    migrate(sqlite_url)


def test_0011_upgrades_a_database_that_holds_answers(tmp_path: Path) -> None:
    """0011 copies the response and check-in tables (SQLite batch mode) while answers point
    at responses: with foreign keys on, that failed on any database holding an answer."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0010")
    with get_engine(url).begin() as conn:
        for sql in (
            "INSERT INTO department (id, name, kind) VALUES (1, 'Acme', 'company')",
            "INSERT INTO pulse (id, name, cadence, open_days, start_date, item_ids, custom_items,"
            " allow_comment, active, created_by, created_at) VALUES (1, 'P', 'weekly', 5,"
            " '2026-11-02', '[]', '[]', 1, 1, 'hr', '2026-11-01 00:00:00')",
            "INSERT INTO wave (id, pulse_id, number, opens_on, closes_on, invited)"
            " VALUES (1, 1, 1, '2026-11-02', '2026-11-06', 3)",
            "INSERT INTO response (id, department_id, customer_facing, people_manager, extra,"
            " wave_id, answered_on) VALUES ('r1', 1, 0, 0, '{}', 1, '2026-11-02')",
            "INSERT INTO answer (response_id, item_id, value) VALUES ('r1', 'tools_support', 4)",
        ):
            conn.exec_driver_sql(sql)
    migrate(url)
    with get_engine(url).connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM answer").scalar_one() == 1
        assert conn.exec_driver_sql("SELECT response_id FROM answer").scalar_one() == "r1"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1  # back on
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
