"""One settings object, read from the environment and documented in the README."""

from __future__ import annotations

import math
import os
import string
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from engagement import PROJECT_DIR
from engagement.authz import Role
from engagement.errors import ConfigurationError
from engagement.i18n import _
from engagement.secret_key import read_secret

MIN_GROUP_SIZE_FLOOR = 3


class Env(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


@dataclass(frozen=True)
class Setting:
    """A documented environment variable: its name, default and meaning."""

    name: str
    default: str
    help: str


# The README's configuration table must list every one of these (a test checks it).
SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATABASE_URL",
        "sqlite:///data/virage.db",
        "SQLAlchemy URL of the database. A relative SQLite path is taken from the project "
        "folder and its folder is created. Use postgresql+psycopg://user@host/db for PostgreSQL.",
    ),
    Setting(
        "VIRAGE_ENV",
        "development",
        "`development` or `production`. Production has no demo sign-in and refuses unsafe "
        "settings.",
    ),
    Setting(
        "VIRAGE_MIN_GROUP_SIZE",
        "5",
        "Minimum number of respondents behind any figure shown (k). Refused below 3.",
    ),
    Setting(
        "VIRAGE_SECRET_KEY_FILE",
        ".virage/secret.key",
        "File holding the anonymity secret (at least 32 random characters, readable by the "
        "portal's account only): it turns (person, wave) into the participation token and "
        "encrypts answers while they wait in the pool. Never in the database's folder nor in "
        "the env file that holds DATABASE_URL; with systemd, a LoadCredential= credential "
        "(`%d/virage-secret-key`). The same on every replica, never changed. Development creates "
        "the file when it is missing; production requires it.",
    ),
    Setting(
        "VIRAGE_SECRET_KEY",
        "",
        "The same secret as a variable, for platforms that inject secrets into the environment "
        "only; refused together with VIRAGE_SECRET_KEY_FILE. A value that is set must be "
        "strong: at least 32 characters and about 128 bits of estimated entropy. Never put it "
        "in the env file that holds DATABASE_URL.",
    ),
    Setting(
        "VIRAGE_ROLE_CLAIM",
        "",
        "Optional. The claim of the identity provider's ID token that lists a person's groups "
        "or app roles (for example `groups` or `roles`; a dotted path such as "
        "`realm_access.roles` reaches into a nested claim). Used with VIRAGE_ROLE_MAP.",
    ),
    Setting(
        "VIRAGE_ROLE_MAP",
        "",
        "Optional. Which claim values give which role, as VALUE=ROLE pairs separated by commas "
        "(semicolons when the values contain commas), for example "
        "`virage-hr=hr,virage-leaders=leader,virage-admins=admin`. The roles are added for the "
        "session only, never stored; `manager` cannot be mapped (managers need departments).",
    ),
    Setting(
        "VIRAGE_DB_CONNECT_TIMEOUT",
        "10",
        "Seconds to wait for the database to accept a connection (PostgreSQL's connect_timeout) "
        "before saying it cannot be reached.",
    ),
    Setting(
        "VIRAGE_DB_STATEMENT_TIMEOUT",
        "30",
        "Seconds one statement may run on PostgreSQL (statement_timeout) before it is cancelled "
        "and the action is refused with a clear message. 0 turns it off.",
    ),
    Setting(
        "VIRAGE_DB_LOCK_TIMEOUT",
        "10",
        "Seconds to wait for a lock held by another writer: PostgreSQL's lock_timeout, SQLite's "
        "busy timeout. Then the action is refused with a clear message.",
    ),
)
SECRET_MIN_LENGTH = 32
SECRET_MIN_BITS = 128
GENERATE_SECRET_COMMAND = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'
# Roles an identity provider's claim may add: a manager also needs the departments they
# manage, which only a grant (CLI or Roles page) records.
MAPPABLE_ROLES: tuple[Role, ...] = (Role.HR, Role.LEADER, Role.ADMIN)


@dataclass(frozen=True)
class DatabaseTimeouts:
    """How long Virage waits for the database, in seconds (0: no statement timeout)."""

    connect: int = 10
    statement: int = 30
    lock: int = 10


