"""A real Streamlit server on a free port with its own database, and Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from engagement.db import get_engine
from tests.conftest import ON_PG, fresh_pg_database

PROJECT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def chromium() -> str:
    if not Path(CHROMIUM).exists():
        if os.environ.get("VIRAGE_REQUIRE_BROWSER") == "1":
            pytest.fail("VIRAGE_REQUIRE_BROWSER=1 but Debian's chromium is not installed")
        pytest.skip("install Debian's chromium to run the browser tests")
    return CHROMIUM


def start_server(env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start `streamlit run serve.py` (as `make run` does) on a free port; wait until it answers."""
    port = free_port()
    log = log_path.open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "serve.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=PROJECT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, base
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"the server did not start; see {log_path}")
        time.sleep(0.3)


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def server_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The served database: a SQLite file, or PostgreSQL on PostgreSQL runs."""
    if ON_PG:
        with fresh_pg_database("virage_test_server") as url:
            yield url
        return
    yield f"sqlite:///{tmp_path_factory.mktemp('server') / 'virage.db'}"


@pytest.fixture(scope="session")
def server(
    server_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """(base URL, database URL) of a portal serving a small demo company."""
    env = {**os.environ, "DATABASE_URL": server_database_url, "VIRAGE_ENV": "development"}
    subprocess.run(
        [sys.executable, "-m", "engagement", "demo", "--employees", "150", "--seed", "7"],
        cwd=PROJECT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    proc, base = start_server(env, tmp_path_factory.mktemp("logs") / "server.log")
    yield base, server_database_url
    stop_server(proc)
    get_engine(server_database_url).dispose()  # the tests read it too: let it be dropped


@pytest.fixture
def page(chromium: str):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-CA")
        pg = context.new_page()
        pg.set_default_timeout(20_000)
        yield pg
        context.close()
        browser.close()
