"""The one settings object: defaults, refusals, and the README table."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest

from engagement.authz import Role
from engagement.config import (
    GENERATE_SECRET_COMMAND,
    SETTINGS,
    Env,
    Setting,
    load_settings,
    secret_strength_problem,
)
from engagement.errors import ConfigurationError

README = Path(__file__).resolve().parent.parent / "README.md"


def test_defaults_are_development_sqlite_under_data_and_k5(tmp_path: Path) -> None:
    settings = load_settings({})
    assert settings.env is Env.DEVELOPMENT
    assert settings.min_group_size == 5
    assert settings.database_url.startswith("sqlite:////")
    assert settings.database_url.endswith("/data/virage.db")
    assert Path(settings.database_url.removeprefix("sqlite:///")).parent.is_dir()


def test_relative_sqlite_path_is_made_absolute_and_its_folder_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/nested/deeper/app.db"
    assert load_settings({"DATABASE_URL": url}).database_url == url
    assert (tmp_path / "nested" / "deeper").is_dir()


def test_postgres_url_is_kept_as_given() -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/virage"
    assert load_settings({"DATABASE_URL": url}).database_url == url


STRONG = secrets.token_urlsafe(32)


@pytest.mark.parametrize("value", ["production", " PRODUCTION "])
def test_production_mode(value: str) -> None:
    assert load_settings({"VIRAGE_ENV": value, "VIRAGE_SECRET_KEY": STRONG}).is_production


def test_production_requires_a_strong_secret_key() -> None:
    with pytest.raises(ConfigurationError, match="Set VIRAGE_SECRET_KEY"):
        load_settings({"VIRAGE_ENV": "production"})
    with pytest.raises(ConfigurationError, match="too short"):
        load_settings({"VIRAGE_ENV": "production", "VIRAGE_SECRET_KEY": "short"})
    assert load_settings({"VIRAGE_SECRET_KEY": STRONG}).secret_key == STRONG


WEAK_SECRETS = [
    pytest.param("k" * 32, id="32 identical characters"),
    pytest.param("ab" * 20, id="two characters repeated"),
    pytest.param("Kx9#" * 10, id="a short pattern repeated"),
    pytest.param("abcdefghijklmnopqrstuvwxyzABCDEF", id="the alphabet in order"),
    pytest.param("0123456789" * 4, id="digits in order"),
    pytest.param("abcd" * 3 + "dcba" * 3 + "badc" * 3, id="four characters shuffled"),
    # 128 bits exactly; any repeat or run (in nine of ten such keys) puts the estimate under
    pytest.param("486980e7f269aaa8e5ad180b77f060fe", id="32 hexadecimal characters"),
]
STRONG_SECRETS = [
    pytest.param(secrets.token_urlsafe(32), id="token_urlsafe(32)"),
    pytest.param(secrets.token_urlsafe(48), id="token_urlsafe(48)"),
    pytest.param(secrets.token_hex(32), id="token_hex(32)"),
    pytest.param("a-long-enough-secret-for-production-use", id="a long phrase"),
]


@pytest.mark.parametrize("value", WEAK_SECRETS)
def test_a_weak_secret_is_refused_with_how_to_make_one(value: str) -> None:
    problem = secret_strength_problem(value)
    assert problem is not None and "too predictable" in problem
    assert GENERATE_SECRET_COMMAND in problem
    with pytest.raises(ConfigurationError, match="VIRAGE_SECRET_KEY is too predictable"):
        load_settings({"VIRAGE_ENV": "production", "VIRAGE_SECRET_KEY": value})


@pytest.mark.parametrize("value", STRONG_SECRETS)
def test_a_random_secret_passes(value: str) -> None:
    assert secret_strength_problem(value) is None
    assert (
        load_settings({"VIRAGE_ENV": "production", "VIRAGE_SECRET_KEY": value}).secret_key == value
    )


def test_random_secrets_made_as_the_readme_says_always_pass() -> None:
    # the estimate is cautious: it must still never refuse what the documented command makes
    assert all(secret_strength_problem(secrets.token_urlsafe(32)) is None for _ in range(2000))


def test_a_short_secret_says_its_length_and_how_to_make_one() -> None:
    problem = secret_strength_problem("short")
    assert problem is not None and "too short (5 characters)" in problem
    assert GENERATE_SECRET_COMMAND in problem


def test_development_keeps_one_secret_outside_the_database() -> None:
    first, second = load_settings({}).secret_key, load_settings({}).secret_key
    assert first == second and len(first) >= 32
    assert "secret" not in repr(load_settings({}))


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"VIRAGE_ENV": "staging"}, "VIRAGE_ENV"),
        ({"VIRAGE_MIN_GROUP_SIZE": "2"}, "below 3"),
        ({"VIRAGE_MIN_GROUP_SIZE": "0"}, "below 3"),
        ({"VIRAGE_MIN_GROUP_SIZE": "five"}, "whole number"),
    ],
)
def test_unsafe_or_malformed_settings_are_refused_with_what_to_fix(
    env: dict[str, str], needle: str
) -> None:
    with pytest.raises(ConfigurationError, match=needle):
        load_settings(env)


def test_min_group_size_of_three_is_allowed() -> None:
    assert load_settings({"VIRAGE_MIN_GROUP_SIZE": "3"}).min_group_size == 3


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_in_the_readme_table_with_its_default(setting: Setting) -> None:
    text = README.read_text(encoding="utf-8")
    name = setting.name
    default = setting.default
    row = next((line for line in text.splitlines() if re.match(rf"\|\s*`{name}`\s*\|", line)), None)
    assert row is not None, f"{name} is missing from the README configuration table"
    stated = f"`{default}`" if default else "*(not set)*"  # an empty code span reads badly
    assert stated in row, f"the README row of {name} does not state its default {stated}"


MAP = "virage-hr=hr, virage-leaders=Leader ,virage-admins=admin"


def test_role_claim_and_map_are_off_by_default() -> None:
    settings = load_settings({})
    assert settings.role_claim == "" and settings.role_map == ()


def test_role_map_pairs_claim_values_with_roles() -> None:
    settings = load_settings({"VIRAGE_ROLE_CLAIM": " groups ", "VIRAGE_ROLE_MAP": MAP})
    assert settings.role_claim == "groups"
    assert settings.role_map == (
        ("virage-hr", Role.HR),
        ("virage-leaders", Role.LEADER),
        ("virage-admins", Role.ADMIN),
    )


def test_role_map_takes_semicolons_when_group_names_hold_commas() -> None:
    raw = "CN=Virage HR,OU=Groups,DC=corp=hr; CN=Virage Admins,OU=Groups,DC=corp=admin"
    settings = load_settings({"VIRAGE_ROLE_CLAIM": "groups", "VIRAGE_ROLE_MAP": raw})
    assert settings.role_map == (
        ("CN=Virage HR,OU=Groups,DC=corp", Role.HR),
        ("CN=Virage Admins,OU=Groups,DC=corp", Role.ADMIN),
    )


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"VIRAGE_ROLE_MAP": MAP}, "VIRAGE_ROLE_CLAIM is not"),
        ({"VIRAGE_ROLE_CLAIM": "groups"}, "VIRAGE_ROLE_MAP is empty"),
        ({"VIRAGE_ROLE_CLAIM": "groups", "VIRAGE_ROLE_MAP": " , ,"}, "holds no VALUE=ROLE"),
        ({"VIRAGE_ROLE_CLAIM": "groups", "VIRAGE_ROLE_MAP": "virage-hr"}, "“virage-hr” is not"),
        ({"VIRAGE_ROLE_CLAIM": "groups", "VIRAGE_ROLE_MAP": "=hr"}, "“=hr” is not VALUE=ROLE"),
        ({"VIRAGE_ROLE_CLAIM": "groups", "VIRAGE_ROLE_MAP": "x=boss"}, "unknown role “boss”"),
        ({"VIRAGE_ROLE_CLAIM": "groups", "VIRAGE_ROLE_MAP": "x=employee"}, "use hr, leader"),
        ({"VIRAGE_ROLE_CLAIM": "groups", "VIRAGE_ROLE_MAP": "x=manager"}, "--department"),
    ],
)
def test_a_role_map_that_would_not_work_is_refused_with_what_to_fix(
    env: dict[str, str], needle: str
) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(needle)):
        load_settings(env)
