"""The one translation function, and locale-aware formatting (gettext catalogues via Babel).

Every user-visible string goes through `_` (or `ngettext` for plurals). The language is
per request: the UI sets it at the start of each script run, the CLI from the environment.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
LANGUAGES: tuple[str, ...] = ("en", "fr")
DEFAULT_LANGUAGE = "en"
# A pseudo-locale for tests: every translated string comes back wrapped, so text that
# skipped the translation function stands out on a rendered page.
PSEUDO = "qps"
PSEUDO_OPEN, PSEUDO_CLOSE = "⟦", "⟧"

_language: ContextVar[str] = ContextVar("virage_language", default=DEFAULT_LANGUAGE)


def language_names() -> dict[str, str]:
    """Each supported language named in itself, for the language switcher and language tabs."""
    return {"en": "English", "fr": "Français"}


@lru_cache(maxsize=8)
def _catalogue(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of a language, compiled in memory when the .mo is missing."""
    lc = LOCALE_DIR / language / "LC_MESSAGES"
    mo = lc / f"{DOMAIN}.mo"
    po = lc / f"{DOMAIN}.po"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    if po.exists():
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=language)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return gettext.GNUTranslations(buffer)
    return gettext.NullTranslations()


def normalize_language(value: str | None) -> str:
    """Map a browser or system locale ("fr-CA", "fr_FR.UTF-8") to a supported language."""
    if not value:
        return DEFAULT_LANGUAGE
    code = value.replace("-", "_").split(".")[0].split("_")[0].lower()
    if code == PSEUDO:
        return PSEUDO
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def get_language() -> str:
    """The language of the current request."""
    return _language.get()


def set_language(language: str) -> None:
    """Set the language for the rest of the current request (script run or CLI call)."""
    _language.set(normalize_language(language))


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Run a block in another language, then restore the previous one."""
    token = _language.set(normalize_language(lang))
    try:
        yield
    finally:
        _language.reset(token)


def _(message: str) -> str:
    """Translate a message into the current language."""
    lang = get_language()
    if lang == PSEUDO:
        return f"{PSEUDO_OPEN}{message}{PSEUDO_CLOSE}"
    return _catalogue(lang).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message with a plural form chosen for n."""
    lang = get_language()
    if lang == PSEUDO:
        return f"{PSEUDO_OPEN}{singular if n == 1 else plural}{PSEUDO_CLOSE}"
    return _catalogue(lang).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a message for extraction; translate it later with `_` where it is shown."""
    return message


_LANGUAGE_LABELS = {"en": N_("English"), "fr": N_("French")}


def language_label(lang: str) -> str:
    """A language named in the reader's language, for sentences and tables ("français")."""
    return _(_LANGUAGE_LABELS[lang])


def localized(texts: dict[str, str], lang: str | None = None) -> tuple[str, bool]:
    """Content written in several languages: the text in `lang` (default: the current one),
    and whether it fell back to another language because that translation is missing."""
    wanted = lang or get_language()
    if wanted == PSEUDO:  # content is data, not a message: show it in the default language
        wanted = DEFAULT_LANGUAGE
    if texts.get(wanted, "").strip():
        return texts[wanted], False
    for other in LANGUAGES:
        if texts.get(other, "").strip():
            return texts[other], True
    return "", True


def display_name(name: str, names: dict[str, str], lang: str | None = None) -> str:
    """The name of an internal market or a pulse as people read it: in `lang` (default: the
    current language), else in another language, else its canonical `name`."""
    if name and names and name not in names.values():
        return name  # renamed by a replica on a release without names: `names` is stale
    text, _fell_back = localized(names, lang)
    return text.strip() or name


def missing_languages(texts: dict[str, str]) -> list[str]:
    """The supported languages a piece of content has no text for."""
    return [lang for lang in LANGUAGES if not texts.get(lang, "").strip()]


def _babel_locale() -> Locale:
    lang = get_language()
    try:
        return Locale.parse("fr_CA" if lang == "fr" else "en_CA")
    except UnknownLocaleError:  # pragma: no cover - Babel ships both
        return Locale.parse("en")


def format_number(value: float | int, digits: int = 0) -> str:
    """A number in the current language (`1 234,5` in French, `1,234.5` in English)."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return str(numbers.format_decimal(value, format=pattern, locale=_babel_locale()))


def format_percent(value: float, digits: int = 0) -> str:
    """A share (0–1) as a percentage: `72,5 %` in French, `72.5%` in English."""
    loc = _babel_locale()
    pattern = str(loc.percent_formats[None].pattern)  # keeps the language's own spacing
    if digits:
        # put the decimals after the last integer digit of the pattern ("#,##0 %")
        last = pattern.rindex("0")
        pattern = pattern[: last + 1] + "." + "0" * digits + pattern[last + 1 :]
    return str(numbers.format_percent(value, format=pattern, locale=loc))


def format_date(value: date | datetime, fmt: str = "medium") -> str:
    """A date in the current language, e.g. `26 nov. 2026` in French."""
    if isinstance(value, datetime):
        value = value.date()
    return str(dates.format_date(value, format=fmt, locale=_babel_locale()))
