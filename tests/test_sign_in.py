"""The sign-in gate with an identity provider and in production (AppTest).

`at.secrets` reaches the gate's reading of `[auth]` and `at.user` sets `st.user`, so each
case here is the gate's own decision; tests/browser/test_oidc.py runs the real st.login
round trip against a real OpenID Connect provider.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from engagement.authz import Role
from engagement.ui.context import ACTOR_KEY
from engagement.ui.gate import DEMO_EMAIL_KEY
from tests.test_pages import APP, PROJECT, directory_actor, personas

STRONG_SECRET = secrets.token_urlsafe(32)


def auth(**providers: dict[str, str]) -> dict[str, Any]:
    """An `[auth]` section; without providers, one unnamed provider in `[auth]` itself."""
    section: dict[str, Any] = {
        "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "cookie_secret": STRONG_SECRET,
    }
    provider = {
        "client_id": "virage",
        "client_secret": "s3cret",
        "server_metadata_url": "https://idp.example.com/.well-known/openid-configuration",
    }
    if providers:
        section.update({name: {**provider, **keys} for name, keys in providers.items()})
    else:
        section.update(provider)
    return section


def run(
    *,
    secrets_auth: dict[str, Any] | None = None,
    user: dict[str, Any] | None = None,
    demo_email: str | None = None,
) -> AppTest:
    at = AppTest.from_string(Path(APP).read_text(encoding="utf-8"), default_timeout=30)
    if secrets_auth is not None:
        at.secrets["auth"] = secrets_auth
    if user is not None:
        at.user = user
    if demo_email:
        at.session_state[DEMO_EMAIL_KEY] = demo_email
    return at.run()


def signed_in(email: str, **claims: Any) -> dict[str, Any]:
    return {"is_logged_in": True, "email": email, "name": "From the provider", **claims}


@pytest.fixture
def production(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("VIRAGE_ENV", "production")
    monkeypatch.setenv("VIRAGE_SECRET_KEY", STRONG_SECRET)
    return demo_url


def test_no_secrets_file_is_read_from_the_project_or_home() -> None:
    """The production tests below rely on it, and so does every demo-mode test."""
    assert not (PROJECT / ".streamlit" / "secrets.toml").exists()
    assert not (Path.home() / ".streamlit" / "secrets.toml").exists()


def test_production_without_secrets_shows_only_the_configuration_error_and_no_demo(
    production: str,
) -> None:
    admin = personas(production)[Role.ADMIN]
    at = run(demo_email=admin.email)  # a planted demo identity
    assert not at.exception
    assert len(at.error) == 1 and "no identity provider is configured" in at.error[0].value
    assert not at.title and not at.button and not at.sidebar.selectbox
    assert ACTOR_KEY not in at.session_state
    assert DEMO_EMAIL_KEY not in at.session_state  # dropped, never honoured
    # still nothing on the next run, and no page can be opened past the gate
    at.session_state[DEMO_EMAIL_KEY] = admin.email
    at.run()
    assert ACTOR_KEY not in at.session_state and len(at.error) == 1
    with pytest.raises(ValueError):
        at.switch_page(str(PROJECT / "pages/people.py")).run()


def test_production_with_a_provider_ignores_a_planted_demo_identity(production: str) -> None:
    at = run(secrets_auth=auth(), demo_email=personas(production)[Role.ADMIN].email)
    assert not at.exception and not at.error
    assert at.title[0].value == "Welcome to Virage"
    assert [b.label for b in at.button] == ["Sign in with your company account"]
    assert ACTOR_KEY not in at.session_state and DEMO_EMAIL_KEY not in at.session_state
    assert not [b for b in at.button if b.key and b.key.startswith("virage.persona.")]


@pytest.mark.parametrize(
    ("cookie_secret", "needle"),
    [
        ("replace-me-with-a-long-random-secret", "still the example value"),
        ("short-but-not-empty", "too short (19 characters)"),
        ("k" * 32, "too predictable"),
        ("", "Add `cookie_secret`"),
    ],
)
def test_production_refuses_a_weak_cookie_secret(
    production: str, cookie_secret: str, needle: str
) -> None:
    at = run(
        secrets_auth={**auth(), "cookie_secret": cookie_secret},
        user=signed_in(personas(production)[Role.ADMIN].email),
    )
    assert not at.exception
    assert len(at.error) == 1 and needle in at.error[0].value
    assert not at.title and not at.button
    assert ACTOR_KEY not in at.session_state


def test_several_problems_are_listed_together(demo_url: str) -> None:
    at = run(secrets_auth={"cookie_secret": STRONG_SECRET, "corp_sso": {"client_id": "x"}})
    assert len(at.error) == 1
    message = at.error[0].value
    assert "cannot start until its configuration is fixed" in message
    assert "Add `redirect_uri`" in message and "may not contain “_”" in message


def test_one_button_per_provider(demo_url: str) -> None:
    at = run(secrets_auth=auth(microsoft={}, google={}, keycloak={}))
    assert [b.label for b in at.button] == [
        "Sign in with Microsoft",
        "Sign in with Google",
        "Sign in with Keycloak",
    ]
    assert not at.warning  # no demo banner once a provider is configured


def test_provider_email_is_matched_case_insensitively(demo_url: str) -> None:
    manager = personas(demo_url)[Role.MANAGER]
    at = run(secrets_auth=auth(), user=signed_in(manager.email.upper()))
    assert not at.exception and not at.error
    assert at.title[0].value == f"Hello, {manager.name}"
    assert "Demo mode" not in [c.value for c in at.sidebar.caption]


@pytest.mark.parametrize(
    ("claims", "needle"),
    [
        ({"email": "ghost@elsewhere.test"}, "could not find ghost@elsewhere.test"),
        ({"email": ""}, "did not tell Virage your email address"),
        ({"email_verified": False}, "is not verified yet"),
        ({"email_verified": "false"}, "is not verified yet"),
        ({"email_verified": "False"}, "is not verified yet"),
        ({"email_verified": "no"}, "is not verified yet"),
        ({"email_verified": None}, "is not verified yet"),
        ({"email_verified": 1}, "is not verified yet"),
    ],
    ids=["unknown", "no-email", "unverified", "string-false", "False", "no", "null", "one"],
)
def test_who_cannot_be_signed_in_gets_an_explanation(
    demo_url: str, claims: dict[str, Any], needle: str
) -> None:
    employee = personas(demo_url)[Role.EMPLOYEE]
    at = run(secrets_auth=auth(), user=signed_in(employee.email) | claims)
    assert not at.exception
    assert at.title[0].value == "We could not sign you in"
    assert needle in at.warning[0].value
    assert at.button(key="virage.sign_out")  # to try another account
    assert ACTOR_KEY not in at.session_state


def test_a_look_alike_of_someones_email_is_refused_with_an_explanation(demo_url: str) -> None:
    employee = personas(demo_url)[Role.EMPLOYEE]
    assert employee.email[0].islower() and employee.email.isascii()
    # the same address with its first letter full-width (ａ for a): it looks the same
    look_alike = chr(ord(employee.email[0]) - ord("a") + ord("ａ")) + employee.email[1:]
    at = run(secrets_auth=auth(), user=signed_in(look_alike))
    assert not at.exception
    assert at.title[0].value == "We could not sign you in"
    assert "only look like ordinary letters" in at.warning[0].value
    assert ACTOR_KEY not in at.session_state


@pytest.mark.parametrize("verified", [True, "true"])
def test_a_verified_email_signs_in(demo_url: str, verified: object) -> None:
    employee = personas(demo_url)[Role.EMPLOYEE]
    at = run(secrets_auth=auth(), user=signed_in(employee.email, email_verified=verified))
    assert not at.exception
    assert at.title[0].value == f"Hello, {employee.name}"
    assert at.session_state[ACTOR_KEY].email == employee.email


def test_roles_from_the_provider_claim_last_for_the_session_only(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIRAGE_ROLE_CLAIM", "groups")
    monkeypatch.setenv("VIRAGE_ROLE_MAP", "virage-hr=hr,virage-admins=admin")
    employee = personas(demo_url)[Role.EMPLOYEE]
    at = run(
        secrets_auth=auth(),
        user=signed_in(employee.email, groups=["everyone", "virage-hr", "virage-leaders"]),
    )
    assert not at.exception
    actor = at.session_state[ACTOR_KEY]
    assert actor.roles == {Role.HR}  # virage-leaders is not in the map
    at.switch_page(str(PROJECT / "pages/markets.py")).run()
    assert not at.exception and at.title[0].value == "Internal markets"
    assert not directory_actor(demo_url, employee.email).roles  # nothing was stored


def test_claim_roles_are_not_taken_from_a_demo_session(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIRAGE_ROLE_CLAIM", "groups")
    monkeypatch.setenv("VIRAGE_ROLE_MAP", "virage-admins=admin")
    employee = personas(demo_url)[Role.EMPLOYEE]
    at = run(demo_email=employee.email, user={"groups": ["virage-admins"]})
    assert at.session_state[ACTOR_KEY].roles == frozenset()


def test_a_bad_role_map_stops_the_app_with_what_to_fix(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIRAGE_ROLE_CLAIM", "groups")
    monkeypatch.setenv("VIRAGE_ROLE_MAP", "virage-managers=manager")
    at = run(secrets_auth=auth(), user=signed_in(personas(demo_url)[Role.ADMIN].email))
    assert len(at.error) == 1 and "cannot give the role manager" in at.error[0].value
    assert not at.title and ACTOR_KEY not in at.session_state


def test_sign_out_with_the_provider_calls_st_logout(demo_url: str) -> None:
    employee = personas(demo_url)[Role.EMPLOYEE]
    at = run(secrets_auth=auth(), user=signed_in(employee.email))
    at.sidebar.button(key="virage.sign_out").click().run()
    assert not at.exception
    assert "Signing you out" in at.info[0].value
    assert ACTOR_KEY not in at.session_state
