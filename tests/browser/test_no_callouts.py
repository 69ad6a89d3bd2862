"""No text a person writes makes another person's browser call out (issue 20).

Every kind of user-written text in a demo company is seeded with a battery of payloads —
reference links, escapes, nested brackets, autolinks, bare addresses, HTML entities, tags,
SVG, `javascript:` and `data:` links, Streamlit directives — some pointing at an "attacker"
HTTP server on another loopback port. Then every page is visited as every role, with the
module, campaign and drill-down views opened. The test fails on any request that leaves the
portal's origin, on any hit at the attacker, on any dialog, and on any Content-Security-
Policy violation (the policy would hide an escaping failure, and a violation by Streamlit's
own front end would mean the policy breaks the portal).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlmodel import Session, select

from engagement.authz import SYSTEM, Role
from engagement.db import get_engine
from engagement.models import (
    BoardItem,
    Campaign,
    CampaignEvent,
    CoachingLog,
    Department,
    DirectionStatement,
    Employee,
    Market,
    MarketSnapshot,
    ModuleVersion,
    Pulse,
    Response,
    YouSaidWeDid,
)
from engagement.services import people_import
from tests.browser.conftest import ARTIFACTS, PROJECT, free_port, start_server, stop_server
from tests.conftest import ON_PG, fresh_pg_database

pytestmark = pytest.mark.browser

_PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360"
    "000002000154a24f5d0000000049454e44ae426082"
)


class _Attacker(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(_PIXEL)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def attacker() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on another loopback port that counts every request it gets."""
    hits: ClassVar[list[str]] = []
    handler = type("Handler", (_Attacker,), {"hits": hits})
    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    httpd.shutdown()


def payloads(a: str) -> list[str]:
    """The battery: every way Markdown, HTML or Streamlit could be made to fetch or run."""
    return [
        f"[ref][1]\n\n[1]: {a}/ref.png",
        f"![ref image][r]\n\n[r]: <{a}/refimg.png> 't'",
        f"![pic]\n\n[pic]: {a}/short.png",
        f"![a]({a}/img.png)",
        f"\\![a]({a}/escaped.png)",
        f"!\\[a]({a}/escaped2.png)",
        f"[![a]({a}/nested.png)](https://ok.test)",
        f"![a [b] c]({a}/brackets.png)",
        f"<{a}/autolink.png>",
        f"{a}/bare.png www.tracker.example/p.png",
        f"&#x3C;img src={a}/entity.png&#x3E;",
        f"<img src={a}/tag.png>",
        f"<svg onload=alert(1)><image href='{a}/svg.png'/></svg>",
        "<script>alert(1)</script>",
        "[run](javascript:alert(1)) [data](data:text/html,<script>alert(1)</script>)",
        f"![d](data:image/svg+xml,<svg onload=alert(1)>) <iframe src='{a}/frame'></iframe>",
        ":red[alarm] $\\Huge x$ :material/warning: ![ext](https://tracker.example/p.png)",
    ]


def short_payloads(a: str) -> list[str]:
    """For names (≤ 120 characters with the name they are added to)."""
    return [
        f"![a]({a}/n1.png)",
        f"[x][1]\n\n[1]: {a}/n2.png",
        f"\\![a]({a}/n3.png)",
        f"<img src={a}/n4.png>",
        f"&#x3C;img src={a}/n5.png&#x3E;",
        f"![a [b]]({a}/n6.png)",
        "[j](javascript:alert(1))",
    ]


@dataclass
class Seeder:
    long: list[str]
    short: list[str]
    n: int = field(default=0)

    def text(self, base: str = "") -> str:
        self.n += 1
        return f"{base} {self.long[self.n % len(self.long)]}".strip()

    def name(self, base: str) -> str:
        self.n += 1
        return f"{base} {self.short[self.n % len(self.short)]}"

    def langs(self, current: dict[str, str], *, short: bool = False) -> dict[str, str]:
        make = self.name if short else self.text
        return {lang: make(value) for lang, value in current.items()}


def _import_payload_people(url: str, a: str) -> None:
    """Departments and people arriving from an HR file, as an admin imports it."""
    header = "ID,Name,Email,Division,Department,Location,Job family,Badge ![h](A/hdr.png)\r\n"
    rows = [
        f"P{i},Pat {i} ![a](A/p{i}.png),pat{i}@payload.test,Payloads,"
        f"Team <img src=A/t{i}.png>,Site [x](javascript:alert(1)),"
        f"Family \\![f](A/f{i}.png),Badge ![b](A/b{i}.png)\r\n"
        for i in range(6)
    ]
    data = (header + "".join(rows)).replace("A/", f"{a}/").encode()
    with Session(get_engine(url)) as s:
        people_import.import_people(session=s, actor=SYSTEM, data=data, file_name="payload.csv")
        s.commit()


