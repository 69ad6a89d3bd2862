"""Names per language: what a reader sees, the canonical name, and names no one could tell apart."""

from __future__ import annotations

import pytest

from engagement.i18n import PSEUDO, display_name, language
from engagement.names import Clash, canonical_name, clean_names, find_clash, sort_key

NIGHT = ("Night shift", {"en": "Night shift", "fr": "Quart de nuit"})


@pytest.mark.parametrize(
    ("lang", "name", "names", "shown"),
    [
        ("en", "Night shift", {"en": "Night shift", "fr": "Quart de nuit"}, "Night shift"),
        ("fr", "Night shift", {"en": "Night shift", "fr": "Quart de nuit"}, "Quart de nuit"),
        ("fr", "Night shift", {"en": "Night shift"}, "Night shift"),  # no French: the English
        ("en", "Quart de nuit", {"fr": "Quart de nuit"}, "Quart de nuit"),  # and the other way
        ("fr", "Night shift", {"en": "Night shift", "fr": "  "}, "Night shift"),  # blank: missing
        ("fr", "Canonical", {}, "Canonical"),  # no name per language (made elsewhere)
        # renamed by a replica still on the release before names: its names are stale
        ("fr", "Night crew", {"en": "Night shift", "fr": "Quart de nuit"}, "Night crew"),
        (PSEUDO, "Night shift", {"en": "Night shift", "fr": "Quart de nuit"}, "Night shift"),
    ],
)
def test_display_name_falls_back_to_the_other_language_then_the_canonical_name(
    lang: str, name: str, names: dict[str, str], shown: str
) -> None:
    with language(lang):
        assert display_name(name, names) == shown
    assert display_name(name, names, lang) == shown


def test_names_are_trimmed_and_the_english_one_is_canonical() -> None:
    assert clean_names({"en": "  Night shift ", "fr": "", "de": "Nachtschicht"}) == {
        "en": "Night shift"
    }
    assert canonical_name({"en": "Night shift", "fr": "Quart de nuit"}) == "Night shift"
    assert canonical_name({"fr": "Quart de nuit"}) == "Quart de nuit"
    assert canonical_name({}) == ""


@pytest.mark.parametrize(
    ("names", "clash"),
    [
        ({"en": "night SHIFT"}, Clash("en", "night SHIFT", *NIGHT)),
        ({"en": "Late shift", "fr": "QUART DE NUIT"}, Clash("fr", "QUART DE NUIT", *NIGHT)),
        ({"en": "Quart de nuit"}, Clash("en", "Quart de nuit", *NIGHT)),  # across languages
        ({"fr": "Night shift"}, Clash("fr", "Night shift", *NIGHT)),
        ({"en": "Late shift", "fr": "Quart du soir"}, None),
        ({"en": "Night"}, None),  # a part of a name is another name
    ],
)
def test_a_name_clashes_with_any_name_of_another_whatever_the_case(
    names: dict[str, str], clash: Clash | None
) -> None:
    assert find_clash(names, [NIGHT, ("Day shift", {"en": "Day shift"})]) == clash


def test_the_canonical_name_counts_even_without_names_per_language() -> None:
    found = find_clash({"fr": "plant"}, [("Plant", {})])
    assert found is not None and (found.language, found.other_name) == ("fr", "Plant")


def test_names_sort_as_readers_expect() -> None:
    names = ["Quart de nuit", "Équipe de jour", "ventes", "Atelier"]
    assert sorted(names, key=sort_key) == ["Atelier", "Équipe de jour", "Quart de nuit", "ventes"]
