"""The sign-in gate: identity provider (st.login), demo personas, or a configuration error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

import streamlit as st

from engagement.authz import Actor, role_label
from engagement.db import unit_of_work
from engagement.errors import NotFound
from engagement.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    _,
    get_language,
    language_names,
    normalize_language,
    set_language,
)
from engagement.services import directory
from engagement.ui import render
from engagement.ui.context import ACTOR_KEY, engine, load, settings

DEMO_EMAIL_KEY = "virage.demo_email"
LANGUAGE_KEY = "virage.language"


def auth_providers() -> list[str] | None:
    """Names of the configured identity providers ([""] for a single unnamed one), or None."""
    try:
        auth: Any = st.secrets.get("auth")
    except Exception:  # no secrets file at all: Streamlit raises rather than returning None
        return None
    if not auth:
        return None
    named = [key for key, value in auth.items() if hasattr(value, "get") and value.get("client_id")]
    return named or [""]


def _apply_language(preferred: str | None = None) -> None:
    """Session choice, then the person's saved choice, then the browser's language."""
    chosen = st.session_state.get(LANGUAGE_KEY) or preferred
    if not chosen:
        chosen = normalize_language(getattr(st.context, "locale", None))
    set_language(chosen)


def _language_switcher(actor: Actor | None) -> None:
    names = language_names()
    # the test pseudo-locale is shown as English and never saved
    shown = get_language() if get_language() in LANGUAGES else DEFAULT_LANGUAGE
    picked = st.sidebar.selectbox(
        _("Language"),
        options=list(LANGUAGES),
        index=list(LANGUAGES).index(shown),
        format_func=lambda code: names[code],
        key="virage.language_picker",
    )
    if picked != shown:
        st.session_state[LANGUAGE_KEY] = picked
        if actor is not None:
            with unit_of_work(engine()) as session:
                directory.set_language(session=session, actor=actor, language=picked)
        st.rerun()


def _forget_person() -> None:
    for key in (DEMO_EMAIL_KEY, ACTOR_KEY):
        st.session_state.pop(key, None)


def _sign_out_button(mode: str) -> None:
    # the callback runs before the next run, so that run already starts signed out
    clicked = st.sidebar.button(
        _("Sign out"), key="virage.sign_out", icon=":material/logout:", on_click=_forget_person
    )
    if clicked and mode == "oidc":
        st.logout()


def _oidc_page(providers: list[str]) -> None:
    st.title(_("Welcome to Virage"))
    st.write(_("Sign in with your company account to continue."))
    for name in providers:
        label = _("Sign in with {provider}").format(provider=name) if name else _("Sign in")
        if st.button(label, key=f"virage.login.{name or 'default'}", type="primary"):
            st.login(name or None)


def _demo_page() -> None:
    st.title(_("Welcome to Virage"))
    st.warning(
        _(
            "**Demo mode: no identity provider configured.** Pick a person below to see Virage "
            "through their eyes. In production, people sign in with the company's identity "
            "provider and this page does not exist."
        ),
        icon=":material/science:",
    )
    personas = load(directory.demo_personas, as_actor=False)
    if not personas:
        st.info(
            _(
                "The directory is empty. Load the demo company with "
                "`python -m engagement demo`, then reload this page."
            )
        )
        return
    columns = st.columns(min(len(personas), 3))
    for i, persona in enumerate(personas):
        with columns[i % len(columns)].container(border=True):
            st.markdown(f"**{role_label(persona.role)}**")
            st.markdown(f"{persona.name}  \n{persona.department}")
            st.caption(render.role_blurb(persona.role))
            if st.button(
                _("Sign in as {name}").format(name=persona.name),
                key=f"virage.persona.{persona.role.value}",
                width="stretch",
            ):
                st.session_state[DEMO_EMAIL_KEY] = persona.email
                st.rerun()


def _missing_provider_page() -> None:
    st.error(
        _(
            "Virage runs in production mode but no identity provider is configured. Add an "
            "`[auth]` section to `.streamlit/secrets.toml` (see `secrets.example.toml`) and "
            "restart."
        ),
        icon=":material/lock:",
    )


def _not_in_directory(message: str, mode: str) -> None:
    st.title(_("We could not sign you in"))
    st.warning(message, icon=":material/person_off:")
    _sign_out_button(mode)


def _show_alone(render: Callable[[], None]) -> NoReturn:
    """Render a sign-in screen as the only page (no menu of pages), then stop the run."""
    st.navigation([st.Page(render, title=_("Sign in"), default=True)], position="hidden").run()
    st.stop()
    raise RuntimeError  # unreachable: st.stop raises


def sign_in_gate() -> Actor:
    """Resolve the signed-in person, or render the right sign-in page and stop the run."""
    st.session_state.pop(ACTOR_KEY, None)
    _apply_language()
    config = settings()
    providers = auth_providers()
    if providers is not None:
        mode = "oidc"
        email = st.user.get("email") if st.user.get("is_logged_in", False) else None
        if not email:
            _language_switcher(None)
            _show_alone(lambda: _oidc_page(providers))
    elif config.is_production:
        _show_alone(_missing_provider_page)
    else:
        mode = "demo"
        email = st.session_state.get(DEMO_EMAIL_KEY)
        if not email:
            _language_switcher(None)
            _show_alone(_demo_page)
    try:
        with unit_of_work(engine()) as session:
            actor = directory.actor_for_email(session=session, email=str(email))
    except NotFound as exc:
        _language_switcher(None)
        message = str(exc)
        _show_alone(lambda: _not_in_directory(message, mode))
    _apply_language(actor.language)
    st.session_state[ACTOR_KEY] = actor
    st.sidebar.caption(_("Signed in as **{name}**").format(name=actor.name))
    if mode == "demo":
        st.sidebar.caption(_("Demo mode"))
    _language_switcher(actor)
    _sign_out_button(mode)
    return actor
