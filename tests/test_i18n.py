"""Translations: complete French catalogue, catalogue in step with the code, local formats."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from engagement.i18n import (
    _,
    format_date,
    format_number,
    format_percent,
    language,
    ngettext,
    normalize_language,
)

PROJECT = Path(__file__).resolve().parent.parent
LOCALE = PROJECT / "engagement" / "locale"
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _catalog(lang: str):  # type: ignore[no-untyped-def]
    with (LOCALE / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def _strings(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def test_every_message_has_a_french_translation_with_the_same_placeholders() -> None:
    problems = []
    for message in _catalog("fr"):
        if not message.id:
            continue
        ids = _strings(message.id)
        translations = _strings(message.string)
        if not all(translations) or message.fuzzy:
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        wanted = set(PLACEHOLDER.findall(ids[0]))
        for text in translations:
            if set(PLACEHOLDER.findall(text)) != wanted:
                problems.append(f"placeholders differ: {ids[0]!r} -> {text!r}")
    assert not problems, "\n".join(problems)


def test_catalogue_holds_every_message_in_the_code(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_",
            "-k",
            "N_",
            "-k",
            "ngettext:1,2",
            "-o",
            str(pot),
            ".",
        ],
        cwd=PROJECT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as fh:
        in_code = {_strings(m.id)[0] for m in read_po(fh) if m.id}
    for lang in ("fr", "en"):
        in_catalogue = {_strings(m.id)[0] for m in _catalog(lang) if m.id}
        missing = sorted(in_code - in_catalogue)
        assert not missing, f"run `make i18n-extract` and translate: {missing[:10]}"
    assert len(in_code) > 100


def test_french_is_used_when_chosen() -> None:
    with language("fr"):
        assert _("Sign out") == "Se déconnecter"
        assert ngettext(
            "Showing {shown} of {total} person", "Showing {shown} of {total} people", 2
        ).startswith("Affichage")
    assert _("Sign out") == "Sign out"


@pytest.mark.parametrize(
    ("lang", "percent", "number", "day"),
    [
        ("fr", "72,5\u00a0%", "1\u00a0234,5", "26 nov. 2026"),
        ("en", "72.5%", "1,234.5", "Nov 26, 2026"),
    ],
)
def test_numbers_percentages_and_dates_follow_the_language(
    lang: str, percent: str, number: str, day: str
) -> None:
    with language(lang):
        assert format_percent(0.725, 1) == percent
        assert format_number(1234.5, 1) == number
        assert format_date(date(2026, 11, 26)) == day


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("fr-CA", "fr"),
        ("fr_FR.UTF-8", "fr"),
        ("en-US", "en"),
        ("de-DE", "en"),
        (None, "en"),
        ("", "en"),
    ],
)
def test_browser_and_system_locales_map_to_a_supported_language(
    raw: str | None, expected: str
) -> None:
    assert normalize_language(raw) == expected
