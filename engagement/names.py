"""Names written per language (internal markets, pulse surveys): tidying, the canonical name and
clashes between them.

People read a name in their language (engagement.i18n.display_name). The canonical name — the
English one when given, else the French one — stays unique in the database and is what records
such as the audit log keep. No two things of a kind may share a name in any language, whatever
the case: a French reader must be able to tell two markets apart as well as an English one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from engagement.errors import InvalidInput
from engagement.i18n import LANGUAGES, _, display_name, language_label
from engagement.text_rules import clean_name, clean_text

NAME_MAX = 120


def clean_names(names: Mapping[str, str]) -> dict[str, str]:
    """The names in the supported languages, through the domain's text rule (NFC, nothing
    hidden, a visible character), leaving out the empty ones."""
    out = {
        lang: clean_name(
            names.get(lang),
            field=_("The name in {language}").format(language=language_label(lang)),
        )
        for lang in LANGUAGES
    }
    return {lang: text for lang, text in out.items() if text}


def clean_texts(texts: Mapping[str, str]) -> dict[str, str]:
    """Texts per language (descriptions), through the domain's text rule, lines allowed."""
    out = {
        lang: clean_text(
            texts.get(lang),
            field=_("The text in {language}").format(language=language_label(lang)),
            multiline=True,
        )
        for lang in LANGUAGES
    }
    return {lang: text for lang, text in out.items() if text}


def canonical_name(names: Mapping[str, str]) -> str:
    """The name kept as the unique one: English when given, else the first other language."""
    return next((names[lang] for lang in LANGUAGES if names.get(lang)), "")


def sort_key(name: str) -> str:
    """Orders names as a reader expects: “Équipe” with the E's, not after the Z's."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def all_names(name: str, names: Mapping[str, str]) -> set[str]:
    """Every name something answers to (canonical and per language), case-folded."""
    return {text.strip().casefold() for text in (name, *names.values()) if text.strip()}


@dataclass(frozen=True)
class Clash:
    """A name given in `language` that another thing of the same kind already answers to."""

    language: str
    name: str
    other_name: str  # the other thing's canonical name
    other_names: dict[str, str]  # and its names per language


def find_clash(
    names: Mapping[str, str], others: Iterable[tuple[str, Mapping[str, str]]]
) -> Clash | None:
    """The first of `names` that equals, ignoring case, a name of one of `others` in any
    language (each other given as its canonical name and names per language)."""
    taken = [
        (other, dict(other_names), all_names(other, other_names)) for other, other_names in others
    ]
    for lang in LANGUAGES:
        text = names.get(lang, "").strip()
        for other, other_names, answers_to in taken:
            if text and text.casefold() in answers_to:
                return Clash(lang, text, other, other_names)
    return None


def refuse_clash(
    names: Mapping[str, str],
    others: Iterable[tuple[str, Mapping[str, str]]],
    taken: Mapping[str, str],
) -> None:
    """Refuse `names` when one of them is taken by one of `others` in any language:
    `taken[language]` (translated) says so with `{name}` and `{other}`, the other's name as the
    reader reads it."""
    clash = find_clash(names, others)
    if clash is not None:
        other = display_name(clash.other_name, clash.other_names)
        raise InvalidInput(taken[clash.language].format(name=clash.name, other=other))
