"""What a reader sees of a Markdown source that escapes people's text (engagement.safe_text)."""

from __future__ import annotations

import re

from engagement.safe_text import WORD_JOINER

_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def shown(markdown: str) -> str:
    """The text with Markdown's backslash escapes read and the invisible word joiners gone."""
    return _ESCAPE.sub(r"\1", markdown).replace(WORD_JOINER, "")
