"""Conversation guides: every shipped guide loads; broken files say file, line and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from engagement.coaching_guides import (
    GUIDES_DIR,
    SECTIONS,
    load_guides,
    parse_guide,
    read_guide,
    shipped_guides,
)
from engagement.errors import InvalidInput
from engagement.i18n import LANGUAGES
from engagement.questions import Dimension

GOOD = """---
dimension: desire
language: en
title: When people do not want the change
summary: Hear the resistance before you argue.
minutes: 20
---

## Open with what you saw {#open}

Start from the team's own results.

## Ask, then listen {#ask}

- What would make this change worth it for you?

```text
## not a heading inside a code block
```

## Agree on one step {#agree}

One small experiment before the next pulse.

## Traps to avoid {#pitfalls}

### Do not

Argue figures.
"""


def test_every_shipped_guide_loads_in_both_languages() -> None:
    library = load_guides(sorted(GUIDES_DIR.glob("*.md")))
    assert not library.errors, [str(e) for e in library.errors]
    assert set(library.guides) == {(d, lang) for d in Dimension for lang in LANGUAGES}
    assert not library.missing()
    for (dimension, lang), guide in library.guides.items():
        assert guide.dimension is dimension and guide.language == lang
        assert [s.part for s in guide.sections] == list(SECTIONS)
        assert all(s.body.strip() and s.title for s in guide.sections)
        assert 1 <= guide.minutes <= 240
    # the two languages of a guide are not the same text
    for dimension in Dimension:
        en, fr = library.guides[(dimension, "en")], library.guides[(dimension, "fr")]
        assert en.title != fr.title and en.sections[1].body != fr.sections[1].body


def test_a_good_file_parses_with_its_sections_in_order() -> None:
    guide = parse_guide(GOOD, "desire.en.md")
    assert guide.dimension is Dimension.DESIRE and guide.minutes == 20
    assert [s.part for s in guide.sections] == ["open", "ask", "agree", "pitfalls"]
    assert guide.sections[0].title == "Open with what you saw"
    assert "## not a heading inside a code block" in guide.sections[1].body
    assert "### Do not" in guide.sections[3].body


BROKEN = [
    (GOOD.replace("---\n", "", 1), 1, "must start with a front matter line"),
    (GOOD.replace("minutes: 20\n---", "minutes: 20\n"), 1, "no closing line"),
    (GOOD.replace("minutes: 20", "minutes: [20"), 6, "not valid YAML"),
    (GOOD.replace("dimension: desire", "dimension: morale"), 2, "“dimension” must be one of"),
    (GOOD.replace("language: en", "language: de"), 3, "“language” must be one of"),
    (GOOD.replace("title: When people do not want the change", "title: ''"), 4, "“title”"),
    (GOOD.replace("minutes: 20", "minutes: soon"), 6, "“minutes” must be a whole number"),
    (GOOD.replace("minutes: 20", "minutes: 20\nauthor: me"), 7, "unknown key “author”"),
    (GOOD.replace("Hear the resistance", "Hear <b>the</b> resistance"), 5, "HTML is not allowed"),
    (GOOD.replace("{#ask}", "{#agree}", 1), 13, "the sections must be, in this order"),
    (
        GOOD.replace("## Traps to avoid {#pitfalls}", "## Traps to avoid"),
        25,
        "end with its part, e.g. “## How to open {#open}”",
    ),
    (GOOD.replace("\n## Open with", "\nIntro text.\n\n## Open with"), 9, "text before the first"),
    (GOOD.replace("## Agree on one step {#agree}", "# Agree {#agree}"), 21, "use “##” headings"),
    (GOOD.replace("One small experiment before the next pulse.", ""), 21, "{#agree} is empty"),
    (GOOD.replace("Argue figures.", "<script>alert(1)</script>"), 29, "HTML is not allowed"),
    (GOOD.split("## Traps")[0], 25, "found: {#open}, {#ask}, {#agree}"),
]


@pytest.mark.parametrize(("text", "line", "problem"), BROKEN)
def test_broken_files_name_the_file_the_line_and_the_problem(
    text: str, line: int, problem: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_guide(text, "desire.en.md")
    message = str(caught.value)
    assert message.startswith(f"desire.en.md, line {line}: "), message
    assert problem in message


def test_file_name_must_match_dimension_and_language(tmp_path: Path) -> None:
    path = tmp_path / "tools.en.md"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"tools\.en\.md, line 2: .*“desire\.en\.md”"):
        read_guide(path)


def test_oversized_and_undecodable_files_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "desire.en.md"
    big.write_text(GOOD + "x" * 200_001, encoding="utf-8")
    with pytest.raises(InvalidInput, match="larger than 200 KB"):
        read_guide(big)
    latin = tmp_path / "desire.fr.md"
    latin.write_bytes(GOOD.replace("language: en", "language: fr").encode("utf-8") + b"\xe9\xff")
    with pytest.raises(InvalidInput, match="not UTF-8"):
        read_guide(latin)


def test_a_broken_file_does_not_stop_the_others_and_missing_languages_fall_back(
    tmp_path: Path,
) -> None:
    (tmp_path / "desire.en.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "desire.fr.md").write_text(GOOD.replace("{#open}", ""), encoding="utf-8")
    library = load_guides(tmp_path.glob("*.md"))
    assert len(library.errors) == 1 and "desire.fr.md" in str(library.errors[0])
    guide, fell_back = library.pick(Dimension.DESIRE, "fr")
    assert guide is not None and guide.language == "en" and fell_back
    guide, fell_back = library.pick(Dimension.DESIRE, "en")
    assert guide is not None and not fell_back
    assert library.pick(Dimension.TOOLS, "en") == (None, False)
    assert (Dimension.DESIRE, "fr") in library.missing()


def test_shipped_guides_are_read_once() -> None:
    assert shipped_guides() is shipped_guides()
