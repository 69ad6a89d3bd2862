"""The integer-programming audit: it catches yesterday's leaks, and today's design shuts them.

Each leak below is one the audit found in what Virage published before shares were rounded
and coded, reasons made alike and rules 5 and 6 added (issue 15): the first test of each pair
feeds the adversary what was published then and must find the leak; the second builds the
same people through today's real pipeline (`reports.rows_of`) and must find nothing.
"""

from __future__ import annotations

import pytest
from sqlmodel import Session

from engagement import org_tree
from engagement.audit.model import Atom, Fact, Leak, Share, Target, attack
from engagement.audit.run import audit_waves
from engagement.cli import main
from engagement.measures.publish import Bound, Published
from engagement.models import Wave
from tests.audit_cases import ITEMS, Person, _publish
from tests.test_measures import wave  # noqa: F401  (a small company's answered wave)

K = 5
TREE = [
    org_tree.Node(id=1, name="Company", kind="company", parent_id=None),
    org_tree.Node(id=2, name="Sales", kind="department", parent_id=1),
    org_tree.Node(id=3, name="Marketing", kind="department", parent_id=1),
    org_tree.Node(id=4, name="Finance", kind="department", parent_id=1),
]


def _atom(dept: int, invited: int, answered: int, tools: tuple[int, int]) -> Atom:
    return Atom(
        key=(dept, frozenset()),
        department=dept,
        invited=invited,
        respondents=answered,
        answers={"tools": tools},
    )


def _share(pct: int, bound: Bound = Bound.EXACT) -> Share:
    return Share(Published(pct, bound), items=1)


def _leaks(atoms: list[Atom], facts: list[Fact], targets: list[Target]) -> set[tuple[str, Leak]]:
    result = attack(atoms, facts, targets, K, seconds_per_solve=20)
    assert result.undecided == 0
    return {(f.target, f.leak) for f in result.findings}


def test_a_shown_100_percent_pinned_every_smaller_group_inside_it() -> None:
    # Sales 6 and Marketing 2 (hidden) all said they have the tools; the company showed 100 %
    atoms = [_atom(2, 8, 6, (6, 6)), _atom(3, 3, 2, (2, 2)), _atom(1, 2, 0, (0, 0))]
    everyone = frozenset({0, 1, 2})
    facts = [
        Fact("all", "Company", everyone, 8, {"tools": _share(100)}),
        Fact("all", "Sales", frozenset({0}), 6, {"tools": _share(100)}),
    ]
    hidden = Target("Marketing", frozenset({1}), hidden_cell=True)
    assert ("Marketing", Leak.ALL_FAVORABLE) in _leaks(atoms, facts, [hidden])
    # the same numbers coded as today ("at least 80 %") leave room for one unfavorable answer
    facts = [
        Fact("all", "Company", everyone, 8, {"tools": _share(87, Bound.AT_LEAST)}),
        Fact("all", "Sales", frozenset({0}), 6, {"tools": _share(83, Bound.AT_LEAST)}),
    ]
    assert ("Marketing", Leak.ALL_FAVORABLE) not in _leaks(atoms, facts, [hidden])


def test_full_participation_pinned_a_hidden_groups_respondents() -> None:
    # everyone invited answered: Marketing's 3 respondents follow from the company's 10
    atoms = [_atom(2, 7, 7, (7, 3)), _atom(3, 3, 3, (3, 1))]
    facts = [
        Fact("all", "Company", frozenset({0, 1}), 10, {}),
        Fact("all", "Sales", frozenset({0}), 7, {}),
    ]
    hidden = Target("Marketing", frozenset({1}), hidden_cell=True)
    assert ("Marketing", Leak.RESPONDENTS) in _leaks(atoms, facts, [hidden])


def test_exact_counts_in_chart_data_pinned_a_hidden_cell() -> None:
    # unrounded shares and Wilson bounds gave (answers, favorable) of every shown group
    atoms = [_atom(2, 9, 8, (8, 5)), _atom(3, 9, 7, (7, 2))]
    facts = [
        Fact("all", "Company", frozenset({0, 1}), 15, {"tools": Share(None, 1, counts=(15, 7))}),
        Fact("all", "Sales", frozenset({0}), 8, {"tools": Share(None, 1, counts=(8, 5))}),
    ]
    hidden = Target("Marketing", frozenset({1}), hidden_cell=True)
    assert ("Marketing", Leak.EXACT) in _leaks(atoms, facts, [hidden])
    # whole percentages, where the hidden cell shares its remainder with a smaller one
    atoms.append(_atom(4, 3, 2, (2, 1)))
    facts = [
        Fact("all", "Company", frozenset({0, 1, 2}), 17, {"tools": _share(47)}),
        Fact("all", "Sales", frozenset({0}), 8, {"tools": _share(63)}),
    ]
    assert ("Marketing", Leak.EXACT) not in _leaks(atoms, facts, [hidden])


def _people(
    dept: int, n: int, answered: int, favorable: int, markets: frozenset[int] = frozenset()
):
    out = []
    for i in range(n):
        yes = i < answered
        answers = {}
        if yes:
            for dim in ITEMS:
                given = ITEMS[dim]
                answers[dim.value] = (given, given if i < favorable else 0)
        out.append(Person(dept, markets, yes, answers))
    return out


@pytest.mark.parametrize("k", [3, 5])
def test_todays_pipeline_pins_nothing_in_the_cases_above(k: int) -> None:
    crowd = [
        *_people(2, 9, 6, 6),  # Sales: everyone who answered is favorable
        *_people(3, 3, 2, 2),  # Marketing: two people, both favorable
        *_people(4, 8, 8, 3),  # Finance: everyone answered
        *_people(1, 2, 1, 1),  # the company's own members
    ]
    case = _publish(TREE, crowd, 0, None, None, k)
    result = attack(case.atoms, case.facts, case.targets, k, seconds_per_solve=20)
    assert result.checks > 0 and result.facts > 0
    assert result.undecided == 0
    assert result.findings == []


def test_todays_pipeline_hides_where_everyone_answered() -> None:
    crowd = [*_people(2, 9, 6, 3), *_people(4, 8, 8, 3)]
    case = _publish(TREE, crowd, 0, None, None, K)
    shown = {f.label for f in case.facts}
    # rule 5: all 8 of Finance answered; the company's remainder then needs Sales hidden too,
    # so that someone in it did not answer
    assert shown == {"all: Company"}
    assert attack(case.atoms, case.facts, case.targets, K).findings == []


def test_the_audit_reads_a_real_wave_and_the_cli_reports_it(
    session: Session,
    wave: Wave,  # noqa: F811
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """On a real database (both backends): the published rows of every view are read back
    from their export records and attacked; the command says what it checked."""
    [audit] = audit_waves(session, [int(wave.id or 0)], 3)
    assert audit.views == 1  # no internal market yet: the unfiltered view
    assert audit.result.facts >= 1 and audit.result.targets >= 1 and audit.result.checks > 0
    assert audit.result.undecided == 0
    assert audit.result.findings == []
    session.commit()  # the first read stores the wave's roll-up: let the command see it
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("VIRAGE_MIN_GROUP_SIZE", "3")
    assert main(["audit", "--wave", str(wave.id)]) == 0
    out = capsys.readouterr().out
    assert "nothing pinned" in out and "Audited 1 waves at k = 3" in out
    assert main(["audit", "--wave", "latest"]) == 1
    assert "--wave takes" in capsys.readouterr().err
