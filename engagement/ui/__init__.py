"""The Streamlit adapter: the only part of `engagement` that imports streamlit.

Pages call these helpers: the gate (who is signed in), the guard (may they open this page),
`load`/`act` (call a service in one unit of work and show domain errors as messages), and
the shared renderers, and the one way people's text reaches Streamlit (`plain_label`,
`plain_markdown`, `safe_markdown` from engagement.safe_text).
"""

from pathlib import Path

from engagement.safe_text import plain_label, plain_markdown, safe_markdown
from engagement.ui.context import (
    act,
    current_actor,
    flash,
    forget_privacy_thresholds,
    load,
    privacy_thresholds,
    settings,
    show_flash,
)
from engagement.ui.failure import failures_shown
from engagement.ui.gate import sign_in_gate
from engagement.ui.nav import guard, navigation

# the tab's icon, served by the portal itself: a `:material/…:` or emoji page icon makes
# Streamlit's front end fetch the picture from Google's or a CDN's servers on every visit
PAGE_ICON = str(Path(__file__).with_name("icon.png"))

__all__ = [
    "PAGE_ICON",
    "act",
    "current_actor",
    "failures_shown",
    "flash",
    "forget_privacy_thresholds",
    "guard",
    "load",
    "navigation",
    "plain_label",
    "plain_markdown",
    "privacy_thresholds",
    "safe_markdown",
    "settings",
    "show_flash",
    "sign_in_gate",
]
