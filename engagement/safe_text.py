"""Text written by people, made safe to show as Markdown.

Streamlit's `st.markdown` (without `unsafe_allow_html`) already shows HTML as text. What is
left is what Markdown itself can do with a stranger's text: an employee's post is shown as
plain text (no formatting, links, images, LaTeX or Streamlit directives of its own); a
leader's answer keeps ordinary formatting and web links, but never images (they would load
from anywhere, e.g. a tracking pixel), links to other schemes (`javascript:`, `data:`) or
headings bigger than the card around them.
"""

from __future__ import annotations

import re

# every ASCII punctuation character can be backslash-escaped in Markdown (CommonMark);
# `:` and `$` too, so neither Streamlit's `:red[…]`/`:material/…:` nor LaTeX can start
_SPECIAL = frozenset("\\`*_{}[]()#+-.!|<>~=:$&\"'")
_IMAGE = re.compile(r"!\[([^\]]*)\]\s*(\([^)]*\)|\[[^\]]*\])")
_LINK = re.compile(r"\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.MULTILINE)
_BIG_HEADING = re.compile(r"^\s{0,3}#{1,3}(?=\s)", re.MULTILINE)
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
# GitHub-flavoured Markdown turns bare addresses into links after escapes are read, so an
# invisible word joiner goes where its pattern needs "http(s)://" or "www."
_AUTOLINK = re.compile(r"(?i)\b(https?|www)(?=:|\.)")
WORD_JOINER = "\u2060"


def plain_markdown(text: str) -> str:
    """Text shown as written: every Markdown character escaped, no link, line breaks kept."""
    lines = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        # leading spaces would start a code block: they carry no meaning in a post
        unlinked = _AUTOLINK.sub(lambda m: m.group(1) + WORD_JOINER, line.strip())
        escaped = "".join("\\" + ch if ch in _SPECIAL else ch for ch in unlinked)
        lines.append(escaped)
    # two spaces before a newline: a line break, not a new paragraph or a joined line
    return "  \n".join(lines)


def _link(match: re.Match[str]) -> str:
    label, url = match.group(1), match.group(2)
    if url.lower().startswith(_SAFE_SCHEMES):
        return f"[{label}]({url})"
    return label


def safe_markdown(text: str) -> str:
    """Markdown written by leaders or HR, without images, unsafe links, HTML or big headings."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _IMAGE.sub(lambda m: m.group(1), text)
    text = _REFERENCE.sub("", text)  # reference definitions could smuggle an image or a link
    text = _LINK.sub(_link, text)
    text = text.replace("<", "&lt;")  # no tag, comment or autolink can open
    return _BIG_HEADING.sub("####", text)
