"""Change-explanation modules: the file format (every shipped module, every kind of broken
file, en/fr agreement, round trip) and the services (publishing frozen versions, who may
author, all-or-nothing import, export, reading, progress and the comprehension check) —
on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, func, select

from engagement.authz import Actor, Role
from engagement.errors import InvalidInput, NotAllowed, NotFound
from engagement.i18n import language
from engagement.markets import Criteria, MarketRules
from engagement.models import ModuleProgress, ModuleStatus, ModuleVersion
from engagement.modules import (
    MAX_FILE_BYTES,
    MODULES_DIR,
    STEPS,
    ModuleFile,
    ModuleText,
    Option,
    Question,
    load_modules,
    parse_module,
    read_module_file,
    same_structure,
    score,
    shipped_modules,
    to_markdown,
)
from engagement.pillars import Pillar
from engagement.services import campaigns, directory, markets
from engagement.services import modules as svc
from engagement.services.campaigns import CampaignDraft
from tests import factories as f

# ---- a small, valid module file that the broken-file cases start from ----

HEAD = """\
---
id: welcome
title: "Welcome to the new mission"
pillar: mission
language: en
version: 2
minutes: 6
pass_mark: 75
summary: "What changes, why, and what you can do on Monday."
"""
QUIZ = """\
quiz:
  - question: "What does the mission start with?"
    options:
      - text: "The person who relies on the measurement."
        correct: true
        explanation: "It starts with someone."
      - text: "The instrument."
        correct: false
        explanation: "That was the old mission."
  - question: "When does a late result meet the mission?"
    options:
      - text: "Never: timing is part of it."
        correct: true
        explanation: "“When they need them” is in the mission."
      - text: "When it is accurate."
        correct: false
        explanation: "Accuracy alone is not enough."
      - text: "When nobody complains."
        correct: false
        explanation: "Most customers do not complain; they leave."
"""
EXPLAIN = "## What changes {#explain}\n\nThe mission now starts with a person.\n\n"
DESIRE = "## What is in it for you {#desire}\n\nFewer emergencies.\n\n"
RELEVANCE = "## Why customers care {#relevance}\n\nA hospital waits for its loggers.\n\n"
TOOLS = "## What to do on Monday {#tools}\n\n- Say your sentence at the huddle.\n"
BODY = EXPLAIN + DESIRE + RELEVANCE + TOOLS
BASE = HEAD + QUIZ + "---\n" + BODY
BASE_FR = BASE.replace("language: en", "language: fr").replace(
    "Welcome to the new mission", "Bienvenue dans la nouvelle mission"
)
SOURCE = "welcome.en.md"
Q2 = "When does a late result meet the mission?"
Q2_BLOCK = QUIZ[QUIZ.index(f'  - question: "{Q2}"') :]  # the second question, whole


def swap(old: str, new: str) -> Callable[[str], str]:
    """A mutation replacing one exact, unique piece of the file."""

    def apply(text: str) -> str:
        assert text.count(old) == 1, f"{old!r} is not unique in the file"
        return text.replace(old, new)

    return apply


def chain(*mutations: Callable[[str], str]) -> Callable[[str], str]:
    """Several mutations, one after the other."""

    def apply(text: str) -> str:
        for mutate in mutations:
            text = mutate(text)
        return text

    return apply


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line containing needle."""
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_the_base_file_is_valid() -> None:
    # every broken case below differs from this file by one mistake only
    doc = parse_module(BASE, SOURCE)
    assert (doc.key, doc.pillar, doc.language, doc.version, doc.minutes, doc.pass_mark) == (
        "welcome",
        "mission",
        "en",
        2,
        6,
        75,
    )
    assert list(doc.text.steps) == list(STEPS)
    assert doc.text.steps["desire"] == ("What is in it for you", "Fewer emergencies.")
    assert [q.correct_index for q in doc.text.quiz] == [0, 0]
    assert doc.text.quiz[1].options[2] == Option(
        "When nobody complains.", False, "Most customers do not complain; they leave."
    )
    assert same_structure(doc, parse_module(BASE_FR, "welcome.fr.md")) is None


def test_pass_mark_defaults_to_80_percent() -> None:
    assert parse_module(swap("pass_mark: 75\n", "")(BASE), SOURCE).pass_mark == 80


