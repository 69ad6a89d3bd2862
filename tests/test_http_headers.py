"""The Content-Security-Policy middleware, on a real Starlette app (the browser test checks
it on the portal itself)."""

from __future__ import annotations

import ast
import base64
import hashlib
import re
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket

from engagement.http_headers import (
    SecurityHeaders,
    content_security_policy,
    inline_script_hashes,
)

PROJECT = Path(__file__).resolve().parents[1]


async def _hello(_request: object) -> PlainTextResponse:
    return PlainTextResponse("hello")


async def _socket(ws: WebSocket) -> None:
    await ws.accept()
    await ws.send_text("hi")
    await ws.close()


@pytest.fixture
def client() -> TestClient:
    app = Starlette(
        routes=[Route("/hello", _hello), WebSocketRoute("/ws", _socket)],
        middleware=[Middleware(SecurityHeaders)],
    )
    return TestClient(app, base_url="http://portal.example:8501")


def _directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in policy.split("; ")}


def test_every_response_carries_the_policy(client: TestClient) -> None:
    for path in ("/hello", "/missing"):
        response = client.get(path)
        policy = _directives(response.headers["content-security-policy"])
        assert policy["img-src"] == ["'self'", "data:", "blob:"]
        assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
        assert policy["connect-src"] == [
            "'self'",
            "ws://portal.example:8501",
            "wss://portal.example:8501",
        ]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"


def test_websockets_pass_through_untouched(client: TestClient) -> None:
    with client.websocket_connect("/ws") as ws:
        assert ws.receive_text() == "hi"


def test_scripts_come_from_the_portal_and_its_one_inline_bootstrap_only() -> None:
    script = _directives(content_security_policy("h"))["script-src"]
    assert script[0] == "'self'" and all(s.startswith("'sha256-") for s in script[1:])
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    # the hashes are those of the inline scripts Streamlit's index.html really holds
    import streamlit

    html = (Path(streamlit.__file__).parent / "static" / "index.html").read_text()
    bodies = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert bodies, "Streamlit's index.html has no inline script any more: recheck the policy"
    expected = {
        "'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'"
        for b in bodies
    }
    assert set(inline_script_hashes()) == expected


@pytest.mark.parametrize(
    "host", ["evil.example; script-src *", "a b", "x'y", "", "h\r\nSet-Cookie: x=1"]
)
def test_a_strange_host_header_cannot_write_the_policy(host: str) -> None:
    policy = content_security_policy(host)
    assert "connect-src 'self';" in policy and "*" not in policy and "Set-Cookie" not in policy


def test_serve_py_installs_the_middleware_around_app_py() -> None:
    tree = ast.parse((PROJECT / "serve.py").read_text())
    source = ast.unparse(tree)
    assert "Middleware(SecurityHeaders)" in source
    assert "app = st.App('app.py', routes=ROUTES, middleware=MIDDLEWARE)" in source
