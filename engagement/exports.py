"""Tables leaving Virage as files: CSV whose cells cannot run as spreadsheet formulas.

OWASP's CSV-injection guidance: a cell starting with `=`, `+`, `-`, `@`, tab or carriage
return is read by spreadsheets as a formula (`=HYPERLINK(...)` can send data away), so such a
text cell gets a leading apostrophe — shown as text, never run. Numbers, dates and booleans
are written as they are. Every download and CLI table goes through `table_csv`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

# a cell starting with one of these would run as a formula in a spreadsheet
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell that would run as a formula, made plain text; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(value if isinstance(value, int | float | bool) else str(value))


def table_text(
    headers: Sequence[str], rows: Iterable[Sequence[object]], *, delimiter: str = ","
) -> str:
    """A table as CSV text (header row first), every cell neutralised."""
    buffer = io.StringIO()
    # "\r\n" (RFC 4180) makes the writer quote a cell holding a carriage return too
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([_cell(h) for h in headers])
    writer.writerows([_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


def table_csv(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A table as a CSV file for download: UTF-8 with a byte-order mark (Excel reads the
    accents right), every cell neutralised."""
    return table_text(headers, rows).encode("utf-8-sig")
