"""Timing pages as a person gets them (streamlit.testing AppTest), for the benchmark.

A page's cost is the median wall time of a rerun once Streamlit's caches are warm, the way a
person clicking around an open portal pays it: the Python of the page, its database reads
and its charts, without the browser.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.testing.v1 import AppTest

from engagement import PROJECT_DIR

APP = PROJECT_DIR / "app.py"
DEMO_EMAIL_KEY = "virage.demo_email"


@contextmanager
def _database(url: str) -> Iterator[None]:
    """The app reads its settings from the environment: point it at the benchmark's database."""
    saved = {name: os.environ.get(name) for name in ("DATABASE_URL", "VIRAGE_ENV")}
    main = sys.modules["__main__"]
    os.environ["DATABASE_URL"] = url
    os.environ.pop("VIRAGE_ENV", None)  # development: the demo sign-in stands for a person
    try:
        yield
    finally:
        # Streamlit runs the app as __main__: put ours back, or a process spawned later
        # (the bench's pandas baseline, a test's) would start by running the app
        sys.modules["__main__"] = main
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def page_ms(*, database_url: str, email: str, pages: list[str], repeat: int) -> dict[str, float]:
    """Median milliseconds of a warm rerun of each page (paths like "pages/home.py")."""
    out: dict[str, float] = {}
    with _database(database_url):
        st.cache_data.clear()
        st.cache_resource.clear()
        app = AppTest.from_string(APP.read_text(encoding="utf-8"), default_timeout=600)
        app.session_state[DEMO_EMAIL_KEY] = email
        app.run()
        for page in pages:
            app.switch_page(str(PROJECT_DIR / page)).run()  # fills the caches
            if app.exception:
                raise RuntimeError(f"{page}: {app.exception[0].value}")
            times = []
            for _ in range(max(repeat, 1)):
                started = time.perf_counter()
                app.run()
                times.append((time.perf_counter() - started) * 1000)
            out[page] = round(statistics.median(times), 1)
        st.cache_data.clear()
        st.cache_resource.clear()
    return out
