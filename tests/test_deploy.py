"""deploy/: the nginx configuration for several replicas, and the README that explains it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
NGINX = PROJECT / "deploy" / "nginx.conf"


def _block(text: str, opening: str) -> str:
    """The body of the first `opening { … }` block (braces balanced)."""
    start = text.index(opening)
    depth, i = 0, text.index("{", start)
    for j in range(i, len(text)):
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        if depth == 0:
            return text[i + 1 : j]
    raise AssertionError(f"unbalanced block {opening}")


def _live(text: str) -> str:
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def test_nginx_balances_sticky_sessions_over_several_replicas() -> None:
    upstream = _live(_block(NGINX.read_text(encoding="utf-8"), "upstream virage"))
    assert len(re.findall(r"^\s*server\s+\S+", upstream, re.M)) >= 2
    assert re.search(r"^\s*ip_hash;", upstream, re.M) or "sticky" in upstream


def test_nginx_upgrades_streamlits_websocket() -> None:
    text = _live(NGINX.read_text(encoding="utf-8"))
    stream = _block(text, "location /_stcore/stream")
    assert "proxy_pass http://virage;" in stream
    assert "proxy_set_header Upgrade    $http_upgrade;" in stream
    assert "proxy_set_header Connection $connection_upgrade;" in stream
    assert re.search(r"proxy_read_timeout\s+\d{4,}s;", stream)  # long-lived
    assert "proxy_http_version 1.1;" in text
    assert "map $http_upgrade $connection_upgrade" in text


def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("nginx is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    request = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    subject = ["-subj", "/CN=virage.example.com", "-keyout", str(key), "-out", str(cert)]
    subprocess.run([*request, *subject], check=True, capture_output=True)
    site = NGINX.read_text(encoding="utf-8")
    site = site.replace("/etc/ssl/certs/virage.example.com.pem", str(cert))
    site = site.replace("/etc/ssl/private/virage.example.com.key", str(key))
    (tmp_path / "virage.conf").write_text(site, encoding="utf-8")
    temp = tmp_path / "temp"
    main = f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
  access_log off;
  client_body_temp_path {temp}; proxy_temp_path {temp}; fastcgi_temp_path {temp};
  uwsgi_temp_path {temp}; scgi_temp_path {temp};
  include {tmp_path}/virage.conf;
}}
"""
    (tmp_path / "nginx.conf").write_text(main, encoding="utf-8")
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_the_readme_explains_the_deployment() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Several replicas") :]
    section = section[: section.index("\n## ", 1)] if "\n## " in section[1:] else section
    for needed in (
        "deploy/nginx.conf",
        "cookie_secret",
        "VIRAGE_SECRET_KEY",
        "python -m engagement init",
        "PostgreSQL",
        "ip_hash",
    ):
        assert needed in section, needed
    for name in ("virage@.service", "virage-migrate.service", "env.example"):
        assert (PROJECT / "deploy" / name).exists(), name
        assert f"deploy/{name}" in section, name
