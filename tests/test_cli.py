"""`python -m engagement`: commands, help, one-line errors and exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engagement.cli import main

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("LANG", "en_CA.UTF-8")
    return sqlite_url


def test_init_demo_and_roles_round_trip(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    assert main(["demo", "--employees", "120", "--seed", "3"]) == 0
    assert "120 people" in capsys.readouterr().out
    assert main(["demo", "--if-empty"]) == 0
    assert "already holds a company" in capsys.readouterr().out

    assert main(["roles", "list"]) == 0
    listing = capsys.readouterr().out
    someone = next(line.split("\t")[0] for line in listing.splitlines() if "\tLeader\t" in line)
    assert main(["roles", "grant", someone.upper(), "manager", "--department", "Finance"]) == 0
    assert "now holds the role Manager" in capsys.readouterr().out
    assert main(["roles", "list", someone]) == 0
    assert "Finance" in capsys.readouterr().out
    assert main(["roles", "revoke", someone, "manager", "--department", "Finance"]) == 0


@pytest.mark.parametrize(
    ("argv", "code", "needle"),
    [
        (["demo"], 1, "already holds a company"),
        (["demo", "--employees", "5"], 1, "between 60 and 20000"),
        (["roles", "grant", "nobody@nowhere.test", "hr"], 1, "nobody@nowhere.test"),
        (["roles", "grant", "x@y.z", "overlord"], 1, "Unknown role"),
        (["roles", "grant", "x@y.z"], 2, "required: role"),
        (["roles", "grant", "x@y.z", "manager", "--department", "Atlantis"], 1, "Atlantis"),
        (["bogus"], 2, "invalid choice"),
    ],
)
def test_bad_input_gives_one_line_and_non_zero_exit(
    db: str, capsys: pytest.CaptureFixture[str], argv: list[str], code: int, needle: str
) -> None:
    main(["demo", "--employees", "60"])
    capsys.readouterr()
    if code == 2:
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == code
    else:
        assert main(argv) == code
    err = capsys.readouterr().err.strip()
    assert needle in err
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["init"],
        ["demo"],
        ["roles"],
        ["roles", "grant"],
        ["roles", "revoke"],
        ["roles", "list"],
        ["tick"],
        ["report"],
        ["report", "heatmap"],
        ["import-people"],
    ],
)
def test_every_command_has_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--help"])
    assert exc.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_unsafe_setting_is_refused_with_one_line(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VIRAGE_MIN_GROUP_SIZE", "2")
    assert main(["init"]) == 3  # a configuration error has its own exit status
    assert "may not be below 3" in capsys.readouterr().err


def test_runs_as_a_module_in_french(sqlite_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": sqlite_url, "LANG": "fr_CA.UTF-8"}
    env.pop("LC_ALL", None)
    done = subprocess.run(
        [sys.executable, "-m", "engagement", "roles", "grant", "nobody@nowhere.test", "hr"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("Erreur")
    assert "nobody@nowhere.test" in done.stderr


def test_report_heatmap_and_tick(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    import csv
    import io
    import json

    from sqlmodel import Session

    from engagement.authz import Role
    from engagement.db import get_engine
    from engagement.services import directory, reports

    assert main(["demo", "--employees", "120"]) == 0
    capsys.readouterr()
    assert main(["tick"]) == 0
    assert "Opened 0 waves." in capsys.readouterr().out  # the demo's current wave is open
    assert main(["report", "heatmap"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert list(table[0]) == list(reports.HEATMAP_COLUMNS)
    assert table[0]["department"] == "Company" and float(table[0]["participation_pct"]) > 30
    hidden = [r for r in table if r["hidden_reason"]]
    assert hidden and all(r["respondents"] == "" and r["adoption_index"] == "" for r in hidden)

    with Session(get_engine(db)) as s:
        people = {p.role: p for p in directory.demo_personas(session=s)}
    assert main(["report", "heatmap", "--as", people[Role.MANAGER].email, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rows[0]["department"] == "Company" and 1 < len(rows) < len(table)

    assert main(["report", "heatmap", "--as", people[Role.EMPLOYEE].email]) == 1
    assert "needs the role" in capsys.readouterr().err
    assert main(["report", "heatmap", "--market", "Atlantis"]) == 1
    assert "Atlantis" in capsys.readouterr().err


def test_report_heatmap_takes_a_market_by_its_name_in_either_language(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    assert main(["demo", "--employees", "120"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("LANG", "en_CA.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    assert main(["report", "heatmap", "--market", " QUART de nuit ", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["market"] == "Night shift"
    # the report names the market in the language it is printed in
    monkeypatch.setenv("LANG", "fr_CA.UTF-8")
    assert main(["report", "heatmap", "--market", "night shift", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["market"] == "Quart de nuit"
    assert main(["report", "heatmap", "--wave", "soon"]) == 1
    assert "--wave" in capsys.readouterr().err