@dataclass(frozen=True)
class Settings:
    """The validated configuration of one process."""

    database_url: str
    env: Env
    min_group_size: int
    secret_key: str = field(repr=False, default="")
    role_claim: str = ""  # the ID-token claim that lists groups, "" when roles are not mapped
    role_map: tuple[tuple[str, Role], ...] = ()  # (claim value, role) pairs
    timeouts: DatabaseTimeouts = DatabaseTimeouts()

    @property
    def is_production(self) -> bool:
        return self.env is Env.PRODUCTION


def _default(name: str) -> str:
    return next(s.default for s in SETTINGS if s.name == name)


def _sqlite_url(url: str) -> str:
    """Make a relative SQLite path absolute (under the project) and create its folder."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == "sqlite:///:memory:":
        return url
    path = Path(url[len(prefix) :])
    if not path.is_absolute():
        path = PROJECT_DIR / path
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # answers are not for every user
    return prefix + str(path)


def _sqlite_path(url: str) -> Path | None:
    """The database file of an SQLite URL (None for another database or in memory)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == "sqlite:///:memory:":
        return None
    return Path(url[len(prefix) :])


def load_settings(environ: os._Environ[str] | dict[str, str] | None = None) -> Settings:
    """Read and validate the settings; raise ConfigurationError with what to fix."""
    env = os.environ if environ is None else environ
    raw_env = env.get("VIRAGE_ENV", _default("VIRAGE_ENV")).strip().lower()
    try:
        mode = Env(raw_env)
    except ValueError:
        raise ConfigurationError(
            _("VIRAGE_ENV must be “development” or “production”, not “{value}”.").format(
                value=raw_env
            )
        ) from None
    raw_k = env.get("VIRAGE_MIN_GROUP_SIZE", _default("VIRAGE_MIN_GROUP_SIZE")).strip()
    try:
        k = int(raw_k)
    except ValueError:
        raise ConfigurationError(
            _("VIRAGE_MIN_GROUP_SIZE must be a whole number, not “{value}”.").format(value=raw_k)
        ) from None
    if k < MIN_GROUP_SIZE_FLOOR:
        raise ConfigurationError(
            _("VIRAGE_MIN_GROUP_SIZE is {value}; it may not be below {floor}.").format(
                value=k, floor=MIN_GROUP_SIZE_FLOOR
            )
        )
    url = env.get("DATABASE_URL", "").strip() or _default("DATABASE_URL")
    database_url = _sqlite_url(url)
    secret = read_secret(
        env, production=mode is Env.PRODUCTION, database_path=_sqlite_path(database_url)
    )
    if problem := secret_strength_problem(secret):
        if env.get("VIRAGE_SECRET_KEY", "").strip():
            raise ConfigurationError(_("VIRAGE_SECRET_KEY {problem}").format(problem=problem))
        raise ConfigurationError(
            _("The secret key file (VIRAGE_SECRET_KEY_FILE) {problem}").format(problem=problem)
        )
    claim = env.get("VIRAGE_ROLE_CLAIM", "").strip()
    return Settings(
        database_url=database_url,
        env=mode,
        min_group_size=k,
        secret_key=secret,
        role_claim=claim,
        role_map=_role_map(claim, env.get("VIRAGE_ROLE_MAP", "").strip()),
        timeouts=_timeouts(env),
    )


def _seconds(env: os._Environ[str] | dict[str, str], name: str, *, least: int) -> int:
    raw = env.get(name, "").strip() or _default(name)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(
            _("{name} must be a whole number of seconds, not “{value}”.").format(
                name=name, value=raw
            )
        ) from None
    if not least <= value <= 3600:
        raise ConfigurationError(
            _("{name} is {value}; use between {least} and 3600 seconds.").format(
                name=name, value=value, least=least
            )
        )
    return value


def _timeouts(env: os._Environ[str] | dict[str, str]) -> DatabaseTimeouts:
    return DatabaseTimeouts(
        connect=_seconds(env, "VIRAGE_DB_CONNECT_TIMEOUT", least=1),
        statement=_seconds(env, "VIRAGE_DB_STATEMENT_TIMEOUT", least=0),
        lock=_seconds(env, "VIRAGE_DB_LOCK_TIMEOUT", least=1),
    )