# (mutation, where the error must point: a piece of the broken line, or a line number, or
#  "end" for the end of the file; the problem the message must state)
BROKEN: dict[str, tuple[Callable[[str], str], str | int, str]] = {
    "no opening ---": (
        lambda t: t.removeprefix("---\n"),
        1,
        "the file must start with a front matter line “---”",
    ),
    "front matter never closed": (
        swap("---\n## What changes", "## What changes"),
        1,
        "the front matter has no closing line “---”",
    ),
    "invalid YAML": (
        swap("minutes: 6\n", "minutes: 6: 7\n"),
        "minutes: 6: 7",
        "the front matter is not valid YAML (mapping values are not allowed here)",
    ),
    "front matter is a list": (
        swap(HEAD + QUIZ, "---\n- id\n- title\n"),
        2,
        "the front matter must be “key: value” lines",
    ),
    "bad id": (
        swap("id: welcome", "id: Welcome Aboard"),
        "id: Welcome Aboard",
        "“id” must be lower-case letters, digits and dashes",
    ),
    "id too short": (swap("id: welcome", "id: w"), "id: w", "“id” must be lower-case"),
    "unknown pillar": (
        swap("pillar: mission", "pillar: customers"),
        "pillar: customers",
        "“pillar” must be one of mission, identity, strategy, competencies, capabilities",
    ),
    "unknown language": (
        swap("language: en", "language: de"),
        "language: de",
        "“language” must be one of en, fr",
    ),
    "missing title": (
        swap('title: "Welcome to the new mission"\n', ""),
        2,  # no line holds it: the first line of the front matter
        "“title” must be a text",
    ),
    "empty title": (swap('"Welcome to the new mission"', '""'), "title:", "“title” must be a text"),
    "title too long": (
        swap("Welcome to the new mission", "W" * 161),
        "title:",
        "“title” is longer than 160 characters",
    ),
    "HTML in the title": (
        swap("Welcome to the new", "Welcome <script>alert(1)</script>"),
        "title:",
        "HTML is not allowed; use Markdown",
    ),
    "HTML in the summary": (
        swap("What changes, why", "What <b>changes</b>, why"),
        "summary:",
        "HTML is not allowed; use Markdown",
    ),
    "version not a number": (
        swap("version: 2", "version: two"),
        "version: two",
        "“version” must be a whole number from 1 to 10000",
    ),
    "version zero": (swap("version: 2", "version: 0"), "version: 0", "“version” must be"),
    "version a fraction": (swap("version: 2", "version: 2.5"), "version: 2.5", "“version” must"),
    "minutes zero": (
        swap("minutes: 6", "minutes: 0"),
        "minutes: 0",
        "“minutes” must be a whole number from 1 to 240",
    ),
    "pass_mark over 100": (
        swap("pass_mark: 75", "pass_mark: 101"),
        "pass_mark: 101",
        "“pass_mark” must be a whole number from 1 to 100",
    ),
    "pass_mark zero": (swap("pass_mark: 75", "pass_mark: 0"), "pass_mark: 0", "“pass_mark”"),
    "pass_mark as a percentage text": (
        swap("pass_mark: 75", 'pass_mark: "75 %"'),
        "pass_mark:",
        "“pass_mark” must be a whole number from 1 to 100",
    ),
    "pass_mark true": (swap("pass_mark: 75", "pass_mark: true"), "pass_mark:", "“pass_mark”"),
    "empty quiz": (swap(QUIZ, "quiz: []\n"), "quiz: []", "“quiz” must list at least one question"),
    "no quiz at all": (swap(QUIZ, ""), 2, "“quiz” must list at least one question"),
    "question without text": (
        swap(f'"{Q2}"', '""'),
        '- question: ""',
        "question 2 has no text",
    ),
    "question with one option": (
        swap(
            '      - text: "The instrument."\n'
            "        correct: false\n"
            '        explanation: "That was the old mission."\n',
            "",
        ),
        "What does the mission start with?",
        "question 1 needs at least two options",
    ),
    "no correct option": (
        swap('timing is part of it."\n        correct: true', 'timing is part of it."'),
        Q2,
        "question 2 must have exactly one option with “correct: true”",
    ),
    "two correct options": (
        swap(
            '"When it is accurate."\n        correct: false',
            '"When it is accurate."\n        correct: true',
        ),
        Q2,
        "question 2 must have exactly one option with “correct: true”",
    ),
    "correct written as text": (
        swap(
            'timing is part of it."\n        correct: true',
            'timing is part of it."\n        correct: "true"',
        ),
        Q2,
        "question 2 must have exactly one option with “correct: true”",
    ),
    "option without explanation": (
        swap('        explanation: "Most customers do not complain; they leave."\n', ""),
        Q2,
        "every option of question 2 needs an “explanation”",
    ),
    "option without text": (
        swap('- text: "When it is accurate."', '- text: ""'),
        Q2,
        "every option of question 2 needs a “text”",
    ),
    "steps out of order": (
        swap(EXPLAIN + DESIRE, DESIRE + EXPLAIN),
        "{#desire}",
        "the steps must be, in this order: {#explain}, {#desire}, {#relevance}, {#tools} "
        "(found: {#desire}, {#explain}, {#relevance}, {#tools})",
    ),
    "a step missing": (
        swap(RELEVANCE, ""),
        "{#tools}",
        "(found: {#explain}, {#desire}, {#tools})",
    ),
    "the last step missing": (
        swap(TOOLS, ""),
        "end",
        "(found: {#explain}, {#desire}, {#relevance})",
    ),
    "an unknown step": (
        swap("{#relevance}", "{#context}"),
        "{#context}",
        "(found: {#explain}, {#desire}, {#context}, {#tools})",
    ),
    "an empty step": (
        swap("Fewer emergencies.\n", ""),
        "{#desire}",
        "the step {#desire} is empty",
    ),
    "a step too long": (
        swap("A hospital waits for its loggers.", "x" * 20_001),
        "{#relevance}",
        "the step {#relevance} is longer than 20000 characters",
    ),
    "## heading without its step": (
        swap("## What is in it for you {#desire}", "## What is in it for you"),
        "## What is in it for you",
        "a step heading must end with its step, e.g. “## What changes {#explain}”",
    ),
    "# level-1 heading": (
        swap("Fewer emergencies.", "# Fewer emergencies"),
        "# Fewer emergencies",
        "use “##” headings for the four steps",
    ),
    "raw HTML in a step": (
        swap("Fewer emergencies.", 'Fewer <span style="color:red">emergencies</span>.'),
        "<span",
        "HTML is not allowed; use Markdown",
    ),
    "an HTML comment in a step": (
        swap("Fewer emergencies.", "Fewer emergencies. <!-- TODO -->"),
        "<!--",
        "HTML is not allowed; use Markdown",
    ),
    "text before the first step": (
        swap("---\n## What changes", "---\nRead this first.\n\n## What changes"),
        "Read this first.",
        "text before the first step heading",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_file_names_the_file_the_line_and_the_problem(case: str) -> None:
    mutate, where, problem = BROKEN[case]
    text = mutate(BASE)
    if where == "end":
        line = len(text.splitlines()) + 1  # a missing final step is reported at the end
    else:
        line = where if isinstance(where, int) else line_of(text, where)
    with pytest.raises(InvalidInput) as caught:
        parse_module(text, SOURCE)
    message = str(caught.value)
    assert message.startswith(f"{SOURCE}, line {line}: "), message
    assert problem in message


@pytest.mark.parametrize(
    ("case", "data", "problem"),
    [
        (
            "over 200 KB",
            (BASE + "Padding that makes the file too large.\n" * 6_000).encode(),
            "the file is larger than 200 KB.",
        ),
        (
            "not UTF-8",
            BASE.encode("utf-8").replace(b"Fewer emergencies", b"Fewer \xe9mergencies"),
            "the file is not UTF-8 text.",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_named_without_a_line(
    tmp_path: Path, case: str, data: bytes, problem: str
) -> None:
    path = tmp_path / SOURCE
    path.write_bytes(data)
    assert (len(data) > MAX_FILE_BYTES) == (case == "over 200 KB")
    with pytest.raises(InvalidInput) as caught:
        read_module_file(path)
    assert str(caught.value) == f"{SOURCE}: {problem}"


def test_a_file_saved_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    # editors on Windows may start UTF-8 files with a BOM; the file is still good
    path = tmp_path / SOURCE
    path.write_bytes(BASE.encode("utf-8-sig"))
    assert read_module_file(path) == parse_module(BASE, SOURCE)


def test_a_broken_file_never_stops_the_others(tmp_path: Path) -> None:
    (tmp_path / "welcome.en.md").write_text(BASE, encoding="utf-8")
    (tmp_path / "welcome.fr.md").write_text(BASE_FR, encoding="utf-8")
    (tmp_path / "mission.en.md").write_bytes((MODULES_DIR / "mission.en.md").read_bytes())
    broken = BASE.replace("id: welcome", "id: broken").replace("pillar: mission", "pillar: x")
    (tmp_path / "broken.en.md").write_text(broken, encoding="utf-8")
    (tmp_path / "huge.en.md").write_bytes(b"x" * (MAX_FILE_BYTES + 1))
    (tmp_path / "notes.txt").write_text("not a module", encoding="utf-8")

    result = shipped_modules(tmp_path)

    assert {k: sorted(langs) for k, langs in result.modules.items()} == {
        "mission": ["en"],
        "welcome": ["en", "fr"],
    }
    assert [str(e) for e in result.errors] == [
        f"broken.en.md, line {line_of(broken, 'pillar: x')}: “pillar” must be one of "
        "mission, identity, strategy, competencies, capabilities.",
        "huge.en.md: the file is larger than 200 KB.",
    ]
    assert result.modules["welcome"]["fr"].text.title == "Bienvenue dans la nouvelle mission"
    assert shipped_modules(tmp_path / "missing").modules == {}


FR = "welcome.fr.md"
DISAGREEMENTS: dict[str, tuple[Callable[[str], str], str]] = {
    "different correct answer": (
        chain(
            swap('measurement."\n        correct: true', 'measurement."\n        correct: false'),
            swap('instrument."\n        correct: false', 'instrument."\n        correct: true'),
        ),
        "question 1 has different options or a different correct answer than welcome.en.md.",
    ),
    "different number of options": (
        swap(
            '      - text: "When nobody complains."\n'
            "        correct: false\n"
            '        explanation: "Most customers do not complain; they leave."\n',
            "",
        ),
        "question 2 has different options or a different correct answer than welcome.en.md.",
    ),
    "different number of questions": (
        swap(Q2_BLOCK, ""),
        "the quiz has a different number of questions than welcome.en.md.",
    ),
    "different pass_mark": (
        swap("pass_mark: 75", "pass_mark: 80"),
        "“pass_mark” differs from welcome.en.md.",
    ),
    "different version": (swap("version: 2", "version: 3"), "“version” differs from"),
    "different minutes": (swap("minutes: 6", "minutes: 7"), "“minutes” differs from"),
    "different pillar": (swap("pillar: mission", "pillar: strategy"), "“pillar” differs from"),
}


@pytest.mark.parametrize("case", list(DISAGREEMENTS))
def test_language_files_that_disagree_are_reported(tmp_path: Path, case: str) -> None:
    mutate, problem = DISAGREEMENTS[case]
    (tmp_path / SOURCE).write_text(BASE, encoding="utf-8")
    (tmp_path / FR).write_text(mutate(BASE_FR), encoding="utf-8")
    result = load_modules(tmp_path.glob("*.md"))
    assert len(result.errors) == 1
    assert str(result.errors[0]).startswith(f"{FR}: ")
    assert problem in str(result.errors[0])
    assert sorted(result.modules["welcome"]) == ["en"]  # the first file still loads


def test_the_same_language_twice_is_reported(tmp_path: Path) -> None:
    (tmp_path / SOURCE).write_text(BASE, encoding="utf-8")
    (tmp_path / "welcome.en2.md").write_text(BASE, encoding="utf-8")
    result = load_modules(tmp_path.glob("*.md"))
    assert [str(e) for e in result.errors] == [
        "welcome.en2.md: module “welcome” in “en” is already in welcome.en.md."
    ]
    assert result.modules["welcome"]["en"].source == SOURCE


# ---- the modules shipped in content/modules ----

SHIPPED_IDS = sorted({p.name.split(".")[0] for p in MODULES_DIR.glob("*.md")})
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!?]")


@pytest.fixture(scope="module")
def shipped() -> dict[str, dict[str, ModuleFile]]:
    result = shipped_modules()
    assert [str(e) for e in result.errors] == []
    return result.modules


def test_the_starter_pack_has_one_module_per_pillar_and_first_thought(
    shipped: dict[str, dict[str, ModuleFile]],
) -> None:
    assert SHIPPED_IDS == [
        "capabilities",
        "competencies",
        "first-thought",
        "identity",
        "mission",
        "strategy",
    ]
    assert sorted(shipped) == SHIPPED_IDS
    # each pillar's module is named after it, in both languages
    for pillar in Pillar:
        assert {doc.pillar for doc in shipped[pillar.value].values()} == {pillar.value}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


@pytest.mark.parametrize("key", SHIPPED_IDS)
def test_a_shipped_module_is_complete_in_both_languages(
    shipped: dict[str, dict[str, ModuleFile]], key: str
) -> None:
    languages = shipped[key]
    assert sorted(languages) == ["en", "fr"]
    en, fr = languages["en"], languages["fr"]
    for lang, doc in languages.items():
        assert doc.source == f"{key}.{lang}.md"  # the file is named after its id and language
        assert (doc.key, doc.language) == (key, lang)
        assert 1 <= doc.minutes <= 30
        assert 50 <= doc.pass_mark <= 100
        assert doc.text.title and doc.text.summary
        assert list(doc.text.steps) == list(STEPS)
        for heading, body in doc.text.steps.values():
            assert heading.strip() and len(body.strip()) > 200
        assert 4 <= len(doc.text.quiz) <= 5
        for q in doc.text.quiz:
            assert q.question.strip()
            assert len(q.options) >= 2
            assert sum(o.correct for o in q.options) == 1
            assert all(o.text.strip() and o.explanation.strip() for o in q.options)
        assert [s for s in _strings(doc.text.to_json()) if _TAG.search(s)] == []
    assert same_structure(en, fr) is None
    assert [q.correct_index for q in en.text.quiz] == [q.correct_index for q in fr.text.quiz]
    assert [len(q.options) for q in en.text.quiz] == [len(q.options) for q in fr.text.quiz]
    # the French file is a translation, not a copy
    assert en.text.title != fr.text.title
    assert all(en.text.steps[s][1] != fr.text.steps[s][1] for s in STEPS)


# ---- round trip and scoring ----


def _write_back(doc: ModuleFile) -> str:
    return to_markdown(
        key=doc.key,
        pillar=doc.pillar,
        language=doc.language,
        version=doc.version,
        minutes=doc.minutes,
        pass_mark=doc.pass_mark,
        text=doc.text,
    )


@pytest.mark.parametrize("name", [f"{k}.{lang}.md" for k in SHIPPED_IDS for lang in ("en", "fr")])
def test_a_shipped_module_survives_the_round_trip(name: str) -> None:
    doc = read_module_file(MODULES_DIR / name)
    again = parse_module(_write_back(doc), name)
    assert again == doc
    assert ModuleText.from_json(doc.text.to_json()) == doc.text


TRICKY = ModuleText(
    title="Q&A: what's “new”? #1 — réponses",
    summary="First line: a colon\n---\nthen a rule, 'quotes' and a trailing # sign #",
    steps={
        "explain": ("Why: now", "- a list\n- with: colons\n\n> a quote\n\n### A sub-heading"),
        "desire": ("Pour vous", "Texte **gras** et `code` {#not-a-step}"),
        "relevance": ("Customers", "1. one\n2. two"),
        "tools": ("Tools", "[a link](https://example.com) and 5 < 6"),
    },
    quiz=(
        Question(
            "Yes or no?",
            (
                Option("yes", True, "true: it is"),
                Option("no", False, "null"),
                Option("- dash", False, "# hash"),
            ),
        ),
    ),
)


def test_text_that_looks_like_yaml_or_markdown_survives_the_round_trip() -> None:
    text = to_markdown(
        key="tricky", pillar="identity", language="fr", version=3, minutes=4, pass_mark=100,
        text=TRICKY,
    )  # fmt: skip
    doc = parse_module(text, "tricky.fr.md")
    assert doc.text == TRICKY
    assert (doc.key, doc.pillar, doc.language, doc.version, doc.minutes, doc.pass_mark) == (
        "tricky",
        "identity",
        "fr",
        3,
        4,
        100,
    )


QUIZ3 = parse_module(BASE.replace(QUIZ, QUIZ + Q2_BLOCK.replace(Q2, "Again?")), SOURCE).text.quiz


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        ([0, 0, 0], 100),
        ([1, 1, 1], 0),
        ([0, 1, 0], 67),
        ([0, 2, 1], 33),
        ([0, None, 0], 67),
        ([0], 33),  # questions left out count as wrong
        ([], 0),
    ],
)
def test_score_is_the_percentage_of_right_answers(chosen: list[int | None], expected: int) -> None:
    assert len(QUIZ3) == 3
    assert score(QUIZ3, chosen) == expected


def test_score_of_an_empty_quiz_is_zero() -> None:
    assert score((), []) == 0


# ---- services: authoring, publishing, importing, reading, the check ----

TEXT = parse_module(BASE, SOURCE).text
TEXT_FR = parse_module(BASE_FR, FR).text


@pytest.fixture
def org(session: Session) -> dict[str, Any]:
    acme = f.department(session, "Acme")
    sales = f.department(session, "Sales", acme)
    ops = f.department(session, "Ops", acme)
    people = {
        "hr": f.employee(session, acme, "Hana Hr", email="hana@acme.test"),
        "leader": f.employee(session, acme, "Lea Leader", email="lea@acme.test"),
        "manager": f.employee(session, sales, "Mona Manager", email="mona@acme.test"),
        "seller": f.employee(session, sales, "Sam Seller", email="sam@acme.test"),
        "maker": f.employee(session, ops, "Max Maker", email="max@acme.test"),
    }
    f.grant(session, people["hr"], Role.HR)
    f.grant(session, people["leader"], Role.LEADER)
    f.grant(session, people["manager"], Role.MANAGER, (sales,))
    session.commit()
    return {"sales": sales, "ops": ops, **people}


def who(session: Session, org: dict[str, Any], name: str) -> Actor:
    return directory.actor_for_employee(session=session, employee=org[name])


def save(
    session: Session, hr: Actor, key: str = "welcome", texts: dict[str, ModuleText] | None = None
) -> int:
    version = svc.save_module_draft(
        session=session,
        actor=hr,
        key=key,
        pillar="mission",
        minutes=6,
        pass_mark=75,
        texts=texts if texts is not None else {"en": TEXT, "fr": TEXT_FR},
    )
    session.commit()
    return version


def publish(session: Session, hr: Actor, key: str = "welcome") -> int:
    version = svc.publish_module(session=session, actor=hr, key=key)
    session.commit()
    return version


def versions(session: Session, key: str = "welcome") -> list[tuple[int, str]]:
    rows = session.exec(
        select(ModuleVersion)
        .where(ModuleVersion.module_key == key)
        .order_by(col(ModuleVersion.version))
    ).all()
    return [(r.version, r.status) for r in rows]


def count_versions(session: Session) -> int:
    return session.exec(select(func.count()).select_from(ModuleVersion)).one()


def test_shipped_modules_are_published_once(session: Session, org: dict[str, Any]) -> None:
    assert svc.load_shipped_modules(session) == SHIPPED_IDS
    session.commit()
    rows = session.exec(select(ModuleVersion)).all()
    assert sorted((r.module_key, r.version, r.status) for r in rows) == [
        (key, 1, ModuleStatus.PUBLISHED.value) for key in SHIPPED_IDS
    ]
    assert all(sorted(r.content) == ["en", "fr"] and r.published_at for r in rows)

    # a second start adds nothing, and never overwrites what HR made of a module since
    hr = who(session, org, "hr")
    assert save(session, hr, "mission") == 2
    assert svc.load_shipped_modules(session) == []
    session.commit()
    assert count_versions(session) == 7
    assert versions(session, "mission") == [(1, "published"), (2, "draft")]


def test_publishing_freezes_a_version_and_readers_keep_it_until_the_next(
    session: Session, org: dict[str, Any]
) -> None:
    hr, seller = who(session, org, "hr"), who(session, org, "seller")
    assert save(session, hr) == 1
    with pytest.raises(NotFound):
        svc.read_module(session=session, actor=seller, key="welcome")  # a draft is not shown
    assert save(session, hr) == 1  # editing a draft keeps its version
    assert publish(session, hr) == 1
    with pytest.raises(InvalidInput, match="Version 1 is already published"):
        svc.publish_module(session=session, actor=hr, key="welcome")
    session.rollback()
    frozen = session.exec(select(ModuleVersion).where(ModuleVersion.version == 1)).one().content

    edited = dataclasses.replace(TEXT, title="Welcome, second edition")
    assert save(session, hr, texts={"en": edited, "fr": TEXT_FR}) == 2
    assert versions(session) == [(1, "published"), (2, "draft")]
    session.expire_all()
    v1 = session.exec(select(ModuleVersion).where(ModuleVersion.version == 1)).one()
    assert v1.content == frozen == {"en": TEXT.to_json(), "fr": TEXT_FR.to_json()}
    view = svc.read_module(session=session, actor=seller, key="welcome")
    assert (view.version, view.text.title) == (1, "Welcome to the new mission")
    editing = svc.module_for_editing(session=session, actor=hr, key="welcome")
    assert (editing.version, editing.status, editing.texts["en"].title) == (
        2,
        ModuleStatus.DRAFT,
        "Welcome, second edition",
    )

    assert publish(session, hr) == 2
    view = svc.read_module(session=session, actor=seller, key="welcome")
    assert (view.version, view.text.title) == (2, "Welcome, second edition")
    assert versions(session) == [(1, "published"), (2, "published")]
    with pytest.raises(NotFound):
        svc.publish_module(session=session, actor=hr, key="nothing-here")


@pytest.mark.parametrize(
    ("texts", "problem"),
    [
        ({}, "Write the module in at least one language."),
        ({"de": TEXT}, "Unknown language: de."),
        (
            {"en": dataclasses.replace(TEXT, quiz=TEXT.quiz[:1]), "fr": TEXT_FR},
            "the quiz has a different number of questions",
        ),
        (
            {"en": dataclasses.replace(TEXT, summary="A <b>bold</b> claim")},
            "welcome.en.md, line 9: HTML is not allowed",
        ),
        (
            {"en": dataclasses.replace(TEXT, quiz=(Question("Alone?", TEXT.quiz[0].options[:1]),))},
            "question 1 needs at least two options",
        ),
    ],
)
def test_a_draft_obeys_the_rules_of_the_file_format(
    session: Session, org: dict[str, Any], texts: dict[str, ModuleText], problem: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        save(session, who(session, org, "hr"), texts=texts)
    assert problem in str(caught.value)
    session.rollback()
    assert count_versions(session) == 0


AUTHORING: dict[str, Callable[[Session, Actor], object]] = {
    "save": lambda s, a: save(s, a),
    "publish": lambda s, a: svc.publish_module(session=s, actor=a, key="welcome"),
    "import": lambda s, a: svc.import_modules(session=s, actor=a, files=[(SOURCE, BASE.encode())]),
    "export": lambda s, a: svc.export_module(session=s, actor=a, key="welcome", language="en"),
    "edit": lambda s, a: svc.module_for_editing(session=s, actor=a, key="welcome"),
}


@pytest.mark.parametrize("action", list(AUTHORING))
@pytest.mark.parametrize("person", ["seller", "manager", "leader"])
def test_only_hr_may_author_modules(
    session: Session, org: dict[str, Any], person: str, action: str
) -> None:
    save(session, who(session, org, "hr"))  # a draft exists, so only the role can refuse
    with pytest.raises(NotAllowed):
        AUTHORING[action](session, who(session, org, person))
    session.rollback()
    assert versions(session) == [(1, "draft")]
    AUTHORING[action](session, who(session, org, "hr"))  # the same call is fine for HR


def test_an_import_is_all_or_nothing(session: Session, org: dict[str, Any]) -> None:
    hr = who(session, org, "hr")
    broken = BASE.replace("id: welcome", "id: broken").replace("version: 2", "version: two")
    files = [
        (SOURCE, BASE.encode()),
        (FR, BASE_FR.encode()),
        ("broken.en.md", broken.encode()),
        ("mission.en.md", (MODULES_DIR / "mission.en.md").read_bytes()),
    ]
    with pytest.raises(InvalidInput) as caught:
        svc.import_modules(session=session, actor=hr, files=files)
    session.rollback()
    message = str(caught.value)
    assert message.startswith("Nothing was imported.")
    assert (
        f"- broken.en.md, line {line_of(broken, 'version: two')}: "
        "“version” must be a whole number from 1 to 10000." in message
    )
    assert "welcome" not in message and "mission" not in message
    assert count_versions(session) == 0

    # the same files without the broken one go in, as drafts
    assert svc.import_modules(session=session, actor=hr, files=files[:2] + files[3:]) == [
        "mission",
        "welcome",
    ]
    session.commit()
    assert versions(session) == [(1, "draft")]
    assert versions(session, "mission") == [(1, "draft")]
    row = session.exec(select(ModuleVersion).where(ModuleVersion.module_key == "welcome")).one()
    assert row.content == {"en": TEXT.to_json(), "fr": TEXT_FR.to_json()}
    assert (row.pillar, row.minutes, row.pass_mark) == ("mission", 6, 75)


@pytest.mark.parametrize(
    ("files", "problem"),
    [
        ([], "Choose at least one module file"),
        ([(f"m{i}.en.md", BASE.encode()) for i in range(51)], "At most 50 files at once."),
        ([(SOURCE, BASE.encode()), (FR, BASE_FR.replace("75", "80").encode())], "“pass_mark”"),
        ([("../../etc/welcome.en.md", b"\xff\xfe")], "welcome.en.md: the file is not UTF-8"),
    ],
)
def test_imports_that_are_refused(
    session: Session, org: dict[str, Any], files: list[tuple[str, bytes]], problem: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        svc.import_modules(session=session, actor=who(session, org, "hr"), files=files)
    assert problem in str(caught.value)
    session.rollback()
    assert count_versions(session) == 0


def test_an_exported_module_imports_back_as_the_next_draft(
    session: Session, org: dict[str, Any]
) -> None:
    hr = who(session, org, "hr")
    save(session, hr)
    publish(session, hr)
    exported = [
        svc.export_module(session=session, actor=hr, key="welcome", language=lang)
        for lang in ("en", "fr")
    ]
    assert [name for name, _text in exported] == [SOURCE, FR]
    assert parse_module(exported[0][1], SOURCE).text == TEXT
    files = [(name, text.encode("utf-8")) for name, text in exported]
    assert svc.import_modules(session=session, actor=hr, files=files) == ["welcome"]
    session.commit()
    assert versions(session) == [(1, "published"), (2, "draft")]
    rows = session.exec(select(ModuleVersion).order_by(col(ModuleVersion.version))).all()
    assert rows[0].content == rows[1].content
    save(session, hr, "english", texts={"en": TEXT})
    with pytest.raises(NotFound):  # no French text to export
        svc.export_module(session=session, actor=hr, key="english", language="fr")


@pytest.fixture
def published(session: Session, org: dict[str, Any]) -> dict[str, Any]:
    hr = who(session, org, "hr")
    save(session, hr)
    publish(session, hr)
    return org


def progress_of(session: Session, org: dict[str, Any], name: str) -> ModuleProgress | None:
    session.expire_all()
    return session.get(ModuleProgress, (org[name].id, "welcome"))


def test_the_check_counts_attempts_explains_wrong_answers_and_records_a_pass(
    session: Session, published: dict[str, Any]
) -> None:
    seller = who(session, published, "seller")

    failed = svc.submit_check(session=session, actor=seller, key="welcome", chosen=[1, 0])
    session.commit()
    assert (failed.score, failed.passed, failed.pass_mark, failed.attempts) == (50, False, 75, 1)
    wrong, right = failed.feedback
    assert (wrong.right, wrong.chosen, wrong.correct, wrong.explanation) == (
        False,
        "The instrument.",
        "The person who relies on the measurement.",
        "That was the old mission.",  # the explanation of the option chosen
    )
    assert (right.right, right.explanation) == (True, "“When they need them” is in the mission.")
    mine = progress_of(session, published, "seller")
    assert mine is not None
    assert (mine.attempts, mine.last_score, mine.passed_at) == (1, 50, None)
    assert mine.completed_at is not None and mine.step == len(STEPS)

    passed = svc.submit_check(session=session, actor=seller, key="welcome", chosen=[0, 0])
    session.commit()
    assert (passed.score, passed.passed, passed.attempts) == (100, True, 2)
    assert all(fb.right for fb in passed.feedback)
    mine = progress_of(session, published, "seller")
    assert mine is not None and mine.passed_at is not None
    first_pass = mine.passed_at

    # a later, worse attempt is counted but does not undo the pass
    again = svc.submit_check(session=session, actor=seller, key="welcome", chosen=[1, 2])
    session.commit()
    assert (again.score, again.passed, again.attempts) == (0, False, 3)
    mine = progress_of(session, published, "seller")
    assert mine is not None
    assert (mine.attempts, mine.last_score, mine.passed_at) == (3, 0, first_pass)
    view = svc.read_module(session=session, actor=seller, key="welcome")
    assert view.progress is not None
    assert (view.progress.passed, view.progress.attempts, view.progress.last_score) == (True, 3, 0)
    # passing again keeps the date of the first pass
    assert svc.submit_check(session=session, actor=seller, key="welcome", chosen=[0, 0]).passed
    session.commit()
    mine = progress_of(session, published, "seller")
    assert mine is not None
    assert (mine.attempts, mine.last_score, mine.passed_at) == (4, 100, first_pass)
    assert svc.passed_all(session, published["seller"].id, ["welcome"])
    assert not svc.passed_all(session, published["maker"].id, ["welcome"])


@pytest.mark.parametrize("chosen", [[0, None], [None, None], [0], [], [0, 0, 0]])
def test_a_check_with_unanswered_questions_is_refused(
    session: Session, published: dict[str, Any], chosen: list[int | None]
) -> None:
    seller = who(session, published, "seller")
    with pytest.raises(InvalidInput, match="Answer every question before checking"):
        svc.submit_check(session=session, actor=seller, key="welcome", chosen=chosen)
    session.rollback()
    assert progress_of(session, published, "seller") is None  # no attempt counted


def test_reading_remembers_the_step_and_completes_at_the_check(
    session: Session, published: dict[str, Any]
) -> None:
    seller = who(session, published, "seller")
    with pytest.raises(NotFound):
        svc.save_step(session=session, actor=seller, key="unpublished", step=1)
    session.rollback()
    for step, expected, completed in [(2, 2, False), (-3, 0, False), (4, 4, True), (9, 4, True)]:
        assert svc.save_step(session=session, actor=seller, key="welcome", step=step) == expected
        session.commit()
        mine = progress_of(session, published, "seller")
        assert mine is not None
        assert (mine.step, mine.completed_at is not None, mine.attempts) == (
            expected,
            completed,
            0,
        )
    view = svc.read_module(session=session, actor=seller, key="welcome")
    assert view.progress is not None
    assert (view.progress.step, view.progress.completed, view.progress.passed) == (4, True, False)
    # someone else's progress is their own
    assert (
        svc.read_module(
            session=session, actor=who(session, published, "maker"), key="welcome"
        ).progress
        is None
    )


def test_my_modules_lists_what_my_live_campaigns_assign_first(
    session: Session, org: dict[str, Any]
) -> None:
    hr, leader = who(session, org, "hr"), who(session, org, "leader")
    svc.load_shipped_modules(session)
    sales = markets.save_market(
        session=session,
        actor=hr,
        name="Sales team",
        rules=MarketRules(Criteria(department_ids=[org["sales"].id])),
    )
    today = date.today()

    def campaign(modules: list[str], starts: date, launch: bool = True) -> None:
        draft = CampaignDraft(
            title={"en": f"About {modules[0]}"},
            pillar="strategy",
            message={"en": "Please read."},
            market_ids=[sales],
            module_ids=modules,
            starts_on=starts,
            ends_on=starts + timedelta(days=14),
        )
        campaign_id = campaigns.save_campaign(
            session=session, actor=leader, campaign_id=None, draft=draft
        )
        if launch:
            campaigns.launch_campaign(
                session=session, actor=leader, campaign_id=campaign_id, today=today
            )

    campaign(["strategy", "mission"], today)  # live
    campaign(["identity"], today + timedelta(days=7))  # scheduled: not yet assigned
    campaign(["capabilities"], today, launch=False)  # a draft assigns nothing
    session.commit()

    seller = who(session, org, "seller")
    svc.save_step(session=session, actor=seller, key="mission", step=2)
    session.commit()
    cards = svc.my_modules(session=session, actor=seller)
    assert [(c.key, c.assigned) for c in cards] == [
        ("strategy", True),
        ("mission", True),
        ("capabilities", False),
        ("competencies", False),
        ("first-thought", False),
        ("identity", False),
    ]
    assert cards[1].progress is not None and cards[1].progress.step == 2
    assert cards[0].progress is None
    assert cards[1].title == shipped_modules().modules["mission"]["en"].text.title

    # outside the market: everything published, nothing assigned
    maker = svc.my_modules(session=session, actor=who(session, org, "maker"))
    assert [(c.key, c.assigned) for c in maker] == [(k, False) for k in SHIPPED_IDS]

    # a draft module is never listed
    save(session, hr)
    assert "welcome" not in [c.key for c in svc.my_modules(session=session, actor=seller)]


@pytest.mark.parametrize(
    ("key", "reader", "shown", "fell_back"),
    [
        ("english-only", "fr", "en", True),
        ("english-only", "en", "en", False),
        ("french-only", "en", "fr", True),
        ("mission", "fr", "fr", False),
        ("mission", "en", "en", False),
    ],
)
def test_a_reader_falls_back_to_another_language_when_theirs_is_missing(
    session: Session, org: dict[str, Any], key: str, reader: str, shown: str, fell_back: bool
) -> None:
    hr = who(session, org, "hr")
    svc.load_shipped_modules(session)
    for k, texts in [("english-only", {"en": TEXT}), ("french-only", {"fr": TEXT_FR})]:
        save(session, hr, k, texts=texts)
        publish(session, hr, k)
    expected = {
        "english-only": TEXT,
        "french-only": TEXT_FR,
        "mission": shipped_modules().modules["mission"][shown].text,
    }[key]
    seller = who(session, org, "seller")

    with language(reader):
        view = svc.read_module(session=session, actor=seller, key=key)
        cards = {c.key: c for c in svc.my_modules(session=session, actor=seller)}

    assert (view.language, view.fell_back) == (shown, fell_back)
    assert view.text == expected
    assert cards[key].title == expected.title
    missing = {k: langs for k, _title, langs in svc.missing_translations(session=session, actor=hr)}
    assert missing == {"english-only": ["fr"], "french-only": ["en"]}