def seed(url: str, a: str) -> None:
    """Every kind of text people write, rewritten to carry the payloads."""
    _import_payload_people(url, a)
    sd = Seeder(payloads(a), short_payloads(a))
    with Session(get_engine(url)) as s:
        for c in s.exec(select(Campaign)).all():
            c.title, c.message = sd.langs(c.title, short=True), sd.langs(c.message)
        for m in s.exec(select(Market)).all():
            m.name = sd.name(m.name)
            m.names = sd.langs(m.names, short=True)
            m.descriptions, m.description = sd.langs(m.descriptions), sd.text()[:500]
        for d in s.exec(select(Department)).all():
            d.name = sd.name(d.name)
        for e in s.exec(select(Employee)).all():
            e.name = sd.name(e.name)
            e.location = sd.name(e.location or "")[:120]
        for v in s.exec(select(ModuleVersion)).all():
            v.content = {lang: _module(text, sd) for lang, text in v.content.items()}
        for st in s.exec(select(DirectionStatement)).all():
            st.statement, st.note = sd.langs(st.statement), sd.langs(st.note or {"en": "n"})
        for b in s.exec(select(BoardItem)).all():
            b.body, b.answer = sd.text(b.body)[:1000], sd.langs(b.answer)
            b.decline_reason = sd.text() if b.decline_reason else None
        for y in s.exec(select(YouSaidWeDid)).all():
            y.heard, y.changes = sd.langs(y.heard), sd.langs(y.changes)
        for log in s.exec(select(CoachingLog)).all():
            log.topic, log.notes, log.commitments = sd.name(log.topic), sd.text(), sd.text()
        for p in s.exec(select(Pulse)).all():
            p.name, p.names = sd.name(p.name), sd.langs(p.names, short=True)
            # HR's own question, in English only: My pulse asks it, Pulse surveys and
            # Translations list it as lacking French
            own = {"id": "custom_payload", "dimension": None, "text": {"en": sd.text("Own")}}
            p.custom_items = [*p.custom_items, own]
        for snap in s.exec(select(MarketSnapshot)).all():
            snap.reason = sd.name(snap.reason)[:200]
        for ev in s.exec(select(CampaignEvent)).all():
            ev.actor = sd.name(ev.actor)[:320]
        for r in s.exec(select(Response).where(Response.comment.is_not(None))).all():  # type: ignore[union-attr]
            r.comment = sd.text(r.comment or "")[:2000]
        s.commit()


def _module(text: dict[str, Any], sd: Seeder) -> dict[str, Any]:
    steps = {
        step: {"title": sd.name(part["title"]), "body": sd.text(part["body"])}
        for step, part in text["steps"].items()
    }
    quiz = [
        {
            **q,
            "question": sd.name(q["question"]),
            "options": [
                {**o, "text": sd.name(o["text"]), "explanation": sd.text(o.get("explanation", ""))}
                for o in q["options"]
            ],
        }
        for q in text["quiz"]
    ]
    title, summary = sd.name(text["title"]), sd.text(text["summary"])
    return {**text, "title": title, "summary": summary, "steps": steps, "quiz": quiz}


