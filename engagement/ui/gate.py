"""The sign-in gate: identity provider (st.login), demo personas, or a configuration error.

Three ways in, decided before anything else renders:
- the configuration is wrong (settings, `[auth]` secrets, or production without a provider):
  a configuration error page and nothing else;
- an `[auth]` section exists: only `st.login` identifies people;
- otherwise (never in production): the demo personas.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, NoReturn

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from engagement import identity
from engagement.authz import Actor, role_label
from engagement.config import Settings, load_settings
from engagement.db import unit_of_work
from engagement.errors import ConfigurationError, NotFound
from engagement.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    _,
    get_language,
    language_names,
    normalize_language,
    set_language,
)
from engagement.safe_text import plain_label
from engagement.services import directory
from engagement.ui import render
from engagement.ui.context import ACTOR_KEY, engine, load
from engagement.ui.nav import PAGES

DEMO_EMAIL_KEY = "virage.demo_email"
LANGUAGE_KEY = "virage.language"
SIGN_OUT_KEY = "virage.signing_out"


class _Unreadable(Exception):
    """The secrets file exists but cannot be read (bad TOML, bad path)."""


def _auth_section() -> dict[str, Any] | None:
    """The `[auth]` section of the secrets as plain data, or None when there is none."""
    try:
        auth: Any = st.secrets.get("auth")
    except StreamlitSecretNotFoundError as exc:
        if getattr(exc, "error_id", None) == "no-secrets-found":
            return None
        raise _Unreadable(str(exc)) from exc
    if not auth:
        return None
    return auth.to_dict() if hasattr(auth, "to_dict") else dict(auth)


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


def _request_sign_out() -> None:
    # a callback runs before the next run, so that run already starts signed out
    for key in (DEMO_EMAIL_KEY, ACTOR_KEY):
        st.session_state.pop(key, None)
    st.session_state[SIGN_OUT_KEY] = True


def _sign_out_button(*, in_sidebar: bool = True) -> None:
    (st.sidebar if in_sidebar else st).button(
        _("Sign out"), key="virage.sign_out", icon=":material/logout:", on_click=_request_sign_out
    )


def _show_alone(page: Callable[[], None]) -> NoReturn:
    """Render a sign-in screen as the only page (no menu of pages), then stop the run.

    The screen also answers at every page's address, so a link to a page opened signed out
    shows it instead of Streamlit's "Page not found".
    """
    title = _("Sign in")
    pages = [st.Page(page, title=title, default=True)]
    pages += [st.Page(page, title=title, url_path=spec.url) for spec in PAGES]
    st.navigation(pages, position="hidden").run()
    st.stop()
    raise RuntimeError  # unreachable: st.stop raises


def _refuse(problems: list[str]) -> NoReturn:
    """The configuration error page: one message saying what to fix, nothing else."""

    def page() -> None:
        if len(problems) == 1:
            text = problems[0]
        else:
            intro = _("Virage cannot start until its configuration is fixed:")
            text = "\n".join([f"**{intro}**", "", *(f"- {p}" for p in problems)])
        st.error(text, icon=":material/lock:")

    _show_alone(page)


def _checked_configuration() -> tuple[Settings, dict[str, Any] | None]:
    """The settings and the `[auth]` section, or the configuration error page."""
    try:
        config = load_settings()
        auth = _auth_section()
    except ConfigurationError as exc:
        _refuse([_("Virage is not configured correctly: {message}").format(message=exc)])
    except _Unreadable as exc:
        _refuse([_("The secrets file cannot be read: {message}").format(message=exc)])
    if config.is_production or auth is not None:
        # no demo sign-in here: an identity left (or planted) in the session is dropped unread
        st.session_state.pop(DEMO_EMAIL_KEY, None)
    problems = identity.auth_problems(auth, production=config.is_production)
    if problems:
        _refuse(problems)
    return config, auth


def _sign_in_page(providers: list[str]) -> None:
    with st.columns([1, 2, 1])[1]:
        st.title(_("Welcome to Virage"))
        st.write(
            _(
                "Virage is where our company explains its change and listens to how it "
                "lands. Sign in with your company account to continue."
            )
        )
        with st.container(border=True):
            for name in providers:
                label = (
                    _("Sign in with {provider}").format(provider=identity.provider_label(name))
                    if name
                    else _("Sign in with your company account")
                )
                if st.button(
                    label,
                    key=f"virage.login.{name or 'default'}",
                    type="primary",
                    icon=":material/login:",
                    width="stretch",
                ):
                    st.login(name or None)
            st.caption(_("You go to your company's sign-in page, then come straight back here."))


def _signing_out_page() -> None:
    st.info(_("Signing you out…"), icon=":material/logout:")


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
            st.markdown(f"{plain_label(persona.name)}  \n{plain_label(persona.department)}")
            st.caption(render.role_blurb(persona.role))
            if st.button(
                _("Sign in as {name}").format(name=plain_label(persona.name)),
                key=f"virage.persona.{persona.role.value}",
                width="stretch",
            ):
                st.session_state[DEMO_EMAIL_KEY] = persona.email
                st.rerun()


def _cannot_sign_in(message: str) -> NoReturn:
    """The explanation page for someone the provider knows but Virage cannot let in."""

    def page() -> None:
        st.title(_("We could not sign you in"))
        st.warning(message, icon=":material/person_off:")
        _sign_out_button(in_sidebar=False)

    _language_switcher(None)
    _show_alone(page)


def _directory_actor(email: str) -> Actor:
    try:
        with unit_of_work(engine()) as session:
            return directory.actor_for_email(session=session, email=email)
    except NotFound as exc:
        _cannot_sign_in(str(exc))


def _provider_actor(config: Settings, auth: dict[str, Any], signing_out: bool) -> Actor:
    """The person the identity provider signed in (st.login), with any roles from its claim."""
    signed_in = bool(st.user.get("is_logged_in", False))
    if signing_out and signed_in:
        st.logout()  # the browser leaves for the provider's sign-out, then comes back here
        _show_alone(_signing_out_page)
    if not signed_in:
        _language_switcher(None)
        providers = identity.provider_names(auth)
        _show_alone(lambda: _sign_in_page(providers))
    claims = {key: st.user.get(key) for key in st.user}
    email = str(claims.get("email") or "").strip()
    if not email:
        _cannot_sign_in(
            _(
                "Your identity provider did not tell Virage your email address, so we cannot "
                "find you in the company directory. Ask your IT team to include the “email” "
                "claim in the ID token."
            )
        )
    if identity.email_unverified(claims):
        _cannot_sign_in(
            _(
                "Your identity provider says {email} is not verified yet. Verify it there, "
                "then sign in again."
            ).format(email=email)
        )
    actor = _directory_actor(email)
    extra = identity.roles_from_claims(config, claims)
    # session only: the claim's roles live in this run's actor, never in the database
    return replace(actor, roles=actor.roles | extra) if extra else actor


def _demo_actor(config: Settings) -> Actor:
    """The demo persona picked on the demo page (development only)."""
    if config.is_production:  # unreachable: production without [auth] was refused above
        _refuse([identity.missing_provider_message()])
    email = st.session_state.get(DEMO_EMAIL_KEY)
    if not email:
        _language_switcher(None)
        _show_alone(_demo_page)
    return _directory_actor(str(email))


def sign_in_gate() -> Actor:
    """Resolve the signed-in person, or render the right sign-in page and stop the run."""
    st.session_state.pop(ACTOR_KEY, None)
    signing_out = bool(st.session_state.pop(SIGN_OUT_KEY, False))
    _apply_language()
    config, auth = _checked_configuration()
    actor = _provider_actor(config, auth, signing_out) if auth is not None else _demo_actor(config)
    _apply_language(actor.language)
    st.session_state[ACTOR_KEY] = actor
    st.sidebar.caption(_("Signed in as **{name}**").format(name=plain_label(actor.name)))
    if auth is None:
        st.sidebar.caption(_("Demo mode"))
    _language_switcher(actor)
    _sign_out_button()
    return actor
