"""Response headers that keep a viewer's browser from calling out, as defence in depth.

People's text is escaped before Streamlit sees it (engagement.safe_text). Should something
slip through anyway, the Content-Security-Policy lets the browser load images, scripts,
styles and fonts, and open connections, only from the portal itself: no tracking pixel, no
script, no beacon to another origin. What Streamlit's own front end needs is allowed and
no more: its inline bootstrap script by hash, the inline styles its CSS-in-JS writes,
`data:`/`blob:` images and media (charts, downloads), and `blob:` workers.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import re
from functools import lru_cache
from pathlib import Path

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _index_html() -> Path:
    # found, not imported: only engagement.ui imports streamlit
    spec = importlib.util.find_spec("streamlit")
    origin = spec.origin if spec else None
    return Path(origin).parent / "static" / "index.html" if origin else Path("/nonexistent")


_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
# a Host header that may go into the policy as it is (anything else is left out: 'self' holds)
_HOST = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$")


@lru_cache(maxsize=1)
def inline_script_hashes() -> tuple[str, ...]:
    """CSP hashes of the inline scripts in Streamlit's index.html (read from the installed copy)."""
    index = _index_html()
    html = index.read_text(encoding="utf-8") if index.exists() else ""
    return tuple(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE_SCRIPT.findall(html)
    )


def content_security_policy(host: str | None = None) -> str:
    """The policy for a response to a request made to `host` (the Host header)."""
    sockets = f" ws://{host} wss://{host}" if host and _HOST.match(host) else ""
    directives = {
        "default-src": "'self'",
        # no 'unsafe-eval': Streamlit's charts draw without it (checked in the browser test)
        "script-src": " ".join(["'self'", *inline_script_hashes()]),
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data: blob:",
        "font-src": "'self' data:",
        "media-src": "'self' data: blob:",
        "connect-src": "'self'" + sockets,
        "worker-src": "'self' blob:",
        "frame-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'self'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # a link people follow out of the portal does not tell the other site which page it was on
    "Referrer-Policy": "same-origin",
}


class SecurityHeaders:
    """ASGI middleware: the Content-Security-Policy and a few safe defaults on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = content_security_policy(Headers(scope=scope).get("host"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = policy
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
