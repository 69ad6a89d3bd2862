"""What every content file shares (modules, conversation guides): YAML front matter between
`---` lines, then Markdown; problems named by file and line."""

from __future__ import annotations

import re
from typing import Any

import yaml

from engagement.errors import InvalidInput
from engagement.i18n import _

MAX_FILE_BYTES = 200_000


def problem(source: str, line: int | None, message: str) -> InvalidInput:
    """A problem in a content file, named by the file and (when known) the line."""
    if line is None:
        return InvalidInput(_("{file}: {problem}").format(file=source, problem=message))
    return InvalidInput(
        _("{file}, line {line}: {problem}").format(file=source, line=line, problem=message)
    )


def key_line(front: list[str], key: str, start: int = 0, occurrence: int = 0) -> int:
    """The file line (1-based) of a front-matter key's n-th occurrence from a front-matter
    line on (the first front-matter line when it is absent)."""
    pattern = re.compile(rf"^\s*-?\s*{re.escape(key)}\s*:")
    seen = 0
    for i, line in enumerate(front[start:], start=start):
        if pattern.match(line):
            if seen == occurrence:
                return i + 2  # +1 for 1-based, +1 for the opening ---
            seen += 1
    return 2


def split_front_matter(text: str, source: str) -> tuple[list[str], list[str], int]:
    """Front-matter lines, body lines, and the file line of the first body line."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise problem(source, 1, _("the file must start with a front matter line “---”."))
    for i, line in enumerate(lines[1:], start=1):
        if line.rstrip() == "---":  # an indented --- is YAML text, not the closing line
            return lines[1:i], lines[i + 1 :], i + 2
    raise problem(source, 1, _("the front matter has no closing line “---”."))


def load_front_matter(front: list[str], source: str) -> dict[str, Any]:
    """The front matter as a mapping; invalid YAML is reported at its line."""
    try:
        raw = yaml.safe_load("\n".join(front))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc)
        raise problem(
            source,
            line,
            _("the front matter is not valid YAML ({problem}).").format(problem=reason),
        ) from exc
    if not isinstance(raw, dict):
        raise problem(source, 2, _("the front matter must be “key: value” lines."))
    return raw


def decode(source: str, data: bytes) -> str:
    """A content file's text, refusing oversized or non-UTF-8 files (a BOM is fine)."""
    if len(data) > MAX_FILE_BYTES:
        raise problem(source, None, _("the file is larger than 200 KB."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise problem(source, None, _("the file is not UTF-8 text.")) from exc
