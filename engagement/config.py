"""One settings object, read from the environment and documented in the README."""

from __future__ import annotations

import os
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
        "only; refused together with VIRAGE_SECRET_KEY_FILE. Never put it in the env file that "
        "holds DATABASE_URL.",
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
)
# Roles an identity provider's claim may add: a manager also needs the departments they
# manage, which only a grant (CLI or Roles page) records.
MAPPABLE_ROLES: tuple[Role, ...] = (Role.HR, Role.LEADER, Role.ADMIN)


@dataclass(frozen=True)
class Settings:
    """The validated configuration of one process."""

    database_url: str
    env: Env
    min_group_size: int
    secret_key: str = field(repr=False, default="")
    role_claim: str = ""  # the ID-token claim that lists groups, "" when roles are not mapped
    role_map: tuple[tuple[str, Role], ...] = ()  # (claim value, role) pairs

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
    path.parent.mkdir(parents=True, exist_ok=True)
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
    claim = env.get("VIRAGE_ROLE_CLAIM", "").strip()
    return Settings(
        database_url=database_url,
        env=mode,
        min_group_size=k,
        secret_key=secret,
        role_claim=claim,
        role_map=_role_map(claim, env.get("VIRAGE_ROLE_MAP", "").strip()),
    )


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
