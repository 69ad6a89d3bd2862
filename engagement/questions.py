"""The question bank (content/questions.yaml): stable ids, dimensions, versions, two languages."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from engagement import CONTENT_DIR
from engagement.errors import InvalidInput
from engagement.i18n import LANGUAGES, N_, _, get_language, localized

BANK = CONTENT_DIR / "questions.yaml"


class Dimension(StrEnum):
    UNDERSTANDING = "understanding"
    DESIRE = "desire"
    RELEVANCE = "relevance"
    TOOLS = "tools"
    CUSTOMER_THOUGHT = "customer_thought"


# The change path, in order: the barrier point is the first of these under the threshold.
CHANGE_PATH: tuple[Dimension, ...] = (
    Dimension.UNDERSTANDING,
    Dimension.DESIRE,
    Dimension.RELEVANCE,
    Dimension.TOOLS,
)
_DIMENSION_LABELS = {
    Dimension.UNDERSTANDING: N_("Understanding"),
    Dimension.DESIRE: N_("Desire"),
    Dimension.RELEVANCE: N_("Relevance"),
    Dimension.TOOLS: N_("Tools"),
    Dimension.CUSTOMER_THOUGHT: N_("Customer thought"),
}
CUSTOMER_OPTION = "customer"
FIRST_THOUGHT_ITEM = "first_thought"


def dimension_label(dimension: Dimension | str) -> str:
    """A dimension's name in the current language."""
    return _(_DIMENSION_LABELS[Dimension(dimension)])


class ItemType(StrEnum):
    LIKERT5 = "likert5"
    CHOICE = "choice"
    TEXT = "text"


@dataclass(frozen=True)
class Option:
    id: str
    text: dict[str, str]


@dataclass(frozen=True)
class Item:
    """A question; its newest version's wording is the one asked."""

    id: str
    dimension: Dimension | None
    type: ItemType
    version: int
    text: dict[str, str]
    options: tuple[Option, ...] = field(default_factory=tuple)

    def wording(self, language: str | None = None) -> tuple[str, bool]:
        """The wording in a language, and whether it fell back to the other language."""
        return localized(self.text, language)


def option_text(option: Option, language: str | None = None) -> str:
    return localized(option.text, language)[0]


@dataclass(frozen=True)
class Bank:
    items: dict[str, Item]
    scale: dict[str, list[str]]

    def item(self, item_id: str) -> Item:
        try:
            return self.items[item_id]
        except KeyError:
            raise InvalidInput(_("Unknown question: {id}.").format(id=item_id)) from None

    def scale_labels(self, language: str | None = None) -> list[str]:
        lang = language or get_language()
        return self.scale.get(lang) or self.scale["en"]

    def missing_translations(self) -> list[tuple[str, str]]:
        """(item id, language) pairs whose newest wording lacks a language: for HR to fill."""
        return [
            (item.id, lang)
            for item in self.items.values()
            for lang in LANGUAGES
            if not item.text.get(lang)
        ]


def _problem(path: Path, where: str, message: str) -> InvalidInput:
    return InvalidInput(
        _("{file}, {where}: {message}").format(file=path.name, where=where, message=message)
    )


def _parse_item(raw: dict[str, Any], path: Path, index: int) -> Item:
    where = _("item {n}").format(n=index + 1)
    item_id = str(raw.get("id") or "")
    if not item_id:
        raise _problem(path, where, _("every item needs an id"))
    try:
        kind = ItemType(str(raw.get("type")))
    except ValueError:
        raise _problem(path, item_id, _("type must be likert5, choice or text")) from None
    dim = raw.get("dimension")
    try:
        dimension = Dimension(dim) if dim else None
    except ValueError:
        raise _problem(path, item_id, _("unknown dimension “{d}”").format(d=dim)) from None
    versions = raw.get("versions") or []
    if not versions:
        raise _problem(path, item_id, _("at least one version with its wording is needed"))
    newest = max(versions, key=lambda v: int(v.get("version", 0)))
    text = {lang: str(newest[lang]) for lang in LANGUAGES if newest.get(lang)}
    if not text:
        raise _problem(path, item_id, _("the wording is missing"))
    options = tuple(
        Option(str(o["id"]), {lang: str(o[lang]) for lang in LANGUAGES if o.get(lang)})
        for o in raw.get("options") or []
    )
    if kind is ItemType.CHOICE and not options:
        raise _problem(path, item_id, _("a choice item needs options"))
    return Item(item_id, dimension, kind, int(newest.get("version", 1)), text, options)


def load_bank(path: Path = BANK) -> Bank:
    """Read and check the question bank; InvalidInput names the file and the problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = _("line {n}").format(n=mark.line + 1) if mark is not None else "?"
        raise _problem(path, line, str(getattr(exc, "problem", exc))) from None
    items: dict[str, Item] = {}
    for index, raw in enumerate(data.get("items") or []):
        item = _parse_item(raw, path, index)
        if item.id in items:
            raise _problem(path, item.id, _("this id is used twice"))
        items[item.id] = item
    scale = {
        k: [str(x) for x in v] for k, v in (data.get("scale", {}).get("likert5") or {}).items()
    }
    if len(scale.get("en", [])) != 5:
        raise _problem(path, "scale", _("the likert5 scale needs five English labels"))
    return Bank(items=items, scale=scale)


@lru_cache(maxsize=1)
def default_bank() -> Bank:
    """The shipped question bank (read once per process)."""
    return load_bank()


def custom_item(raw: dict[str, Any]) -> Item:
    """A question written for one pulse (stored with the pulse): a 1–5 scale item."""
    dim = raw.get("dimension")
    return Item(
        id=str(raw["id"]),
        dimension=Dimension(dim) if dim else None,
        type=ItemType.LIKERT5,
        version=1,
        text={lang: str(raw["text"][lang]) for lang in LANGUAGES if raw.get("text", {}).get(lang)},
    )
