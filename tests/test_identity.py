"""Sign-in rules without Streamlit: the `[auth]` checks, provider names, roles from claims."""

from __future__ import annotations

import secrets
import tomllib
from typing import Any

import pytest

from engagement import identity
from engagement.authz import Role
from engagement.config import load_settings
from tests.test_pages import PROJECT

PROVIDER = {
    "client_id": "virage",
    "client_secret": "s3cret",
    "server_metadata_url": "https://idp.example.com/.well-known/openid-configuration",
}
GOOD = {
    "redirect_uri": "https://virage.example.com/oauth2callback",
    "cookie_secret": secrets.token_urlsafe(32),
    **PROVIDER,
}


def test_no_auth_section_is_demo_mode_in_development_and_refused_in_production() -> None:
    assert identity.auth_problems(None, production=False) == []
    [problem] = identity.auth_problems(None, production=True)
    assert "no identity provider is configured" in problem


@pytest.mark.parametrize("production", [False, True])
def test_a_complete_section_passes(production: bool) -> None:
    assert identity.auth_problems(GOOD, production=production) == []


@pytest.mark.parametrize(
    ("change", "needle", "production"),
    [
        ({"redirect_uri": ""}, "Add `redirect_uri`", False),
        ({"redirect_uri": "https://virage.example.com/"}, "must end with `/oauth2callback`", False),
        ({"cookie_secret": " "}, "Add `cookie_secret`", False),
        ({"cookie_secret": "k" * 31}, "too short (31 characters)", True),
        ({"cookie_secret": "k" * 32}, "too predictable", True),
        ({"cookie_secret": "0123456789" * 4}, "too predictable", True),
        ({"cookie_secret": identity.EXAMPLE_COOKIE_SECRET}, "example value", True),
        ({"cookie_secret": "replace-me-" + "x" * 40}, "example value", True),
        ({"client_secret": ""}, "`[auth]` lacks `client_secret`", False),
        ({"server_metadata_url": "idp.example.com"}, "full address", False),
    ],
)
def test_what_is_wrong_is_said_with_what_to_fix(
    change: dict[str, str], needle: str, production: bool
) -> None:
    problems = identity.auth_problems({**GOOD, **change}, production=production)
    assert len(problems) == 1 and needle in problems[0]


def test_a_short_cookie_secret_is_only_refused_in_production() -> None:
    assert identity.auth_problems({**GOOD, "cookie_secret": "short"}, production=False) == []


def test_named_providers() -> None:
    auth: dict[str, Any] = {
        "redirect_uri": GOOD["redirect_uri"],
        "cookie_secret": GOOD["cookie_secret"],
        "client_kwargs": {"prompt": "login"},  # not a provider
        "microsoft": PROVIDER,
        "corp": {"client_id": "x"},
        "my_idp": PROVIDER,
    }
    assert identity.provider_names(auth) == ["microsoft", "corp", "my_idp"]
    problems = identity.auth_problems(auth, production=True)
    assert problems == [
        "`[auth.corp]` lacks `client_secret`, `server_metadata_url`.",
        "Rename `[auth.my_idp]`: a provider's name may not contain “_”.",
    ]
    assert (
        "No identity provider"
        in identity.auth_problems(
            {k: auth[k] for k in ("redirect_uri", "cookie_secret")}, production=False
        )[0]
    )


def test_unnamed_and_named_providers_together() -> None:
    assert identity.provider_names({**GOOD, "google": PROVIDER}) == ["", "google"]


@pytest.mark.parametrize(
    ("name", "label"),
    [("microsoft", "Microsoft"), ("Google", "Google"), ("okta", "Okta"), ("corp", "Corp")],
)
def test_provider_labels(name: str, label: str) -> None:
    assert identity.provider_label(name) == label


def test_the_example_secrets_file_is_complete_but_refused_in_production() -> None:
    example = tomllib.loads(
        (PROJECT / ".streamlit" / "secrets.example.toml").read_text(encoding="utf-8")
    )
    auth = example["auth"]
    assert auth["cookie_secret"] == identity.EXAMPLE_COOKIE_SECRET
    assert identity.auth_problems(auth, production=False) == []
    [problem] = identity.auth_problems(auth, production=True)
    assert "example value" in problem


@pytest.mark.parametrize(
    ("claims", "name", "values"),
    [
        ({"groups": ["a", "b"]}, "groups", {"a", "b"}),
        ({"groups": "a"}, "groups", {"a"}),
        ({"groups": None}, "groups", set()),
        ({}, "groups", set()),
        ({"groups": {"a": 1}}, "groups", set()),
        ({"realm_access": {"roles": ["hr"]}}, "realm_access.roles", {"hr"}),
        ({"https://example.com/roles": ["x"]}, "https://example.com/roles", {"x"}),
        ({"realm_access": ["hr"]}, "realm_access.roles", set()),
    ],
)
def test_claim_values(claims: dict[str, Any], name: str, values: set[str]) -> None:
    assert identity.claim_values(claims, name) == values


def test_roles_from_claims() -> None:
    settings = load_settings(
        {"VIRAGE_ROLE_CLAIM": "groups", "VIRAGE_ROLE_MAP": "virage-hr=hr,virage-admins=admin"}
    )
    assert identity.roles_from_claims(settings, {"groups": ["virage-hr", "other"]}) == {Role.HR}
    assert identity.roles_from_claims(settings, {"groups": ["VIRAGE-HR"]}) == set()  # exact
    assert identity.roles_from_claims(settings, {"roles": ["virage-admins"]}) == set()
    assert identity.roles_from_claims(load_settings({}), {"groups": ["virage-hr"]}) == set()


@pytest.mark.parametrize(
    ("claims", "refused"),
    [
        ({}, False),  # the claim is optional: Entra ID does not send it
        ({"email_verified": True}, False),
        ({"email_verified": "true"}, False),  # JumpCloud, Sign in with Apple
        ({"email_verified": False}, True),
        ({"email_verified": "false"}, True),
        ({"email_verified": "False"}, True),
        ({"email_verified": "no"}, True),
        ({"email_verified": "True"}, True),
        ({"email_verified": "TRUE"}, True),
        ({"email_verified": " true"}, True),
        ({"email_verified": "yes"}, True),
        ({"email_verified": "1"}, True),
        ({"email_verified": 1}, True),
        ({"email_verified": 0}, True),
        ({"email_verified": None}, True),
        ({"email_verified": ["true"]}, True),
    ],
)
def test_email_verified_is_read_strictly(claims: dict[str, Any], refused: bool) -> None:
    assert identity.email_unverified(claims) is refused
