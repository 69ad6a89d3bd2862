"""The one rule for text written into Virage, judged by the domain, the same on every database.

- Text is NFC-normalised ("é" typed as e + accent is the one character é).
- Invisible formatting characters that only hide what a text says (zero-width space, word
  joiner, byte-order mark, soft hyphen) are stripped.
- NUL and other control characters (line breaks and tabs only where a text may hold several
  lines), lone surrogates, non-characters and bidirectional overrides and isolates (which can
  make a name read backwards: "Trojan Source") are refused, saying which and where.
- A name must hold a visible character.
- No text is longer than its column: the length comes from the schema itself.

Services call `clean_text` / `clean_name` on what people type; `check_flush` runs before every
ORM flush as the net for any string the services did not look at, so the database never
judges input (PostgreSQL refuses NUL bytes and over-long values with a raw error; SQLite
stores them).
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

from sqlalchemy import String, inspect
from sqlalchemy.orm import Session as OrmSession

from engagement.errors import InvalidInput
from engagement.i18n import _, format_date, format_number

# stripped: they change nothing a reader sees, only what a comparison or a search sees
INVISIBLE = frozenset("\u200b\u2060\ufeff\u00ad\u180e")
# refused: they reorder what follows (U+202A–U+202E embeddings and overrides, U+2066–U+2069
# isolates)
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_BREAKS = frozenset("\n\r\t")
# the dates a person may give (a pulse start, a hire date): far enough either way for any
# real company, near enough that a schedule of waves cannot overflow the calendar
EARLIEST = date(1900, 1, 1)
LATEST = date(2200, 12, 31)


def _codepoint(char: str) -> str:
    return f"U+{ord(char):04X}"


def _problem(text: str, *, multiline: bool) -> tuple[int, str] | None:
    """(position, character) of the first character refused, or None."""
    for index, char in enumerate(text):
        code = ord(char)
        if char in LINE_BREAKS:
            if not multiline:
                return index, char
            continue
        if 0xD800 <= code <= 0xDFFF or char in BIDI_CONTROLS:
            return index, char
        if unicodedata.category(char) == "Cc":  # C0, DEL and C1 controls, NUL among them
            return index, char
        if code in (0xFFFE, 0xFFFF) or 0xFDD0 <= code <= 0xFDEF:
            return index, char
    return None


def _refusal(field: str, text: str, index: int, char: str) -> InvalidInput:
    if char in BIDI_CONTROLS:
        what = _("a right-to-left or left-to-right override ({code})")
    elif 0xD800 <= ord(char) <= 0xDFFF:
        what = _("a broken character ({code})")
    elif char in LINE_BREAKS:
        what = _("a line break or tab ({code})")
    else:
        what = _("an invisible control character ({code})")
    return InvalidInput(
        _("{field} holds {what} at character {position}: remove it and try again.").format(
            field=field, what=what.format(code=_codepoint(char)), position=index + 1
        )
    )


def normalise(text: str) -> str:
    """NFC, without the invisible characters, trimmed (lone surrogates pass through NFC and
    are refused by the check)."""
    text = unicodedata.normalize("NFC", text)
    return "".join(c for c in text if c not in INVISIBLE).strip()


def clean_text(
    value: str | None,
    *,
    field: str,
    limit: int | None = None,
    multiline: bool = False,
    required: bool = False,
) -> str:
    """`value` made safe to store, or InvalidInput saying what to change in `field`."""
    text = normalise(value or "")
    found = _problem(text, multiline=multiline)
    if found is not None:
        raise _refusal(field, text, *found)
    if required and not text:
        raise InvalidInput(_("{field} is empty: write something.").format(field=field))
    if limit is not None and len(text) > limit:
        raise InvalidInput(
            _("{field} is {n} characters long; keep it to {limit}.").format(
                field=field, n=format_number(len(text)), limit=format_number(limit)
            )
        )
    return text


def has_visible(text: str) -> bool:
    """Whether a reader sees something: a letter, digit, punctuation mark or symbol."""
    return any(unicodedata.category(c)[0] in "LNPS" for c in text)


def clean_name(value: str | None, *, field: str, limit: int | None = None) -> str:
    """A name: one line, clean, and something to see ("" stays "" for the caller to judge)."""
    text = clean_text(value, field=field, limit=limit)
    if text and not has_visible(text):
        raise InvalidInput(
            _("{field} has no visible character: write a name people can read.").format(field=field)
        )
    return text


def check_date(value: date, *, field: str) -> date:
    """A date within the range Virage works with."""
    if not EARLIEST <= value <= LATEST:
        raise InvalidInput(
            _("{field} must be between {first} and {last}.").format(
                field=field, first=format_date(EARLIEST), last=format_date(LATEST)
            )
        )
    return value


def column_limit(model: type[Any], column: str) -> int | None:
    """The length the schema gives a text column (None when it has none)."""
    kind = model.__table__.c[column].type
    return getattr(kind, "length", None) if isinstance(kind, String) else None


def _field(model: type[Any], column: str) -> str:
    return f"{model.__name__}.{column}"


def check_flush(session: OrmSession, _context: Any, _instances: Any) -> None:
    """Before any flush: every string about to be written obeys the rule and its column's
    length (the services' own checks run first and say it better; this is the net)."""
    for obj in (*session.new, *session.dirty):
        mapper = inspect(obj).mapper
        for attr in mapper.column_attrs:
            (column,) = attr.columns[:1] or (None,)
            if column is None or not isinstance(column.type, String):
                continue
            value = getattr(obj, attr.key, None)
            if not isinstance(value, str):
                continue
            field = _field(type(obj), attr.key)
            found = _problem(value, multiline=True)
            if found is not None:
                raise _refusal(field, value, *found)
            limit = column.type.length
            if limit is not None and len(value) > limit:
                raise InvalidInput(
                    _("{field} is {n} characters long; keep it to {limit}.").format(
                        field=field, n=format_number(len(value)), limit=format_number(limit)
                    )
                )