def secret_strength_problem(value: str) -> str | None:
    """What makes a secret weak (to follow its name in a sentence), or None when it is strong:
    at least 32 characters and about 128 bits of estimated entropy."""
    secret = value.strip()
    how = _("generate one with `{command}`.").format(command=GENERATE_SECRET_COMMAND)
    if len(secret) < SECRET_MIN_LENGTH:
        return _(
            "is too short ({length} characters): use at least {n} random characters; {how}"
        ).format(length=len(secret), n=SECRET_MIN_LENGTH, how=how)
    bits = estimated_secret_bits(secret)
    if bits < SECRET_MIN_BITS:
        return _(
            "is too predictable (about {bits} bits of entropy, at least {n} needed: repeated, "
            "sequential or few distinct characters); {how}"
        ).format(bits=int(bits), n=SECRET_MIN_BITS, how=how)
    return None


def estimated_secret_bits(secret: str) -> float:
    """A cautious estimate of a secret's entropy in bits: its characters after repeats, runs
    ("abcd", "1111") and a repeated pattern are discounted, times the bits of the smallest
    character set they come from, never more than the distinct characters allow."""
    # a secret that repeats a pattern ("Kx9Kx9…") is worth its pattern only
    period = next(
        p
        for p in range(1, len(secret) + 1)
        if all(secret[i] == secret[i - p] for i in range(p, len(secret)))
    )
    pattern = secret[:period]
    surprising, step = 0, None
    for i, char in enumerate(pattern):
        delta = ord(char) - ord(pattern[i - 1]) if i else None
        # a character that repeats the last one or continues a run ("abc", "9876") adds nothing
        if delta is None or not (delta == 0 or (delta == step and abs(delta) <= 2)):
            surprising += 1
        step = delta
    return surprising * min(math.log2(_character_pool(pattern)), math.log2(len(set(pattern))) + 1)


def _character_pool(text: str) -> int:
    if all(c in "0123456789abcdef" for c in text) or all(c in "0123456789ABCDEF" for c in text):
        return 16
    pools = (
        (string.digits, 10),
        (string.ascii_lowercase, 26),
        (string.ascii_uppercase, 26),
        (string.punctuation + " ", 33),
    )
    size = sum(n for chars, n in pools if any(c in chars for c in text))
    return size + (100 if any(not c.isascii() for c in text) else 0)


def _role_map(claim: str, raw: str) -> tuple[tuple[str, Role], ...]:
    """Parse VIRAGE_ROLE_MAP ("virage-hr=hr,virage-admins=admin"); refuse what would not work."""
    if not claim and not raw:
        return ()
    if not claim:
        raise ConfigurationError(
            _(
                "VIRAGE_ROLE_MAP is set but VIRAGE_ROLE_CLAIM is not: name the claim of the "
                "ID token that lists the groups, for example “groups”."
            )
        )
    if not raw:
        raise ConfigurationError(
            _(
                "VIRAGE_ROLE_CLAIM is set but VIRAGE_ROLE_MAP is empty: list which claim values "
                "give which role, for example “virage-hr=hr,virage-admins=admin”."
            )
        )
    # LDAP-style group names hold commas ("CN=Virage HR,OU=Groups"): then entries use ";"
    separator = ";" if ";" in raw else ","
    pairs = [_role_pair(entry.strip()) for entry in raw.split(separator) if entry.strip()]
    if not pairs:
        raise ConfigurationError(
            _("VIRAGE_ROLE_MAP holds no VALUE=ROLE pair, for example “virage-hr=hr”.")
        )
    return tuple(pairs)


def _role_pair(entry: str) -> tuple[str, Role]:
    # the role is after the last "=": group names may hold "=" themselves
    value, equals, role_text = (part.strip() for part in entry.rpartition("="))
    if not equals or not value or not role_text:
        raise ConfigurationError(
            _(
                "VIRAGE_ROLE_MAP entry “{entry}” is not VALUE=ROLE, for example “virage-hr=hr”."
            ).format(entry=entry)
        )
    if role_text.lower() == Role.MANAGER.value:
        raise ConfigurationError(
            _(
                "VIRAGE_ROLE_MAP entry “{entry}” cannot give the role manager: a manager needs "
                "the departments they manage. Grant it with “python -m engagement roles grant "
                "EMAIL manager --department …” or on the Roles page."
            ).format(entry=entry)
        )
    role = next((r for r in MAPPABLE_ROLES if r.value == role_text.lower()), None)
    if role is None:
        raise ConfigurationError(
            _("VIRAGE_ROLE_MAP entry “{entry}”: unknown role “{role}”; use {choices}.").format(
                entry=entry, role=role_text, choices=", ".join(r.value for r in MAPPABLE_ROLES)
            )
        )
    return value, role
