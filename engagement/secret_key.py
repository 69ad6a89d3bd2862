"""The anonymity secret: read from its own file or variable, never from beside the database.

Whoever holds the secret and the database can recompute participation tokens and, while
items wait in the pool, decrypt them (README "Threat model"). So the secret must not travel
with the data: not in `data/` (a copy of the folder taken while the portal runs would carry
both), not in the env file that holds DATABASE_URL (deploy/env.example), and not readable by
every account on the machine. In production it comes from VIRAGE_SECRET_KEY_FILE — with
systemd, a credential (`LoadCredential=`, deploy/virage@.service) — or VIRAGE_SECRET_KEY.

Development keeps a random one in `.virage/secret.key` beside the project: per clone like the
demo database, ignored by git, outside `data/`. (A user-wide config folder would be shared by
every clone and survive deleting the project — a key that outlives what it protects.) It is
created by exactly one process when several start at once: each writes a private temporary
file and hard-links it into place, which fails for all but the first, so no reader ever sees
a half-written key.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from engagement import PROJECT_DIR
from engagement.errors import ConfigurationError
from engagement.i18n import _

SECRET_MIN_LENGTH = 32
DEVELOPMENT_KEY = Path(".virage") / "secret.key"
# where development kept it before: moved out of data/ on first use, so tokens stay valid
_OLD_DEVELOPMENT_KEY = Path("data") / "secret.key"


def read_secret(
    environ: os._Environ[str] | dict[str, str],
    *,
    production: bool,
    database_path: Path | None,
) -> str:
    """The secret from VIRAGE_SECRET_KEY_FILE or VIRAGE_SECRET_KEY (development: made on first
    use); ConfigurationError with what to do when it is missing, short, exposed or misplaced."""
    variable = environ.get("VIRAGE_SECRET_KEY", "").strip()
    file_name = environ.get("VIRAGE_SECRET_KEY_FILE", "").strip()
    if variable and file_name:
        raise ConfigurationError(
            _(
                "Both VIRAGE_SECRET_KEY and VIRAGE_SECRET_KEY_FILE are set: keep only "
                "VIRAGE_SECRET_KEY_FILE, so that the secret is not in the environment."
            )
        )
    if variable:
        return _checked(variable, "VIRAGE_SECRET_KEY")
    if not file_name and production:
        raise ConfigurationError(
            _(
                "Set VIRAGE_SECRET_KEY_FILE to a file holding the secret (at least {n} random "
                "characters, readable by the portal only) — with systemd, a LoadCredential= "
                "credential (see deploy/virage@.service)."
            ).format(n=SECRET_MIN_LENGTH)
        )
    path = Path(file_name) if file_name else PROJECT_DIR / DEVELOPMENT_KEY
    if not path.is_absolute():
        path = PROJECT_DIR / path
    if database_path is not None and path.parent.resolve() == database_path.parent.resolve():
        raise ConfigurationError(
            _(
                "The secret key file {path} is in the database's folder: a copy of that folder "
                "would carry both. Move it elsewhere and point VIRAGE_SECRET_KEY_FILE at it."
            ).format(path=path)
        )
    if not path.exists():
        if production:
            raise ConfigurationError(
                _(
                    "VIRAGE_SECRET_KEY_FILE names {path}, which does not exist. Create it with "
                    'at least {n} random characters (python -c "import secrets; '
                    'print(secrets.token_urlsafe(48))"), readable by the portal only.'
                ).format(path=path, n=SECRET_MIN_LENGTH)
            )
        _create_once(path, old=None if file_name else PROJECT_DIR / _OLD_DEVELOPMENT_KEY)
    return _read(path)


def _read(path: Path) -> str:
    mode = path.stat().st_mode
    if mode & (stat.S_IROTH | stat.S_IWOTH):
        raise ConfigurationError(
            _(
                "The secret key file {path} can be read or changed by every account on this "
                "machine. Run “chmod 600 {path}” (owned by the account running the portal)."
            ).format(path=path)
        )
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        raise ConfigurationError(
            _(
                "The secret key file {path} cannot be read as text by this account: give it "
                "to the account running the portal, mode 600."
            ).format(path=path)
        ) from None
    return _checked(text, str(path))


def _checked(secret: str, source: str) -> str:
    if not secret:
        raise ConfigurationError(
            _(
                "The secret key in {source} is empty: put at least {n} random characters in it."
            ).format(source=source, n=SECRET_MIN_LENGTH)
        )
    if len(secret) < SECRET_MIN_LENGTH:
        raise ConfigurationError(
            _(
                "The secret key in {source} is too short: use at least {n} random characters "
                '(python -c "import secrets; print(secrets.token_urlsafe(48))").'
            ).format(source=source, n=SECRET_MIN_LENGTH)
        )
    return secret


def _create_once(path: Path, *, old: Path | None) -> None:
    """Put a new random key (or the old development key) at `path`, mode 0600, atomically:
    when several processes race, the first link wins and the others read its key."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if old is not None and old.exists():
        content = old.read_text(encoding="utf-8").strip()
    else:
        content = secrets.token_urlsafe(48)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(content + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return  # another process won; its key is complete (a link is atomic)
    finally:
        temporary.unlink(missing_ok=True)
    if old is not None and old.exists() and _read(path) == content:
        old.unlink(missing_ok=True)  # the key no longer sits beside the database