@pytest.fixture(scope="module")
def seeded(
    attacker: tuple[str, list[str]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """(base URL, database URL) of a portal whose every user-written text carries payloads."""
    if ON_PG:
        with fresh_pg_database("virage_test_callouts") as url:
            yield from _serve(url, attacker[0], tmp_path_factory)
        return
    url = f"sqlite:///{tmp_path_factory.mktemp('callouts') / 'virage.db'}"
    yield from _serve(url, attacker[0], tmp_path_factory)


def _serve(url: str, a: str, tmp: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    env = {**os.environ, "DATABASE_URL": url, "VIRAGE_ENV": "development"}
    demo = [sys.executable, "-m", "engagement", "demo", "--employees", "150", "--seed", "7"]
    subprocess.run(demo, cwd=PROJECT, env=env, check=True, capture_output=True, timeout=180)
    seed(url, a)
    proc, base = start_server(env, tmp.mktemp("logs") / "server.log")
    try:
        yield base, url
    finally:
        stop_server(proc)
        get_engine(url).dispose()


@dataclass
class Watch:
    """Everything the browser did that it should not have."""

    origin: str
    outside: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def request(self, url: str) -> None:
        ws = "ws" + self.origin.removeprefix("http")
        if not url.startswith((self.origin + "/", ws + "/", "data:", "blob:")):
            self.outside.append(url)

    def console(self, text: str) -> None:
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.violations.append(text[:300])


def _open_everything_on(page: Any, role: Role) -> None:
    """The views behind a click: a module and its check, a campaign, a log, a drill-down."""
    main = page.get_by_test_id("stMain")
    for label in ("Read the message", "Start", "Continue", "Read again"):
        button = main.get_by_role("button", name=label)
        if button.count():
            button.first.click()
            page.wait_for_timeout(900)
            break
    for _step in range(5):  # a module's four steps, then its check
        forward = main.get_by_role("button", name="Next")
        if not forward.count():
            forward = main.get_by_role("button", name="Go to the check")
        if not forward.count():
            break
        forward.first.click()
        page.wait_for_timeout(500)
    for summary in main.get_by_test_id("stExpander").locator("summary").all()[:4]:
        if summary.is_visible():  # not those on another tab
            summary.click()
    for chart in main.get_by_test_id("stVegaLiteChart").all()[:2]:
        if chart.is_visible():  # a tooltip quotes department and market names
            chart.hover()
            page.wait_for_timeout(200)
    page.wait_for_timeout(300)


def _check_a_payload_file(page: Any, a: str) -> None:
    """An administrator checks an HR file whose headers and values carry payloads: the
    preview, the column choices and the problem table quote the file."""
    rows = [
        "ID,Name,Email,Department,Hire date,Note ![h](A/header.png)",
        "Q1,Quinn ![a](A/q1.png),q1@payload.test,Ops <img src=A/q1d.png>,![d](A/date.png),x",
        "Q1,Twice [x][1],q1@payload.test,Ops,2024-01-01,[1]: A/ref-in-file.png",
        "Q3,&#x3C;img src=A/q3.png&#x3E;,not-an-email ![e](A/mail.png),Ops,2024-13-01,y",
    ]
    data = "\r\n".join(rows).replace("A/", f"{a}/").encode()
    main = page.get_by_test_id("stMain")
    main.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": "payload ![f](x).csv", "mimeType": "text/csv", "buffer": data}]
    )
    main.get_by_role("button", name="Check the file").click()
    main.get_by_text("Nothing was imported").wait_for()
    page.wait_for_timeout(800)
    page.screenshot(path=ARTIFACTS / "callouts-import-problems.png", full_page=True)


def test_no_user_text_makes_a_browser_call_out(  # type: ignore[no-untyped-def]
    seeded: tuple[str, str], attacker: tuple[str, list[str]], page
) -> None:
    from playwright.sync_api import Response as HttpResponse

    base, _url = seeded
    _a, hits = attacker
    watch = Watch(base)
    page.on("request", lambda r: watch.request(r.url))
    page.on("console", lambda m: watch.console(m.text))
    page.on("dialog", lambda d: (watch.dialogs.append(d.message), d.dismiss()))
    policies: list[str] = []

    def remember_policy(r: HttpResponse) -> None:
        if r.url.rstrip("/") == base:
            policies.append(r.headers.get("content-security-policy", ""))

    page.on("response", remember_policy)
    visited: list[str] = []
    for role in (Role.EMPLOYEE, Role.MANAGER, Role.HR, Role.LEADER, Role.ADMIN):
        page.goto(base)
        page.get_by_text("Demo mode: no identity provider configured").wait_for()
        page.locator(f".st-key-virage-persona-{role.value} button").click()
        page.get_by_text("Signed in as").wait_for()
        nav = page.get_by_test_id("stSidebarNav")
        nav.wait_for()
        links = [(a.get_attribute("href"), a.inner_text()) for a in nav.get_by_role("link").all()]
        for href, text in links:
            title = text.strip().split("\n")[-1]  # after the icon's ligature
            nav.locator(f'a[href="{href}"]').click()
            page.wait_for_url(lambda u, h=str(href): u.split("?")[0] == h)
            page.get_by_test_id("stMain").locator("h1").first.wait_for()
            page.wait_for_timeout(700)  # charts, tables and late images
            _open_everything_on(page, role)
            visited.append(f"{role.value}: {title}")
        page.screenshot(path=ARTIFACTS / f"callouts-{role.value}.png", full_page=True)
        if role is Role.ADMIN:  # now on the admin's last page; the import page is theirs
            nav.locator('a[href$="/import-people"]').click()
            page.get_by_test_id("stMain").locator("h1").first.wait_for()
            _check_a_payload_file(page, attacker[0])
    page.wait_for_timeout(500)
    assert len(visited) >= 30, visited  # every role's pages, not a sign-in page five times
    assert policies and all("img-src 'self' data: blob:" in p for p in policies), policies
    assert not hits, f"the attacker's server was called: {hits}"
    assert not watch.outside, f"requests left the portal: {watch.outside}"
    assert not watch.dialogs, f"dialogs opened: {watch.dialogs}"
    assert not watch.violations, f"the Content-Security-Policy blocked: {watch.violations}"


def test_the_portal_answers_with_its_content_security_policy(seeded: tuple[str, str]) -> None:
    import urllib.request

    base, _url = seeded
    for path in ("/", "/_stcore/health", "/static/favicon.png", "/no-such-page"):
        try:
            response = urllib.request.urlopen(base + path, timeout=10)
        except urllib.error.HTTPError as exc:  # a 404 carries the headers too
            response = exc
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self' 'sha256-" in policy
        assert "unsafe-eval" not in policy and "connect-src 'self' ws://127.0.0.1:" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_module_list_of_this_file_stays_in_step_with_the_server() -> None:
    # serve.py is what `make run`, the systemd unit and the browser tests start
    for place in ("Makefile", "deploy/virage@.service", "tests/browser/conftest.py"):
        assert "serve.py" in (PROJECT / place).read_text(), place
    assert Path(PROJECT / "serve.py").exists()
