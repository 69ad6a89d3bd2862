"""The Streamlit adapter: the only part of `engagement` that imports streamlit.

Pages call these helpers: the gate (who is signed in), the guard (may they open this page),
`load`/`act` (call a service in one unit of work and show domain errors as messages), and
the shared renderers.
"""

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

__all__ = [
    "act",
    "current_actor",
    "failures_shown",
    "flash",
    "forget_privacy_thresholds",
    "guard",
    "load",
    "navigation",
    "privacy_thresholds",
    "settings",
    "show_flash",
    "sign_in_gate",
]
