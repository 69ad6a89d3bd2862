"""Real sign-in in a real browser: st.login against a real OpenID Connect provider.

Two processes of our own: `oidc-provider-mock` (a genuine OIDC provider for tests) and the
portal in production mode, started from a temporary folder that holds its own
`.streamlit/secrets.toml` — Streamlit reads secrets from the folder it starts in, and a
secrets file in the project would take every other test out of demo mode.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest
from sqlmodel import Session, col, select

from engagement import org_tree
from engagement.authz import Role
from engagement.db import get_engine
from engagement.models import Employee
from engagement.services import directory
from tests.browser.conftest import ARTIFACTS, PROJECT, free_port

pytestmark = pytest.mark.browser

MANAGER_SUB = "manager-from-the-provider"
UNKNOWN_EMAIL = "ghost@elsewhere.example"


KELVIN_SUB = "kelvin-sign"
STRING_TRUE_SUB = "email-verified-string-true"
# email_verified as some providers send it, none of them JSON true: each must refuse
UNVERIFIED = ("false", "False", "no")


@dataclass(frozen=True)
class Portal:
    base: str
    db_url: str
    manager: directory.Persona
    employee: directory.Persona
    kelvin_email: str  # a directory address with a "k", written with the Kelvin sign K


def _provider_users(
    manager: directory.Persona, employee: directory.Persona, kelvin: str
) -> list[dict[str, object]]:
    """The provider's predefined users, one button each on its page (named by `sub`)."""
    # the manager's email in another case than the directory, and a group
    users: list[dict[str, object]] = [
        {
            "sub": MANAGER_SUB,
            "email": manager.email.upper(),
            "name": manager.name,
            "groups": ["virage-hr", "all-staff"],
        },
        {"sub": STRING_TRUE_SUB, "email": employee.email, "email_verified": "true"},
        {"sub": KELVIN_SUB, "email": kelvin, "email_verified": True},
    ]
    users += [
        {"sub": f"email-verified-{value}", "email": employee.email, "email_verified": value}
        for value in UNVERIFIED
    ]
    return users


def _someone_with_a_k(session: Session) -> str:
    emails = session.exec(
        select(Employee.email).where(Employee.active == True, col(Employee.email).contains("k"))  # noqa: E712
    ).all()
    return next(e for e in sorted(e for e in emails if e) if "k" in e.partition("@")[0])


def _wait_until_up(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"{url} did not come up; {log}:\n{tail}")
        time.sleep(0.3)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def _require_the_mock_provider() -> None:
    if importlib.util.find_spec("oidc_provider_mock") is None:
        if os.environ.get("VIRAGE_REQUIRE_BROWSER") == "1":
            pytest.fail("VIRAGE_REQUIRE_BROWSER=1 but oidc-provider-mock is not installed")
        pytest.skip("install requirements-dev.txt (oidc-provider-mock) to run the sign-in test")


