"""Reading one cell: dates, yes/no flags, levels, emails, department paths.

Each parser returns the value, or raises `BadValue` with a message saying what to write
instead; the plan turns that into a problem with the line and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from engagement.emails import normalize_email
from engagement.i18n import _, format_number

DAY_FIRST, MONTH_FIRST = "day-first", "month-first"
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?$")
_SLASHED = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?: .*)?$")
_EMAIL = re.compile(r"^[^@\s<>(),;:\"]+@[^@\s<>(),;:\"]+\.[^@\s<>(),;:\"]+$")
_TRUE = {"yes", "y", "true", "t", "1", "oui", "o", "vrai", "active", "actif"}
_FALSE = {"no", "n", "false", "f", "0", "non", "faux", "inactive", "inactif", "terminated"}
PATH_SEPARATORS = (">", "›")
MAX_LEVEL = 999


class BadValue(ValueError):
    """A cell that cannot be read; the message says what to write instead."""


def date_order(values: Iterable[str]) -> str:
    """How the dd/mm/yyyy-like dates of one column are to be read.

    Day/month/year unless the column only makes sense as month/day/year: some value has a
    "day" above 12 in second place (03/25/2024) and none has one in first place
    (25/03/2024). So 01/03/2024 alone is 1 March 2024, as it is wherever the day comes
    first; a file written the American way is still read the American way. Dotted dates
    (1.3.2024) are always day first.
    """
    day_first_only = month_first_only = False
    for value in values:
        match = _SLASHED.match(value.strip())
        if not match or match.group(2) == ".":
            continue
        first, second = int(match.group(1)), int(match.group(3))
        day_first_only |= first > 12 >= second
        month_first_only |= second > 12 >= first
    return MONTH_FIRST if month_first_only and not day_first_only else DAY_FIRST


def parse_date(value: str, order: str = DAY_FIRST) -> date:
    """A date written 2024-03-01, 2024/03/01, 01/03/2024, 01-03-2024 or 1.3.2024.

    Ambiguous day/month forms are read day first (see `date_order` for a whole column).
    A time after the date ("2024-03-01 00:00:00", as spreadsheets export) is ignored.
    """
    text = value.strip()
    if match := _ISO.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _SLASHED.match(text):
        first, sep, second, year_text = match.groups()
        day, month = int(first), int(second)
        if order == MONTH_FIRST and sep != ".":
            day, month = month, day
        year = int(year_text)
    else:
        raise BadValue(
            _(
                "“{value}” is not a date: write it as 2024-03-01 (year-month-day) or "
                "01/03/2024 (day/month/year)."
            ).format(value=value)
        )
    try:
        return date(year, month, day)
    except ValueError:
        raise BadValue(
            _(
                "“{value}” is not a real date (day {day}, month {month}): correct it, as "
                "year-month-day (2024-03-01) or day/month/year (01/03/2024)."
            ).format(value=value, day=day, month=month)
        ) from None


def parse_bool(value: str) -> bool:
    """yes/no, true/false, 1/0, oui/non (and active/inactive for a status)."""
    key = value.strip().casefold()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise BadValue(
        _(
            "“{value}” is neither yes nor no: write yes or no (or true/false, 1/0, oui/non, "
            "active/inactive)."
        ).format(value=value)
    )


def parse_level(value: str) -> int:
    """A whole number (spreadsheets may write it 3.0)."""
    text = value.strip()
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        number = float("nan")
    if number != number or number != int(number) or not 0 <= number <= MAX_LEVEL:
        raise BadValue(
            _(
                "“{value}” is not a level: write a whole number from 0 to {high}, or map this "
                "column to an extra attribute if its grades are not numbers."
            ).format(value=value, high=MAX_LEVEL)
        )
    return int(number)


def parse_years(value: str) -> int:
    """A whole number of years at the company."""
    try:
        years = parse_level(value)
    except BadValue:
        years = -1
    if not 0 <= years <= 80:
        raise BadValue(
            _("“{value}” is not a number of years: write a whole number such as 4.").format(
                value=value
            )
        )
    return years


EMAIL_MAX = 320  # the directory's column (RFC 5321 allows 64 + 1 + 255)


def parse_email(value: str) -> str:
    """A valid-looking email in the directory's form (`engagement.emails.normalize_email`)."""
    if len(value.strip()) > EMAIL_MAX:  # before the pattern, and without quoting it whole
        raise BadValue(
            _("This email has {n} characters; the most allowed is {limit}: shorten it.").format(
                n=format_number(len(value.strip())), limit=format_number(EMAIL_MAX)
            )
        )
    email = normalize_email(value)
    if not _EMAIL.match(email):
        raise BadValue(
            _("“{value}” is not an email address: write it as name@company.com.").format(
                value=value
            )
        )
    return email


def split_path(value: str) -> list[str]:
    """A department path "Sales > Inside Sales" (or "Sales › Inside Sales") as its names."""
    for separator in PATH_SEPARATORS[1:]:
        value = value.replace(separator, PATH_SEPARATORS[0])
    return [part.strip() for part in value.split(PATH_SEPARATORS[0]) if part.strip()]


def years_before(today: date, years: int) -> date:
    """The same day `years` years earlier (28 February for a 29 February)."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def full_years(start: date, today: date) -> int:
    """Completed years from `start` to `today`."""
    return today.year - start.year - ((today.month, today.day) < (start.month, start.day))
