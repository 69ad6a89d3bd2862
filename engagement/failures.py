"""One failure path: any error becomes one clear message, an exit status and a log entry.

Domain errors (`engagement.errors`) already say what to fix. Infrastructure errors — the
database unreachable, slow, locked, gone mid-action — and anything unexpected are named
here by kind, told in the reader's language with what to do, and logged under an error id
that the message shows. The log entry holds kinds, exception classes, SQLSTATE codes and our
own code locations: never an exception's text, which may quote names, e-mails or answers.
"""

from __future__ import annotations

import logging
import secrets
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import exc as sa_exc

from engagement.errors import AlreadyRunning, ConfigurationError, VirageError
from engagement.i18n import _

T = TypeVar("T")
LOG = logging.getLogger("virage.failures")


class Kind(StrEnum):
    INPUT = "input"  # the person can fix it: what they typed, chose or sent
    CONFIGURATION = "configuration"  # a setting is missing or unsafe
    UNAVAILABLE = "unavailable"  # the database cannot be reached
    LOST = "connection-lost"  # the connection dropped during the action
    TIMEOUT = "timeout"  # a statement outlasted the statement timeout
    BUSY = "busy"  # a lock held too long, a deadlock or a serialisation failure
    CONFLICT = "conflict"  # another change made at the same time broke a rule
    RUNNING = "already-running"  # the same maintenance job is running
    INTERNAL = "internal"  # anything else: a bug to report


# The CLI's exit status by kind (README, “Command line”); argparse's usage errors are 2.
EXIT_STATUS: dict[Kind, int] = {
    Kind.INPUT: 1,
    Kind.CONFIGURATION: 3,
    Kind.UNAVAILABLE: 4,
    Kind.LOST: 4,
    Kind.TIMEOUT: 5,
    Kind.BUSY: 5,
    Kind.CONFLICT: 5,
    Kind.RUNNING: 6,
    Kind.INTERNAL: 70,
}
# Worth trying again by themselves: nothing was written, and a moment later it may work
TRANSIENT = frozenset({Kind.UNAVAILABLE, Kind.LOST, Kind.BUSY})


@dataclass(frozen=True)
class Failure:
    """What went wrong, told to a person: `message` is translated; `error_id` is "" for
    domain errors (the message says it all) and matches the log entry otherwise."""

    kind: Kind
    message: str
    error_id: str = ""
    log: str = ""  # the log entry written under error_id

    @property
    def exit_status(self) -> int:
        return EXIT_STATUS[self.kind]

    @property
    def transient(self) -> bool:
        return self.kind in TRANSIENT

    def line(self) -> str:
        """The message with its error id, as one line."""
        text = " ".join(self.message.split())
        if not self.error_id:
            return text
        return _("{message} (error id {id})").format(message=text, id=self.error_id)


def _sqlstate(error: BaseException) -> str:
    orig = getattr(error, "orig", None)
    return str(getattr(orig, "sqlstate", "") or "")


def _driver_text(error: BaseException) -> str:
    # read only to classify (never logged nor shown): drivers say "locked" in words alone
    return str(getattr(error, "orig", "") or "").lower()


def kind_of(error: BaseException) -> Kind:
    """The kind of an error, from its class, SQLSTATE and driver."""
    if isinstance(error, AlreadyRunning):
        return Kind.RUNNING
    if isinstance(error, ConfigurationError):
        return Kind.CONFIGURATION
    if isinstance(error, VirageError):
        return Kind.INPUT
    if not isinstance(error, sa_exc.DBAPIError):
        if isinstance(error, sa_exc.TimeoutError):  # no connection free in the pool
            return Kind.BUSY
        return Kind.INTERNAL
    state, text = _sqlstate(error), _driver_text(error)
    if state == "57014":
        return Kind.TIMEOUT
    if state in ("55P03", "40001", "40P01") or "is locked" in text:
        return Kind.BUSY
    if state.startswith("57P") or state.startswith("08") or error.connection_invalidated:
        return Kind.LOST
    if isinstance(error, sa_exc.IntegrityError):
        return Kind.CONFLICT
    if isinstance(error, sa_exc.DataError) or state.startswith("22"):
        return Kind.INPUT
    if type(getattr(error, "orig", None)).__module__ == "sqlite3":
        # SQLite's OperationalError also means "no such table": only these are the file's
        if "unable to open" in text or "disk i/o" in text or "readonly" in text:
            return Kind.UNAVAILABLE
        return Kind.INTERNAL
    if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError) and not state:
        # psycopg's connection failures carry no SQLSTATE
        if "server closed the connection" in text or "consuming input failed" in text:
            return Kind.LOST
        return Kind.UNAVAILABLE
    return Kind.INTERNAL


