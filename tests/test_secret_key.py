"""The anonymity secret lives apart from the database: its own file, private, made once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engagement import PROJECT_DIR
from engagement.config import load_settings
from engagement.errors import ConfigurationError
from engagement.secret_key import DEVELOPMENT_KEY

MOVED = "Zr4Kt8WcPq1Lm6Nv0Xy3Bh7Dj2Gf5Sa9Ue_Io-RwTk"  # another token_urlsafe(32)
STRONG = "q7Vd2LwX9sKp4RzN0bTgY6hJmE3cUaF8iOx1WnBl5Qe"  # made with secrets.token_urlsafe(32)


def _key_file(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "keys" / "virage-secret-key"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def test_the_secret_comes_from_its_own_file(tmp_path: Path) -> None:
    path = _key_file(tmp_path, STRONG + "\n")
    settings = load_settings({"VIRAGE_ENV": "production", "VIRAGE_SECRET_KEY_FILE": str(path)})
    assert settings.secret_key == STRONG


@pytest.mark.parametrize(
    ("text", "mode", "needle"),
    [
        ("", 0o600, "is empty"),
        ("   \n", 0o400, "is empty"),
        ("short", 0o600, "too short"),
        (STRONG, 0o644, "chmod 600"),
        (STRONG, 0o606, "chmod 600"),
    ],
)
def test_an_empty_short_or_world_readable_key_file_is_refused_with_what_to_do(
    tmp_path: Path, text: str, mode: int, needle: str
) -> None:
    path = _key_file(tmp_path, text, mode)
    for env in ("production", "development"):
        with pytest.raises(ConfigurationError, match=needle):
            load_settings({"VIRAGE_ENV": env, "VIRAGE_SECRET_KEY_FILE": str(path)})


def test_production_never_creates_a_key_and_says_how_to_make_one(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "secret.key"
    with pytest.raises(ConfigurationError, match=r"does not exist.*token_urlsafe"):
        load_settings({"VIRAGE_ENV": "production", "VIRAGE_SECRET_KEY_FILE": str(missing)})
    assert not missing.exists()
    with pytest.raises(ConfigurationError, match="LoadCredential"):
        load_settings({"VIRAGE_ENV": "production"})


def test_a_key_in_the_databases_folder_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    path.write_text(STRONG, encoding="utf-8")
    path.chmod(0o600)
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/virage.db", "VIRAGE_SECRET_KEY_FILE": str(path)}
    with pytest.raises(ConfigurationError, match="database's folder"):
        load_settings(env)


def test_the_variable_and_the_file_together_are_refused(tmp_path: Path) -> None:
    path = _key_file(tmp_path, STRONG)
    with pytest.raises(ConfigurationError, match="keep only VIRAGE_SECRET_KEY_FILE"):
        load_settings({"VIRAGE_SECRET_KEY": STRONG, "VIRAGE_SECRET_KEY_FILE": str(path)})


def test_the_development_key_is_outside_data_private_and_stable() -> None:
    first = load_settings({}).secret_key
    path = PROJECT_DIR / DEVELOPMENT_KEY
    assert path.exists() and "data" not in path.relative_to(PROJECT_DIR).parts
    assert path.stat().st_mode & 0o777 == 0o600
    assert not (PROJECT_DIR / "data" / "secret.key").exists()
    assert load_settings({}).secret_key == first and len(first) >= 32


def test_an_old_development_key_in_data_is_moved_out_keeping_its_value(tmp_path: Path) -> None:
    # the default location is fixed under the project, so this runs on a copy of the layout
    script = f"""
import engagement, engagement.secret_key as sk
from pathlib import Path
root = Path({str(tmp_path)!r})
sk.PROJECT_DIR = root
(root / "data").mkdir()
(root / "data" / "secret.key").write_text({MOVED!r})
print(sk.read_secret({{}}, production=False, database_path=root / "data" / "virage.db"))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == MOVED
    assert not (tmp_path / "data" / "secret.key").exists()
    moved = tmp_path / DEVELOPMENT_KEY
    assert moved.read_text().strip() == MOVED and moved.stat().st_mode & 0o777 == 0o600


def test_six_processes_starting_at_once_share_one_key_made_by_one_of_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "fresh" / "secret.key"
    script = (
        "import sys, time; from engagement.config import load_settings; "
        "start = float(sys.argv[1]); time.sleep(max(0, start - time.time())); "
        f"print(load_settings({{'VIRAGE_SECRET_KEY_FILE': {str(path)!r}}}).secret_key)"
    )
    import time

    start = str(time.time() + 1.5)  # every process imports first, then they race
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, start],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(6)
    ]
    results = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _out, err in results]
    keys = {out.strip() for out, _err in results}
    assert len(keys) == 1 and len(keys.pop()) >= 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["secret.key"]  # no leftovers


def _unit_settings(unit: str) -> dict[str, str]:
    """Key=value pairs of a unit's EnvironmentFile and Environment= lines, %d left as is."""
    lines = (PROJECT_DIR / "deploy" / unit).read_text(encoding="utf-8").splitlines()
    found: dict[str, str] = {}
    for line in lines:
        if line.startswith("Environment="):
            name, _eq, value = line.removeprefix("Environment=").partition("=")
            found[name] = value
        if line.startswith("LoadCredential="):
            found["credential"] = line.removeprefix("LoadCredential=")
    return found


def _env_file() -> dict[str, str]:
    text = (PROJECT_DIR / "deploy" / "env.example").read_text(encoding="utf-8")
    pairs = (line.partition("=") for line in text.splitlines() if line and line[0] != "#")
    return {name: value for name, _eq, value in pairs}


@pytest.mark.parametrize("unit", ["virage@.service", "virage-migrate.service"])
def test_deployed_units_take_the_secret_as_a_credential_not_from_the_env_file(
    tmp_path: Path, unit: str
) -> None:
    env_file = _env_file()
    assert "DATABASE_URL" in env_file
    assert not {"VIRAGE_SECRET_KEY", "VIRAGE_SECRET_KEY_FILE"} & set(env_file)
    unit_env = _unit_settings(unit)
    name, _colon, source = unit_env["credential"].partition(":")
    assert source.startswith("/etc/virage/") and unit_env["VIRAGE_SECRET_KEY_FILE"] == (
        f"%d/{name}"
    )
    # the env file alone starts nothing in production; with the credential, it runs
    production = {**env_file, "DATABASE_URL": f"sqlite:///{tmp_path}/db/virage.db"}
    with pytest.raises(ConfigurationError, match="VIRAGE_SECRET_KEY_FILE"):
        load_settings(production)
    path = _key_file(tmp_path, STRONG, 0o400)  # what systemd copies into %d, mode 0400
    path = path.rename(path.with_name(name))
    assert load_settings({**production, "VIRAGE_SECRET_KEY_FILE": str(path)}).secret_key == STRONG
