"""Sign-in through an identity provider: the `[auth]` secrets checked before anyone signs in,
the providers offered, and the roles an ID-token claim adds for one session.

Plain data in, plain data out: the Streamlit gate reads `st.secrets` and `st.user` and hands
them here, so every rule is testable without a server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engagement.authz import Role
from engagement.config import SECRET_MIN_LENGTH, Settings, secret_strength_problem
from engagement.i18n import _

REQUIRED_PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
COOKIE_SECRET_MIN_LENGTH = SECRET_MIN_LENGTH
# The value shipped in `.streamlit/secrets.example.toml`: copying the file as is must not
# pass for a production setup (a test keeps the two in step).
EXAMPLE_COOKIE_SECRET = "replace-me-with-a-long-random-secret"
_BRANDS = {
    "microsoft": "Microsoft",
    "entra": "Microsoft",
    "azure": "Microsoft",
    "google": "Google",
    "okta": "Okta",
    "keycloak": "Keycloak",
    "auth0": "Auth0",
}


def provider_names(auth: Mapping[str, Any]) -> list[str]:
    """The providers of an `[auth]` section: "" for keys in `[auth]` itself, then each
    `[auth.<name>]`, in file order."""
    names = [""] if any(key in auth for key in REQUIRED_PROVIDER_KEYS) else []
    names += [
        key
        for key, value in auth.items()
        if isinstance(value, Mapping) and any(k in value for k in REQUIRED_PROVIDER_KEYS)
    ]
    return names


def provider_label(name: str) -> str:
    """How a provider is named on its sign-in button ("microsoft" → "Microsoft")."""
    return _BRANDS.get(name.lower(), name[:1].upper() + name[1:])


def missing_provider_message() -> str:
    """Production without an `[auth]` section: what to do."""
    return _(
        "Virage runs in production mode but no identity provider is configured. Add an "
        "`[auth]` section to `.streamlit/secrets.toml` (see `secrets.example.toml`) and "
        "restart."
    )


def auth_problems(auth: Mapping[str, Any] | None, *, production: bool) -> list[str]:
    """Everything wrong with the `[auth]` section (None: there is none), each saying what to
    fix. Production also refuses a missing section and a weak or example `cookie_secret`."""
    if auth is None:
        return [missing_provider_message()] if production else []
    problems = _shared_problems(auth, production=production)
    names = provider_names(auth)
    if not names:
        problems.append(
            _(
                "No identity provider is named in `[auth]`: give `client_id`, `client_secret` "
                "and `server_metadata_url` in `[auth]` itself, or in one `[auth.<name>]` "
                "section per provider."
            )
        )
    for name in names:
        problems.extend(_provider_problems(name, auth[name] if name else auth))
    return problems


def _shared_problems(auth: Mapping[str, Any], *, production: bool) -> list[str]:
    problems: list[str] = []
    redirect = str(auth.get("redirect_uri", "")).strip()
    if not redirect:
        problems.append(
            _(
                "Add `redirect_uri` to `[auth]`: the address people open Virage at, followed "
                "by `/oauth2callback` (for example `https://virage.example.com/oauth2callback`)."
            )
        )
    elif not redirect.endswith("/oauth2callback"):
        problems.append(
            _("`redirect_uri` in `[auth]` must end with `/oauth2callback`, not “{value}”.").format(
                value=redirect
            )
        )
    cookie = str(auth.get("cookie_secret", "")).strip()
    if not cookie:
        problems.append(
            _(
                "Add `cookie_secret` to `[auth]`: at least {n} random characters, the same "
                "on every replica."
            ).format(n=COOKIE_SECRET_MIN_LENGTH)
        )
    elif production and (cookie == EXAMPLE_COOKIE_SECRET or "replace-me" in cookie.lower()):
        problems.append(
            _(
                "`cookie_secret` in `[auth]` is still the example value: replace it with at "
                "least {n} random characters, the same on every replica."
            ).format(n=COOKIE_SECRET_MIN_LENGTH)
        )
    elif production and (weakness := secret_strength_problem(cookie)):
        problems.append(
            _("`cookie_secret` in `[auth]` {problem} Use the same one on every replica.").format(
                problem=weakness
            )
        )
    return problems


def _provider_problems(name: str, section: Any) -> list[str]:
    where = f"[auth.{name}]" if name else "[auth]"
    if "_" in name:
        return [
            _("Rename `{section}`: a provider's name may not contain “_”.").format(section=where)
        ]
    missing = [key for key in REQUIRED_PROVIDER_KEYS if not str(section.get(key, "")).strip()]
    if missing:
        return [
            _("`{section}` lacks {keys}.").format(
                section=where, keys=", ".join(f"`{key}`" for key in missing)
            )
        ]
    url = str(section["server_metadata_url"]).strip()
    if not url.startswith(("https://", "http://")):
        return [
            _(
                "`server_metadata_url` in `{section}` must be the full address of the "
                "provider's `/.well-known/openid-configuration`, not “{value}”."
            ).format(section=where, value=url)
        ]
    return []


# JSON true, as OpenID Connect defines the claim; and the exact string "true", which some
# providers send instead (JumpCloud's ID tokens, Sign in with Apple).
VERIFIED_VALUES: tuple[object, ...] = (True, "true")


def email_unverified(claims: Mapping[str, Any]) -> bool:
    """Whether the claims say the email is not verified: `email_verified` is present and not
    JSON true or the exact string "true" ("false", "False", "no", 1, null all refuse). A
    provider that sends no such claim (it is optional; Entra ID omits it) vouches for its
    email by sending it."""
    if "email_verified" not in claims:
        return False
    value = claims["email_verified"]
    # `is`: 1 == True in Python, and 1 is no JSON true
    return not any(value is v if isinstance(v, bool) else value == v for v in VERIFIED_VALUES)


def claim_values(claims: Mapping[str, Any], name: str) -> set[str]:
    """The values of a claim: a list or a single string; "a.b" reaches into a nested claim
    when no claim has that exact name (claim names may hold dots, like URLs)."""
    value: Any = claims.get(name)
    if value is None and "." in name:
        value = claims
        for part in name.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, str):
        return {value.strip()}
    if isinstance(value, list | tuple):
        return {str(v).strip() for v in value if isinstance(v, str | int)}
    return set()


def roles_from_claims(settings: Settings, claims: Mapping[str, Any]) -> frozenset[Role]:
    """The roles VIRAGE_ROLE_MAP gives for the claim named by VIRAGE_ROLE_CLAIM (for this
    session only: they are never written to the database)."""
    if not settings.role_claim:
        return frozenset()
    values = claim_values(claims, settings.role_claim)
    return frozenset(role for value, role in settings.role_map if value in values)
