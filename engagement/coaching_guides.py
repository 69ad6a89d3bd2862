"""Conversation guides for managers: Markdown with YAML front matter, one file per language.

A guide file (`content/coaching/<dimension>.<lang>.md`) holds the front matter (dimension,
language, title, summary, minutes) and exactly four sections, each a level-2 heading ending
with its part, in this order: `{#open}` (how to open), `{#ask}` (questions to ask),
`{#agree}` (what to agree on), `{#pitfalls}`. A broken file is reported with its name, line
and problem, and never stops the others from loading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from engagement import CONTENT_DIR
from engagement.content_files import decode, load_front_matter
from engagement.content_files import key_line as _key_line
from engagement.content_files import problem as _error
from engagement.content_files import split_front_matter as _split
from engagement.errors import InvalidInput
from engagement.i18n import LANGUAGES, N_, _, get_language, normalize_language
from engagement.questions import Dimension

GUIDES_DIR = CONTENT_DIR / "coaching"
SECTIONS: tuple[str, ...] = ("open", "ask", "agree", "pitfalls")
SECTION_LABELS = {
    "open": N_("How to open"),
    "ask": N_("Questions to ask"),
    "agree": N_("What to agree on"),
    "pitfalls": N_("Pitfalls"),
}
KEYS = ("dimension", "language", "title", "summary", "minutes")
TITLE_MAX, SUMMARY_MAX, SECTION_MAX = 160, 1_000, 20_000
_HEADING = re.compile(r"^##\s+(?P<title>.*?)\s*\{#(?P<part>[a-z_]+)\}\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_HTML = re.compile(r"<\s*/?\s*[a-zA-Z!]")


@dataclass(frozen=True)
class Section:
    part: str  # one of SECTIONS
    title: str
    body: str  # Markdown


@dataclass(frozen=True)
class Guide:
    """One conversation guide in one language."""

    dimension: Dimension
    language: str
    title: str
    summary: str
    minutes: int
    sections: tuple[Section, ...]
    source: str = ""


@dataclass
class GuideLibrary:
    """Guides read from a folder, per (dimension, language), and the files that failed."""

    guides: dict[tuple[Dimension, str], Guide] = field(default_factory=dict)
    errors: list[InvalidInput] = field(default_factory=list)

    def pick(self, dimension: Dimension, language: str | None = None) -> tuple[Guide | None, bool]:
        """The guide for a dimension in a language, and whether it fell back to another one."""
        wanted = normalize_language(language or get_language())
        if (dimension, wanted) in self.guides:
            return self.guides[(dimension, wanted)], False
        for other in LANGUAGES:
            if (dimension, other) in self.guides:
                return self.guides[(dimension, other)], True
        return None, False

    def missing(self) -> list[tuple[Dimension, str]]:
        """(dimension, language) pairs without a guide: for whoever writes them."""
        return [(d, lang) for d in Dimension for lang in LANGUAGES if (d, lang) not in self.guides]


def _front(front: list[str], source: str) -> dict[str, Any]:
    raw = load_front_matter(front, source)
    for key in raw:
        if key not in KEYS:
            raise _error(
                source,
                _key_line(front, str(key)),
                _("unknown key “{key}”: use {keys}.").format(key=key, keys=", ".join(KEYS)),
            )
    return raw


def _text(raw: dict[str, Any], key: str, front: list[str], source: str, limit: int) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _error(source, _key_line(front, key), _("“{key}” must be a text.").format(key=key))
    if len(value) > limit:
        raise _error(
            source,
            _key_line(front, key),
            _("“{key}” is longer than {limit} characters.").format(key=key, limit=limit),
        )
    if _HTML.search(value):
        raise _error(source, _key_line(front, key), _("HTML is not allowed; use Markdown."))
    return value.strip()


def _minutes(raw: dict[str, Any], front: list[str], source: str) -> int:
    value = raw.get("minutes")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 240:
        raise _error(
            source,
            _key_line(front, "minutes"),
            _("“{key}” must be a whole number from {low} to {high}.").format(
                key="minutes", low=1, high=240
            ),
        )
    return value


def _choice(
    raw: dict[str, Any], key: str, choices: Iterable[str], front: list[str], source: str
) -> str:
    allowed = list(choices)
    value = raw.get(key)
    if value not in allowed:
        raise _error(
            source,
            _key_line(front, key),
            _("“{key}” must be one of {choices}.").format(key=key, choices=", ".join(allowed)),
        )
    return str(value)


def _sections(body: list[str], first_line: int, source: str) -> tuple[Section, ...]:
    found: list[tuple[str, str, int]] = []
    chunks: list[list[str]] = []
    fenced = False
    for i, line in enumerate(body):
        at = first_line + i
        if _FENCE.match(line):
            fenced = not fenced
        if _HTML.search(line):
            raise _error(source, at, _("HTML is not allowed; use Markdown."))
        heading = None if fenced else _HEADING.match(line)
        if heading:
            found.append((heading["part"], heading["title"], at))
            chunks.append([])
            continue
        if not fenced and line.startswith("# "):
            raise _error(source, at, _("use “##” headings for the four sections."))
        if not fenced and line.startswith("## "):
            raise _error(
                source,
                at,
                _("a section heading must end with its part, e.g. “## How to open {#open}”."),
            )
        if chunks:
            chunks[-1].append(line)
        elif line.strip():
            raise _error(source, at, _("text before the first section heading."))
    order = [part for part, _title, _line in found]
    if order != list(SECTIONS):
        where = next(
            (ln for (p, _t, ln), want in zip(found, SECTIONS, strict=False) if p != want),
            first_line + len(body),
        )
        raise _error(
            source,
            where,
            _("the sections must be, in this order: {parts} (found: {found}).").format(
                parts=", ".join(f"{{#{p}}}" for p in SECTIONS),
                found=", ".join(f"{{#{p}}}" for p in order) or "—",
            ),
        )
    sections = []
    for (part, title, at), chunk in zip(found, chunks, strict=True):
        text = "\n".join(chunk).strip()
        if not text or not title:
            raise _error(source, at, _("the section {{#{part}}} is empty.").format(part=part))
        if len(text) > SECTION_MAX:
            raise _error(
                source,
                at,
                _("the section {{#{part}}} is longer than {limit} characters.").format(
                    part=part, limit=SECTION_MAX
                ),
            )
        sections.append(Section(part, title, text))
    return tuple(sections)


def parse_guide(text: str, source: str) -> Guide:
    """Read one guide file's text; InvalidInput names the file, the line and the problem."""
    front, body, body_line = _split(text, source)
    raw = _front(front, source)
    dimension = _choice(raw, "dimension", (d.value for d in Dimension), front, source)
    language = _choice(raw, "language", LANGUAGES, front, source)
    return Guide(
        dimension=Dimension(dimension),
        language=language,
        title=_text(raw, "title", front, source, TITLE_MAX),
        summary=_text(raw, "summary", front, source, SUMMARY_MAX),
        minutes=_minutes(raw, front, source),
        sections=_sections(body, body_line, source),
        source=source,
    )


def read_guide(path: Path) -> Guide:
    """Parse a guide file from disk; its name must say its dimension and language."""
    text = decode(path.name, path.read_bytes())
    guide = parse_guide(text, path.name)
    expected = f"{guide.dimension.value}.{guide.language}.md"
    if path.name != expected:
        raise _error(
            path.name,
            2,
            _("the file name must match its dimension and language: “{name}”.").format(
                name=expected
            ),
        )
    return guide


def load_guides(paths: Iterable[Path]) -> GuideLibrary:
    """Parse guide files; each broken file is reported and skipped, the rest load."""
    library = GuideLibrary()
    for path in sorted(paths):
        try:
            guide = read_guide(path)
        except InvalidInput as exc:
            library.errors.append(exc)
            continue
        library.guides[(guide.dimension, guide.language)] = guide
    return library


@lru_cache(maxsize=1)
def shipped_guides(folder: Path = GUIDES_DIR) -> GuideLibrary:
    """The guides shipped in content/coaching (read once per process)."""
    return load_guides(folder.glob("*.md") if folder.is_dir() else [])


def section_label(part: str) -> str:
    """A section's generic name in the current language (the file's own title is shown first)."""
    return _(SECTION_LABELS[part])