def _message(kind: Kind) -> str:
    return {
        Kind.UNAVAILABLE: _(
            "The database cannot be reached right now, so nothing was changed. Try again in a "
            "few minutes; if it lasts, tell your Virage administrator."
        ),
        Kind.LOST: _(
            "The connection to the database was lost during this action, so it was not done. "
            "Try again; if it lasts, tell your Virage administrator."
        ),
        Kind.TIMEOUT: _(
            "The database took too long to answer, so the action was stopped and nothing was "
            "changed. Try again later; if it lasts, tell your Virage administrator."
        ),
        Kind.BUSY: _(
            "The database is busy with another change, so nothing was changed. Try again in a "
            "moment."
        ),
        Kind.CONFLICT: _(
            "This clashed with another change made at the same moment, so nothing was changed. "
            "Reload the page and try again."
        ),
        Kind.INPUT: _(
            "A value could not be stored as given (too long, or holding characters that cannot "
            "be stored), so nothing was changed. Shorten it or remove the unusual characters."
        ),
    }.get(
        kind,
        _(
            "Something went wrong inside Virage, so the action was not done. Tell your Virage "
            "administrator the error id shown with this message."
        ),
    )


def _where(error: BaseException) -> str:
    """Our own frames nearest the error (file:line function): locations, never values."""
    frames = [
        f"{f.filename.rsplit('/engagement/', 1)[-1]}:{f.lineno} {f.name}"
        for f in traceback.extract_tb(error.__traceback__)
        if "/engagement/" in f.filename or "/pages/" in f.filename
    ]
    return " < ".join(reversed(frames[-3:])) or "-"


def log_entry(error_id: str, kind: Kind, error: BaseException) -> str:
    """The log line of a failure: no exception text, so no personal data."""
    orig = getattr(error, "orig", None)
    cause = f"{type(orig).__module__}.{type(orig).__qualname__}" if orig is not None else "-"
    return (
        f"virage error {error_id} kind={kind.value} "
        f"exception={type(error).__module__}.{type(error).__qualname__} cause={cause} "
        f"sqlstate={_sqlstate(error) or '-'} at={_where(error)}"
    )


def new_error_id() -> str:
    return secrets.token_hex(4)


def describe(error: BaseException) -> Failure:
    """Turn an error into what a person reads; log infrastructure and internal errors."""
    kind = kind_of(error)
    if isinstance(error, VirageError):
        return Failure(kind, str(error))
    error_id = new_error_id()
    entry = log_entry(error_id, kind, error)
    LOG.error(entry)
    return Failure(kind, _message(kind), error_id, entry)


# Backoff of the retries (seconds): about 6 s in all, longer than a backend restart's blip and
# within what a person waits after pressing a button
RETRY_DELAYS: tuple[float, ...] = (0.1, 0.3, 0.8, 1.6, 3.2)


# and no more than this in all (a hung server costs a connect timeout per attempt)
RETRY_BUDGET = 12.0


def retry_transient(
    action: Callable[[], T],
    *,
    delays: tuple[float, ...] = RETRY_DELAYS,
    budget: float = RETRY_BUDGET,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run an idempotent action, again after each transient fault (with backoff), within
    `budget` seconds.

    Only for actions that may safely run twice: each attempt must be its own unit of work,
    and a second run after a first that did commit must change nothing (an answer is keyed
    by its participation token)."""
    started = time.monotonic()
    for delay in delays:
        try:
            return action()
        except sa_exc.SQLAlchemyError as error:
            if kind_of(error) not in TRANSIENT:
                raise
            if time.monotonic() - started + delay > budget:
                raise
            LOG.warning(
                "virage retry kind=%s sqlstate=%s in %.1fs",
                kind_of(error).value,
                _sqlstate(error) or "-",
                delay,
            )
        sleep(delay)
    return action()
