"""Text written by people, made safe to hand to Streamlit's Markdown.

Streamlit shows almost every string as GitHub-flavoured Markdown — `st.markdown`, captions,
headings, widget labels, radio options, expander and tab labels, help tooltips — and that
Markdown can load an image from anywhere (a tracking pixel tells an outside server who read
what, and when). Regular expressions cannot follow what a Markdown parser makes of
reference links, escapes and nested brackets, so user-written text takes one path here:

- `plain_markdown` / `plain_label`: shown exactly as written. Every punctuation character is
  backslash-escaped, so Streamlit's parser can build nothing from it — no image, link,
  HTML, emphasis, LaTeX or Streamlit directive.
- `safe_markdown`: Markdown written by leaders and HR. A real CommonMark parser
  (markdown-it-py, with raw HTML off) reads it; the tree is written back out as Markdown
  that uses only an allow-list — paragraphs, small headings, lists, quotes, code, emphasis,
  strike-through, and links to http(s) or mailto — with every piece of text escaped as above.
  Images become their alt text, other links their label. Streamlit therefore receives
  either our own constructs or escaped text, nothing it could re-interpret.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

# every ASCII punctuation character can be backslash-escaped in Markdown (CommonMark); these
# are the ones any construct starts or ends with, `:` and `$` too, so neither Streamlit's
# `:red[…]`/`:material/…:` nor LaTeX can start
_SPECIAL = frozenset("\\`*_{}[]()#+-.!|<>~=:$&\"'^")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
# GitHub-flavoured Markdown turns bare addresses into links after escapes are read, so an
# invisible word joiner goes where its pattern needs "http(s)://" or "www."
_AUTOLINK = re.compile(r"(?i)\b(https?|www)(?=:|\.)")
WORD_JOINER = "\u2060"
# characters a link target may not carry as such: they could end it or start something else
_URL_UNSAFE = re.compile(r"[\s()<>\\\"'`\[\]]")

_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_PARSER.enable("strikethrough")


def _escape(text: str) -> str:
    """One line of text that Markdown can only show as written."""
    unlinked = _AUTOLINK.sub(lambda m: m.group(1) + WORD_JOINER, text)
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in unlinked)


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def plain_markdown(text: str) -> str:
    """Text shown as written: every Markdown character escaped, no link, line breaks kept."""
    # leading spaces would start a code block: they carry no meaning in a post
    escaped = [_escape(line.strip()) for line in _lines(text)]
    # two spaces before a newline: a line break, not a new paragraph or a joined line
    return "  \n".join(escaped)


def plain_label(text: str) -> str:
    """A name or title for a one-line Markdown place (label, heading, caption), as written."""
    return _escape(" ".join(line.strip() for line in _lines(text)).strip())


# a spreadsheet reads a cell starting so as a formula, which can call out (WEBSERVICE, HYPERLINK)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """A value for a CSV cell: text a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def is_safe_url(url: str) -> bool:
    """Whether a link may point there: http(s) or mailto, nothing else."""
    return url.strip().lower().startswith(_SAFE_SCHEMES)


def _url(href: str) -> str:
    return _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), href)


def _code_span(content: str) -> str:
    runs = [len(r) for r in re.findall(r"`+", content)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if content.startswith(("`", " ")) or content.endswith(("`", " ")) else ""
    return f"{fence}{pad}{content}{pad}{fence}"


def _inline(nodes: Iterable[SyntaxTreeNode]) -> str:
    out = []
    for node in nodes:
        kind = node.type
        if kind == "text":
            out.append(_escape(node.content))
        elif kind == "softbreak":
            out.append("\n")
        elif kind == "hardbreak":
            out.append("  \n")
        elif kind == "code_inline":
            out.append(_code_span(node.content.replace("\n", " ")))
        elif kind in ("em", "strong", "s"):
            mark = {"em": "*", "strong": "**", "s": "~~"}[kind]
            out.append(f"{mark}{_inline(node.children)}{mark}")
        elif kind == "link":
            label, href = _inline(node.children), str(node.attrs.get("href", ""))
            out.append(f"[{label}]({_url(href)})" if is_safe_url(href) and label else label)
        else:  # an image shows its alt text; anything else its text, escaped
            out.append(_inline(node.children) if node.children else _escape(node.content))
    return "".join(out)


def _indent(text: str, first: str, rest: str) -> str:
    lines = text.split("\n")
    return "\n".join([first + lines[0], *((rest + line) if line else "" for line in lines[1:])])


def _fence(content: str) -> str:
    runs = [len(r) for r in re.findall(r"`+", content)]
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}\n{content.rstrip(chr(10))}\n{fence}"


def _block(node: SyntaxTreeNode) -> str:
    kind = node.type
    if kind == "paragraph":
        return _inline(node.children[0].children) if node.children else ""
    if kind == "inline":
        return _inline(node.children)
    if kind == "heading":
        # headings bigger than the card around them would shout: h1–h3 become h4
        level = max(4, int(node.tag[1:]))
        return "#" * level + " " + _inline(node.children[0].children)
    if kind in ("bullet_list", "ordered_list"):
        start = int(str(node.attrs.get("start", 1)))
        items = []
        for n, item in enumerate(node.children):
            marker = "-" if kind == "bullet_list" else f"{start + n}."
            body = _blocks(item.children) or _escape(" ")
            items.append(_indent(body, marker + " ", " " * (len(marker) + 1)))
        # a blank line between items would make a loose list; its looks do not matter here
        return "\n".join(items)
    if kind == "blockquote":
        return _indent(_blocks(node.children), "> ", "> ").replace("\n\n", "\n>\n")
    if kind in ("fence", "code_block"):
        return _fence(node.content)
    if kind == "hr":
        return "---"
    return _escape(node.content)


def _blocks(nodes: Iterable[SyntaxTreeNode]) -> str:
    return "\n\n".join(shown for shown in (_block(n) for n in nodes) if shown)


def safe_markdown(text: str) -> str:
    """Markdown written by leaders or HR, re-written from an allow-list (see the module)."""
    tree = SyntaxTreeNode(_PARSER.parse(text.replace("\r\n", "\n").replace("\r", "\n")))
    return _blocks(tree.children)
