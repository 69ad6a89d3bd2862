"""Change-explanation modules as files: Markdown with YAML front matter, one file per language.

A module file (`content/modules/<id>.<lang>.md`) holds the front matter (id, title, pillar,
language, version, minutes, pass_mark, summary, quiz) and four steps, each a level-2 heading
ending with its step: `{#explain}`, `{#desire}`, `{#relevance}`, `{#tools}`. A broken file
is reported with its name, line and problem, and never stops the others from loading.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from engagement import CONTENT_DIR
from engagement.content_files import MAX_FILE_BYTES as MAX_FILE_BYTES  # re-exported
from engagement.content_files import decode, load_front_matter
from engagement.content_files import key_line as _key_line
from engagement.content_files import problem as _error
from engagement.content_files import split_front_matter as _split
from engagement.errors import InvalidInput
from engagement.i18n import LANGUAGES, N_, _
from engagement.pillars import Pillar

MODULES_DIR = CONTENT_DIR / "modules"
STEPS: tuple[str, ...] = ("explain", "desire", "relevance", "tools")
STEP_LABELS = {
    "explain": N_("Explain"),
    "desire": N_("Desire"),
    "relevance": N_("Relevance"),
    "tools": N_("Tools"),
}
DEFAULT_PASS_MARK = 80
TITLE_MAX, TEXT_MAX, STEP_MAX = 160, 1_000, 20_000
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_HEADING = re.compile(r"^##\s+(?P<title>.*?)\s*\{#(?P<step>[a-z_]+)\}\s*$")
_HTML = re.compile(r"</?[a-zA-Z!]")  # "<b>", "</b>", "<!--" are tags; "a < b" is text


@dataclass(frozen=True)
class Option:
    text: str
    correct: bool
    explanation: str


@dataclass(frozen=True)
class Question:
    question: str
    options: tuple[Option, ...]

    @property
    def correct_index(self) -> int:
        return next(i for i, o in enumerate(self.options) if o.correct)


@dataclass(frozen=True)
class ModuleText:
    """What a module says in one language."""

    title: str
    summary: str
    steps: dict[str, tuple[str, str]]  # step -> (heading, Markdown body)
    quiz: tuple[Question, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "summary": self.summary,
            "steps": {s: {"title": t, "body": b} for s, (t, b) in self.steps.items()},
            "quiz": [
                {
                    "question": q.question,
                    "options": [
                        {"text": o.text, "correct": o.correct, "explanation": o.explanation}
                        for o in q.options
                    ],
                }
                for q in self.quiz
            ],
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ModuleText:
        return cls(
            title=str(raw.get("title", "")),
            summary=str(raw.get("summary", "")),
            steps={
                s: (str(v.get("title", "")), str(v.get("body", "")))
                for s, v in dict(raw.get("steps", {})).items()
            },
            quiz=tuple(
                Question(
                    question=str(q.get("question", "")),
                    options=tuple(
                        Option(
                            text=str(o.get("text", "")),
                            correct=bool(o.get("correct")),
                            explanation=str(o.get("explanation", "")),
                        )
                        for o in q.get("options", [])
                    ),
                )
                for q in raw.get("quiz", [])
            ),
        )


@dataclass(frozen=True)
class ModuleFile:
    """One parsed module file: the module's settings and its text in the file's language."""

    key: str
    pillar: str
    language: str
    version: int
    minutes: int
    pass_mark: int
    text: ModuleText
    source: str = ""


@dataclass
class LoadResult:
    """Modules read from a folder (per id, per language) and the files that failed."""

    modules: dict[str, dict[str, ModuleFile]] = field(default_factory=dict)
    errors: list[InvalidInput] = field(default_factory=list)


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


def _int(raw: dict[str, Any], key: str, front: list[str], source: str, low: int, high: int) -> int:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _error(
            source,
            _key_line(front, key),
            _("“{key}” must be a whole number from {low} to {high}.").format(
                key=key, low=low, high=high
            ),
        )
    return value


def _quiz(raw: Any, front: list[str], source: str) -> tuple[Question, ...]:
    if not isinstance(raw, list) or not raw:
        raise _error(source, _key_line(front, "quiz"), _("“quiz” must list at least one question."))
    questions = []
    quiz_start = _key_line(front, "quiz") - 2
    for n, item in enumerate(raw):
        line = _key_line(front, "question", quiz_start, n)
        where = _("question {n}").format(n=n + 1)
        if not isinstance(item, dict):
            raise _error(
                source, line, _("{where} must have “question” and “options”.").format(where=where)
            )
        question = item.get("question")
        if not isinstance(question, str) or not question.strip():
            raise _error(source, line, _("{where} has no text.").format(where=where))
        options_raw = item.get("options")
        if not isinstance(options_raw, list) or len(options_raw) < 2:
            raise _error(source, line, _("{where} needs at least two options.").format(where=where))
        options = []
        for o in options_raw:
            if not isinstance(o, dict) or not str(o.get("text", "")).strip():
                raise _error(
                    source, line, _("every option of {where} needs a “text”.").format(where=where)
                )
            if not str(o.get("explanation", "")).strip():
                raise _error(
                    source,
                    line,
                    _("every option of {where} needs an “explanation”.").format(where=where),
                )
            options.append(
                Option(
                    str(o["text"]).strip(), o.get("correct") is True, str(o["explanation"]).strip()
                )
            )
        texts = [question, *(t for o in options for t in (o.text, o.explanation))]
        if any(_HTML.search(t) for t in texts):
            raise _error(source, line, _("HTML is not allowed; use Markdown."))
        if any(len(t) > TEXT_MAX for t in texts):
            raise _error(
                source,
                line,
                _("a text of {where} is longer than {limit} characters.").format(
                    where=where, limit=TEXT_MAX
                ),
            )
        if sum(o.correct for o in options) != 1:
            raise _error(
                source,
                line,
                _("{where} must have exactly one option with “correct: true”.").format(where=where),
            )
        questions.append(Question(question.strip(), tuple(options)))
    return tuple(questions)


def _steps(body: list[str], first_line: int, source: str) -> dict[str, tuple[str, str]]:
    found: list[tuple[str, str, int]] = []
    chunks: list[list[str]] = []
    for i, line in enumerate(body):
        if line.startswith("# "):
            raise _error(source, first_line + i, _("use “##” headings for the four steps."))
        if _HTML.search(line):
            raise _error(source, first_line + i, _("HTML is not allowed; use Markdown."))
        heading = _HEADING.match(line)
        if heading:
            found.append((heading["step"], heading["title"], first_line + i))
            chunks.append([])
        elif line.startswith("## "):
            raise _error(
                source,
                first_line + i,
                _("a step heading must end with its step, e.g. “## What changes {#explain}”."),
            )
        elif chunks:
            chunks[-1].append(line)
        elif line.strip():
            raise _error(source, first_line + i, _("text before the first step heading."))
    order = [step for step, _title, _line in found]
    if order != list(STEPS):
        where = next(
            (ln for (s, _t, ln), want in zip(found, STEPS, strict=False) if s != want),
            first_line + len(body),
        )
        raise _error(
            source,
            where,
            _("the steps must be, in this order: {steps} (found: {found}).").format(
                steps=", ".join(f"{{#{s}}}" for s in STEPS),
                found=", ".join(f"{{#{s}}}" for s in order) or "—",
            ),
        )
    steps: dict[str, tuple[str, str]] = {}
    for (step, title, at), chunk in zip(found, chunks, strict=True):
        text = "\n".join(chunk).strip()
        if not text or not title:
            raise _error(source, at, _("the step {{#{step}}} is empty.").format(step=step))
        if len(text) > STEP_MAX:
            raise _error(
                source,
                at,
                _("the step {{#{step}}} is longer than {limit} characters.").format(
                    step=step, limit=STEP_MAX
                ),
            )
        steps[step] = (title, text)
    return steps


def parse_module(text: str, source: str) -> ModuleFile:
    """Read one module file's text; InvalidInput names the file, the line and the problem."""
    front, body, body_line = _split(text, source)
    raw = load_front_matter(front, source)
    key = raw.get("id")
    if not isinstance(key, str) or not _ID.match(key):
        raise _error(
            source,
            _key_line(front, "id"),
            _("“id” must be lower-case letters, digits and dashes (e.g. “mission”)."),
        )
    pillar = raw.get("pillar")
    if pillar not in {p.value for p in Pillar}:
        raise _error(
            source,
            _key_line(front, "pillar"),
            _("“pillar” must be one of {choices}.").format(
                choices=", ".join(p.value for p in Pillar)
            ),
        )
    language = raw.get("language")
    if language not in LANGUAGES:
        raise _error(
            source,
            _key_line(front, "language"),
            _("“language” must be one of {choices}.").format(choices=", ".join(LANGUAGES)),
        )
    pass_mark = raw.get("pass_mark", DEFAULT_PASS_MARK)
    raw.setdefault("pass_mark", pass_mark)
    return ModuleFile(
        key=key,
        pillar=str(pillar),
        language=str(language),
        version=_int(raw, "version", front, source, 1, 10_000),
        minutes=_int(raw, "minutes", front, source, 1, 240),
        pass_mark=_int(raw, "pass_mark", front, source, 1, 100),
        text=ModuleText(
            title=_text(raw, "title", front, source, TITLE_MAX),
            summary=_text(raw, "summary", front, source, TEXT_MAX),
            steps=_steps(body, body_line, source),
            quiz=_quiz(raw.get("quiz"), front, source),
        ),
        source=source,
    )