def _secrets_toml(port: int, provider_port: int) -> str:
    metadata = f"http://127.0.0.1:{provider_port}/.well-known/openid-configuration"
    # the browser opens the portal on 127.0.0.1: redirect_uri must name exactly that host
    lines = [
        "[auth]",
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"',
        f'cookie_secret = "{secrets.token_urlsafe(32)}"',
    ]
    for name in ("corporate", "contractors"):  # two providers, two buttons (one provider here)
        lines += [
            "",
            f"[auth.{name}]",
            'client_id = "virage"',
            'client_secret = "virage-test-secret"',
            f'server_metadata_url = "{metadata}"',
        ]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def portal(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """The portal in production mode, signing people in through a real OIDC provider."""
    _require_the_mock_provider()
    root = tmp_path_factory.mktemp("oidc")
    db_url = f"sqlite:///{root / 'virage.db'}"
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "VIRAGE_ENV": "production",
        "VIRAGE_SECRET_KEY": secrets.token_urlsafe(32),
        "VIRAGE_ROLE_CLAIM": "groups",
        "VIRAGE_ROLE_MAP": "virage-hr=hr,virage-admins=admin",
        "PYTHONPATH": str(PROJECT),
    }
    env.pop("VIRAGE_MIN_GROUP_SIZE", None)
    subprocess.run(
        [sys.executable, "-m", "engagement", "demo", "--employees", "150", "--no-history"],
        cwd=PROJECT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    with Session(get_engine(db_url)) as session:
        found = {p.role: p for p in directory.demo_personas(session=session)}
        manager, employee = found[Role.MANAGER], found[Role.EMPLOYEE]
        target = _someone_with_a_k(session)
    kelvin = target.replace("k", "\u212a", 1)
    assert kelvin.lower() == target  # what the directory match used to do: someone else's
    provider_port, port = free_port(), free_port()
    provider_log, server_log = root / "provider.log", root / "server.log"
    with provider_log.open("w") as provider_out, server_log.open("w") as server_out:
        provider = subprocess.Popen(
            [
                *(sys.executable, "-m", "oidc_provider_mock"),
                *("-H", "127.0.0.1", "-p", str(provider_port)),
                *(
                    arg
                    for user in _provider_users(manager, employee, kelvin)
                    for arg in ("--user-claims", json.dumps(user))
                ),
            ],
            env=env,
            stdout=provider_out,
            stderr=subprocess.STDOUT,
        )
        try:
            metadata = f"http://127.0.0.1:{provider_port}/.well-known/openid-configuration"
            _wait_until_up(provider, metadata, provider_log)
            server = _start_portal(root / "server", port, provider_port, env, server_out)
            base = f"http://127.0.0.1:{port}"
            try:
                _wait_until_up(server, f"{base}/_stcore/health", server_log)
                yield Portal(
                    base=base,
                    db_url=db_url,
                    manager=manager,
                    employee=employee,
                    kelvin_email=kelvin,
                )
            finally:
                _stop(server)
        finally:
            _stop(provider)
            get_engine(db_url).dispose()


def _start_portal(
    cwd: Path, port: int, provider_port: int, env: dict[str, str], out: IO[str]
) -> subprocess.Popen[bytes]:
    """`streamlit run` of our serve.py from a folder holding its own `.streamlit/`."""
    (cwd / ".streamlit").mkdir(parents=True)
    shutil.copy(PROJECT / ".streamlit" / "config.toml", cwd / ".streamlit" / "config.toml")
    (cwd / ".streamlit" / "secrets.toml").write_text(_secrets_toml(port, provider_port))
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "streamlit", "run", str(PROJECT / "serve.py")),
            *("--server.port", str(port), "--server.address", "127.0.0.1"),
            *("--server.headless", "true"),
        ],
        cwd=cwd,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )


def _sign_in_page(page, portal: Portal) -> None:  # type: ignore[no-untyped-def]
    page.goto(portal.base)
    page.get_by_role("heading", name="Welcome to Virage").wait_for()
    page.get_by_role("button", name="Sign in with Corporate").wait_for()


def test_a_manager_signs_in_sees_their_departments_and_signs_out(portal: Portal, page) -> None:  # type: ignore[no-untyped-def]
    manager = portal.manager
    _sign_in_page(page, portal)
    assert page.get_by_role("button", name="Sign in with Contractors").is_visible()
    assert page.get_by_text("Demo mode").count() == 0
    page.wait_for_timeout(300)
    page.screenshot(path=ARTIFACTS / "oidc-sign-in.png", full_page=True)

    page.get_by_role("button", name="Sign in with Corporate").click()
    page.get_by_role("heading", name="Authorize Client").wait_for()
    page.screenshot(path=ARTIFACTS / "oidc-provider.png", full_page=True)
    page.get_by_role("button", name=MANAGER_SUB).click()

    page.get_by_role("heading", name=f"Hello, {manager.name}").wait_for()
    assert page.url.rstrip("/") == portal.base
    page.get_by_text("Departments I manage").wait_for()
    page.wait_for_timeout(500)
    page.screenshot(path=ARTIFACTS / "oidc-home.png", full_page=True)
    # the provider's group gave HR for this session: its pages are in the menu...
    assert page.get_by_role("link", name="Organisation").is_visible()

    page.get_by_role("link", name="My departments").click()
    page.get_by_role("heading", name="My departments").wait_for()
    page.get_by_test_id("stDataFrame").first.wait_for()
    page.wait_for_timeout(800)
    page.screenshot(path=ARTIFACTS / "oidc-my-departments.png", full_page=True)
    cells = page.locator("[role=gridcell]").all_inner_texts()
    shown = {cell.strip("\u2003") for cell in cells[::5]}  # the first of five columns
    with Session(get_engine(portal.db_url)) as session:
        actor = directory.actor_for_email(session=session, email=manager.email)
        nodes = directory.load_nodes(session)
    mine = set().union(*(org_tree.subtree_ids(nodes, d) for d in actor.managed_department_ids))
    assert shown == {n.name for n in nodes if n.id in mine}
    assert 0 < len(shown) < len(nodes)
    # ...and nothing of it was written to the directory
    assert not actor.has(Role.HR)

    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    # the provider's own sign-out page (RP-initiated logout), then back to Virage
    page.get_by_role("button", name="End session").click()
    page.get_by_role("heading", name="Welcome to Virage").wait_for()
    page.reload()
    page.get_by_role("heading", name="Welcome to Virage").wait_for()
    page.get_by_role("button", name="Sign in with Corporate").wait_for()
    page.wait_for_timeout(300)
    page.screenshot(path=ARTIFACTS / "oidc-signed-out.png", full_page=True)
    # a page's own address leads to the sign-in page too, not to "Page not found"
    page.goto(f"{portal.base}/my-departments")
    page.get_by_role("heading", name="Welcome to Virage").wait_for()
    page.wait_for_timeout(500)
    assert page.get_by_role("heading", name="My departments").count() == 0
    assert page.get_by_text("Page not found").count() == 0


