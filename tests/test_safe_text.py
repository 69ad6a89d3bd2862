"""People's text shown through Markdown: plain for posts, limited Markdown for answers."""

from __future__ import annotations

import pytest

from engagement.safe_text import WORD_JOINER, plain_markdown, safe_markdown


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "![pixel](https://tracker.example/p.png)",
        "[click me](javascript:alert(1))",
        ":red[alarm] :material/warning: $\\Huge x$",
        "# Shouting\n    code block\n> quote\n- list\n1. numbered\n===",
        "**bold** _it_ `code` ~~gone~~ | table |",
        "phishing at https://evil.example/login and www.evil.example",
    ],
)
def test_a_post_shows_exactly_what_was_written(text: str) -> None:
    shown = plain_markdown(text)
    # every Markdown character is escaped: none can start formatting, links or HTML
    for ch in "<>[]()!*_`#~|:$=":
        assert all(shown[i - 1] == "\\" for i, c in enumerate(shown) if c == ch), (ch, shown)
    # and unescaping gives the text back, line by line, without leading spaces
    restored = shown.replace("  \n", "\n").replace(WORD_JOINER, "")
    for ch in "\\`*_{}[]()#+-.!|<>~=:$&\"'":
        restored = restored.replace("\\" + ch, ch)
    assert restored == "\n".join(line.strip() for line in text.split("\n"))


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
        "<img src=x onerror=alert(1)> <!-- hidden -->\n"
        "[ref]: https://evil.example/p.png\n"
    )
    shown = safe_markdown(text)
    assert shown.startswith("#### Our answer")
    assert "**Yes**" in shown and "[the plan](https://intranet.example/plan)" in shown
    assert "[mail us](mailto:hr@x.test)" in shown
    assert "evil.example" not in shown and "javascript" not in shown and "data:" not in shown
    assert "tracker" in shown and "run" in shown  # the words stay, the targets go
    assert "<" not in shown and "&lt;img" in shown and "&lt;!--" in shown