def same_structure(a: ModuleFile, b: ModuleFile) -> str | None:
    """Why two language files of one module disagree (None when they agree)."""
    for name in ("pillar", "version", "minutes", "pass_mark"):
        if getattr(a, name) != getattr(b, name):
            return _("“{key}” differs from {other}.").format(key=name, other=a.source)
    if len(a.text.quiz) != len(b.text.quiz):
        return _("the quiz has a different number of questions than {other}.").format(
            other=a.source
        )
    for n, (qa, qb) in enumerate(zip(a.text.quiz, b.text.quiz, strict=True), start=1):
        if len(qa.options) != len(qb.options) or qa.correct_index != qb.correct_index:
            return _(
                "question {n} has different options or a different correct answer than {other}."
            ).format(n=n, other=a.source)
    return None


def read_module_file(path: Path) -> ModuleFile:
    """Parse a module file from disk, refusing oversized or undecodable files."""
    return parse_module(decode(path.name, path.read_bytes()), path.name)


def load_modules(paths: Iterable[Path]) -> LoadResult:
    """Parse module files; each broken file is reported and skipped, the rest load."""
    return load_module_sources((path.name, path.read_bytes()) for path in paths)


def load_module_sources(sources: Iterable[tuple[str, bytes]]) -> LoadResult:
    """Parse module files given as (file name, bytes), e.g. uploaded ones; same rules."""
    result = LoadResult()
    for name, data in sorted(sources):
        try:
            doc = parse_module(decode(name, data), name)
        except InvalidInput as exc:
            result.errors.append(exc)
            continue
        languages = result.modules.setdefault(doc.key, {})
        if doc.language in languages:
            result.errors.append(
                _error(
                    name,
                    None,
                    _("module “{key}” in “{lang}” is already in {other}.").format(
                        key=doc.key, lang=doc.language, other=languages[doc.language].source
                    ),
                )
            )
            continue
        problem = next(
            (p for other in languages.values() if (p := same_structure(other, doc))), None
        )
        if problem:
            result.errors.append(_error(name, None, problem))
            continue
        languages[doc.language] = doc
    return result


def shipped_modules(folder: Path = MODULES_DIR) -> LoadResult:
    """The modules shipped in content/modules."""
    return load_modules(folder.glob("*.md") if folder.is_dir() else [])


def to_markdown(
    *,
    key: str,
    pillar: str,
    language: str,
    version: int,
    minutes: int,
    pass_mark: int,
    text: ModuleText,
) -> str:
    """A module in one language, in the file format (for export, and re-import)."""
    front = {
        "id": key,
        "title": text.title,
        "pillar": pillar,
        "language": language,
        "version": version,
        "minutes": minutes,
        "pass_mark": pass_mark,
        "summary": text.summary,
        "quiz": text.to_json()["quiz"],
    }
    head = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=100)
    parts = [f"---\n{head}---"]
    for step in STEPS:
        title, body = text.steps.get(step, ("", ""))
        parts.append(f"## {title} {{#{step}}}\n\n{body.strip()}")
    return "\n\n".join(parts) + "\n"


def score(quiz: tuple[Question, ...], chosen: list[int | None]) -> int:
    """The percentage of questions answered with their correct option."""
    if not quiz:
        return 0
    right = sum(1 for q, c in zip(quiz, chosen, strict=False) if c == q.correct_index)
    return round(100 * right / len(quiz))
