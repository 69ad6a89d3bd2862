"""From the bytes of an HR export to a header and rows that know their line in the file."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engagement.errors import ImportProblem, InvalidInput
from engagement.i18n import _, format_number

MAX_BYTES = 20 * 1024 * 1024
# no HR export needs more; the Import page draws a choice per column
MAX_COLUMNS = 200
# the csv module's own limit on one value (131,072 characters): past it, a clear refusal
MAX_FIELD = csv.field_size_limit()
DELIMITERS = (",", ";", "\t")
_SNIFF_LINES = 50


@dataclass(frozen=True, slots=True)
class Row:
    """The cells of one record and the file line it starts on (the header is line 1)."""

    line: int
    cells: list[str]


@dataclass(frozen=True)
class Table:
    """A decoded, split file: how it was read, its header, its rows and any layout problems."""

    encoding: str
    delimiter: str
    headers: list[str]
    rows: list[Row]
    problems: list[ImportProblem]


def decode(data: bytes) -> tuple[str, str]:
    """The text of the file and the encoding it was read with.

    UTF-16 when the file starts with its byte-order mark (Excel's "Unicode text"), then
    UTF-8 with or without a byte-order mark, then Windows-1252, which covers Latin-1
    accents ("Montréal") in files saved by older spreadsheets; Latin-1 last, as it reads
    any byte.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("utf-8-sig")
        return text, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: the one that splits the first lines most consistently."""
    sample = "\n".join(text.splitlines()[:_SNIFF_LINES])

    def score(delimiter: str) -> tuple[bool, float, int]:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if any(r)]
        except csv.Error:  # a value over the limit: the read itself says where
            return (False, 0.0, 0)
        if not rows:
            return (False, 0.0, 0)
        width = len(rows[0])
        same = sum(1 for r in rows if len(r) == width) / len(rows)
        return (width > 1, same, width)

    # on a tie the order of DELIMITERS decides: comma first
    return max(DELIMITERS, key=score)


def _check_bytes(data: bytes) -> None:
    if not data.strip():
        raise InvalidInput(_("The file is empty: export the people from your HR system again."))
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            _("The file is {size} MB; the limit is {limit} MB. Split it or remove columns.").format(
                size=format_number(len(data) / 1024 / 1024, 1),
                limit=format_number(MAX_BYTES // 1024 // 1024),
            )
        )
    if data.startswith(b"PK\x03\x04"):
        raise InvalidInput(
            _(
                "This is a spreadsheet workbook, not a CSV file: open it and save it as "
                "“CSV (comma delimited)” or “CSV UTF-8”, then upload that."
            )
        )


def read_file(path: Path) -> bytes:
    """The bytes of an export on disk, refused by size before they are read: the size the file
    system states first, then at most one byte past the limit (a pipe or /dev/zero has no
    size)."""
    try:
        if path.is_file():
            _check_size(path.stat().st_size)
        with path.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InvalidInput(
            _("Cannot read {file}: {reason}.").format(file=str(path), reason=exc.strerror)
        ) from None
    _check_size(len(data))
    return data


def _check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise InvalidInput(
            _("The file is over {limit} MB. Split it or remove columns.").format(
                limit=format_number(MAX_BYTES // 1024 // 1024)
            )
        )


def _headers(raw: list[str]) -> list[str]:
    """Trimmed header names; blank ones get a name, repeated ones a number, so each is a key."""
    out: list[str] = []
    seen: set[str] = set()
    for i, name in enumerate(raw, start=1):
        base = name.strip() or _("Column {number}").format(number=i)
        candidate, n = base, 1
        while candidate.casefold() in seen:
            n += 1
            candidate = f"{base} ({n})"
        seen.add(candidate.casefold())
        out.append(candidate)
    return out


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` with their endings (\\n, \\r\\n or \\r), one at a time: io.StringIO
    would first copy the whole text at four bytes a character."""
    for match in _LINE.finditer(text):
        yield match.group()


def _rows(reader: Any) -> Iterator[list[str]]:
    """The reader's rows; a value over the csv module's limit is refused with its line."""
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise InvalidInput(
                _(
                    "Line {line} holds a value of more than {limit} characters (or a quote "
                    "that is never closed): shorten it or close the quote."
                ).format(line=format_number(reader.line_num), limit=format_number(MAX_FIELD))
            ) from None
        yield cells


def read_table(data: bytes) -> Table:
    """Decode and split a CSV/TSV export; blank lines are skipped, short rows padded.

    Lines are counted from the top of the file, so they match what a text editor shows, even
    when a quoted value spans several lines.
    """
    _check_bytes(data)
    text, encoding = decode(data)
    if "\x00" in text:
        raise InvalidInput(
            _("This does not look like a text file: export the people as CSV and try again.")
        )
    delimiter = sniff_delimiter(text)
    reader = csv.reader(_lines(text), delimiter=delimiter)
    headers: list[str] | None = None
    rows: list[Row] = []
    problems: list[ImportProblem] = []
    next_line = 1
    for cells in _rows(reader):
        line, next_line = next_line, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if headers is None:
            if len(cells) > MAX_COLUMNS:
                raise InvalidInput(
                    _(
                        "The file has {n} columns; an import takes at most {limit}. Export only "
                        "the columns Virage needs (id, name, email, department, …)."
                    ).format(n=format_number(len(cells)), limit=format_number(MAX_COLUMNS))
                )
            headers = _headers(cells)
            continue
        if len(cells) > len(headers):
            if any(c.strip() for c in cells[len(headers) :]):
                problems.append(
                    ImportProblem(
                        line,
                        "",
                        _(
                            "This row has {found} values but the header has {expected} "
                            "columns: quote values that contain “{delimiter}”, or remove the "
                            "extra values."
                        ).format(
                            found=len(cells),
                            expected=len(headers),
                            delimiter=_("tab") if delimiter == "\t" else delimiter,
                        ),
                    )
                )
            cells = cells[: len(headers)]
        rows.append(Row(line, cells + [""] * (len(headers) - len(cells))))
    if headers is None:
        raise InvalidInput(_("The file is empty: export the people from your HR system again."))
    if not rows:
        raise InvalidInput(
            _("The file has a header line but no people below it: export the people again.")
        )
    return Table(encoding, delimiter, headers, rows, problems)