def test_someone_missing_from_the_directory_gets_an_explanation(portal: Portal, page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in_page(page, portal)
    page.wait_for_timeout(300)
    page.screenshot(path=ARTIFACTS / "oidc-sign-in-phone.png", full_page=True)
    page.get_by_role("button", name="Sign in with Contractors").click()
    page.get_by_placeholder("sub").fill(UNKNOWN_EMAIL)  # the provider sends it as the email
    page.get_by_role("button", name="Authorize").click()
    page.get_by_role("heading", name="We could not sign you in").wait_for()
    page.get_by_text(f"We could not find {UNKNOWN_EMAIL} in the company directory").wait_for()
    assert page.get_by_role("link", name="Home").count() == 0
    page.wait_for_timeout(300)
    page.screenshot(path=ARTIFACTS / "oidc-not-in-directory.png", full_page=True)


def _authorize_as(page, portal: Portal, sub: str) -> None:  # type: ignore[no-untyped-def]
    _sign_in_page(page, portal)
    page.get_by_role("button", name="Sign in with Corporate").click()
    page.get_by_role("heading", name="Authorize Client").wait_for()
    page.get_by_role("button", name=sub, exact=True).click()


@pytest.mark.parametrize("value", UNVERIFIED)
def test_an_email_verified_string_that_is_not_true_refuses(  # type: ignore[no-untyped-def]
    portal: Portal, page, value: str
) -> None:
    _authorize_as(page, portal, f"email-verified-{value}")
    page.get_by_role("heading", name="We could not sign you in").wait_for()
    page.get_by_text(
        f"Your identity provider says {portal.employee.email} is not verified"
    ).wait_for()
    assert page.get_by_role("link", name="Home").count() == 0
    assert page.get_by_role("heading", name=f"Hello, {portal.employee.name}").count() == 0
    page.wait_for_timeout(300)
    page.screenshot(path=ARTIFACTS / f"oidc-email-verified-{value}.png", full_page=True)


def test_the_exact_string_true_counts_as_verified(portal: Portal, page) -> None:  # type: ignore[no-untyped-def]
    _authorize_as(page, portal, STRING_TRUE_SUB)
    page.get_by_role("heading", name=f"Hello, {portal.employee.name}").wait_for()


def test_a_kelvin_sign_email_reaches_no_one(portal: Portal, page) -> None:  # type: ignore[no-untyped-def]
    _authorize_as(page, portal, KELVIN_SUB)
    page.get_by_role("heading", name="We could not sign you in").wait_for()
    page.get_by_text("only look like ordinary letters").wait_for()
    assert portal.kelvin_email in page.get_by_test_id("stMain").inner_text()
    assert page.get_by_role("link", name="Home").count() == 0
    page.wait_for_timeout(300)
    page.screenshot(path=ARTIFACTS / "oidc-kelvin-sign.png", full_page=True)
