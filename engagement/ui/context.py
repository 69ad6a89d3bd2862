"""Per-process resources (settings, engine) and per-run state (actor, language)."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy import Engine

from engagement import PROJECT_DIR, failures
from engagement.authz import Actor
from engagement.config import DatabaseTimeouts, Settings, load_settings
from engagement.db import get_engine, migrate, unit_of_work
from engagement.errors import ConfigurationError
from engagement.i18n import _
from engagement.services import mixer
from engagement.services.settings import Privacy, privacy
from engagement.ui.failure import show_failure

_LOG = logging.getLogger(__name__)
T = TypeVar("T")
ACTOR_KEY = "virage.actor"


@st.cache_resource(show_spinner=False)
def _booted_engine(url: str, timeouts: DatabaseTimeouts) -> Engine:
    """Migrate once per process and database, then share the engine."""
    migrate(url, timeouts)
    return get_engine(url, timeouts)


@lru_cache(maxsize=16)  # keyed by the environment itself, so a changed variable is read
def _settings(environment: tuple[tuple[str, str], ...]) -> Settings:
    return load_settings(dict(environment))


def settings() -> Settings:
    """The settings of this process; a configuration error stops the page with its message."""
    # read once per environment, not on every call (a page asks a dozen times per run)
    environment = tuple(
        sorted((k, v) for k, v in os.environ.items() if k.startswith(("VIRAGE_", "DATABASE_")))
    )
    try:
        return _settings(environment)
    except ConfigurationError as exc:
        st.error(_("Virage is not configured correctly: {message}").format(message=exc))
        st.stop()
        raise  # unreachable: st.stop raises


@st.cache_data(ttl=30, show_spinner=False)
def _privacy(url: str, default_k: int) -> Privacy:
    # shared by the sessions of this process for 30 s: another replica's change shows by then
    with unit_of_work(engine()) as session:
        return privacy(session, default_k)


def privacy_thresholds() -> Privacy:
    """The privacy thresholds in force (the administrator's, else the environment's)."""
    return _privacy(settings().database_url, settings().min_group_size)


def forget_privacy_thresholds() -> None:
    """After a change in this process: read the new thresholds on the next run."""
    _privacy.clear()


def engine() -> Engine:
    return _booted_engine(settings().database_url, settings().timeouts)


def current_actor() -> Actor:
    """The actor the gate resolved for this run."""
    actor = st.session_state.get(ACTOR_KEY)
    if not isinstance(actor, Actor):
        # Only reachable when Streamlit ran a page without app.py (its legacy pages-folder
        # mode, on a fresh server's first request to a deep link): go through the gate.
        with contextlib.suppress(Exception):  # not switchable here (tests): refuse plainly
            st.switch_page(str(PROJECT_DIR / "app.py"))
        st.error(_("Please sign in first."))
        st.stop()
        raise RuntimeError  # unreachable
    return actor


def _call(fn: Callable[..., T], actor: Actor | None, kwargs: dict[str, Any]) -> T:
    with unit_of_work(engine()) as session:
        if actor is None:
            return fn(session=session, **kwargs)
        return fn(session=session, actor=actor, **kwargs)


def load(fn: Callable[..., T], *, as_actor: bool = True, **kwargs: Any) -> T:
    """Call a read service; on any error show Virage's message and stop the page."""
    try:
        return _call(fn, current_actor() if as_actor else None, kwargs)
    except Exception as exc:
        show_failure(exc)
        st.stop()
        raise  # unreachable


def act(fn: Callable[..., T], *, idempotent: bool = False, **kwargs: Any) -> T | None:
    """Call a service that changes data (one unit of work); show any error, return None.

    `idempotent=True` (an answer, keyed by its participation token) retries transient
    faults with backoff, each attempt its own unit of work: a dropped connection costs the
    person nothing."""
    actor = current_actor()
    try:
        if idempotent:
            return failures.retry_transient(lambda: _call(fn, actor, kwargs))
        return _call(fn, actor, kwargs)
    except Exception as exc:
        show_failure(exc)
        return None


def release_pooled(scope: str) -> None:
    """After a submission was committed: let the mixer release its scope if a batch is ready.

    The submission is safe in the pool whatever happens here; a mixer that fails (another
    replica holds the lock too long, the database went away) is retried by the next
    submission or `tick`, so the person is not shown an error for it.
    """
    try:
        mixer.release_if_due(engine(), scope=scope, k=privacy_thresholds().min_group_size)
    except Exception as exc:
        _LOG.warning("the mixer did not run for %s: %s", scope, type(exc).__name__)


FLASH_KEY = "virage.flash"


def flash(message: str) -> None:
    """Keep a success message for the next run (after st.rerun)."""
    st.session_state[FLASH_KEY] = message


def show_flash() -> None:
    """Show and forget the message kept by `flash`."""
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def choose_next_run(key: str, value: object) -> None:
    """Select `value` in the widget `key` on the next run (a widget already drawn in this run
    cannot be changed); the page calls `apply_choice(key)` before drawing the widget."""
    st.session_state[f"{key}.next"] = value


def apply_choice(key: str) -> None:
    """Apply a choice made with `choose_next_run`, before the widget is drawn."""
    if f"{key}.next" in st.session_state:
        st.session_state[key] = st.session_state.pop(f"{key}.next")
