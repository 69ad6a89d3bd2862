"""Driver analysis of a shown group: what goes with the customer thought, and with desire.

It reads respondents' answers (never a person: a response carries no link to anyone) of one
wave and department subtree, only for a row the suppression shows to the viewer, and only with
at least `drivers.MIN_RESPONDENTS` respondents; below that it falls back to the company's
drivers and says so (engagement.measures.drivers).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import Session, col, select

from engagement import org_tree
from engagement.authz import Actor, Role, require_role
from engagement.errors import NotAllowed
from engagement.i18n import _
from engagement.measures import drivers as method
from engagement.models import Answer, Response
from engagement.questions import (
    CHANGE_PATH,
    CUSTOMER_OPTION,
    FIRST_THOUGHT_ITEM,
    Dimension,
    default_bank,
)
from engagement.services import reports
from engagement.services.directory import load_nodes

CUSTOMER_THOUGHT = "customer_thought"
OUTCOMES = (CUSTOMER_THOUGHT, Dimension.DESIRE.value)


@dataclass(frozen=True)
class DriverReport:
    outcome: str
    department_id: int  # the group analysed: the asked one, or the company when it fell back
    fallback: bool  # the asked group had too few respondents: these are the company's drivers
    drivers: list[method.Driver] | None  # None: too few respondents even company-wide


def _items() -> dict[Dimension, list[str]]:
    out: dict[Dimension, list[str]] = defaultdict(list)
    for item_id, item in default_bank().items.items():
        if item.dimension in CHANGE_PATH:
            out[item.dimension].append(item_id)
    return dict(out)


def _respondents(session: Session, wave_id: int, departments: set[int]) -> list[dict[str, float]]:
    rows = session.exec(
        select(Answer.response_id, Answer.item_id, Answer.value, Answer.choice)
        .join(Response, col(Response.id) == Answer.response_id)
        .where(Response.wave_id == wave_id, col(Response.department_id).in_(sorted(departments)))
    ).all()
    people: dict[str, dict[str, float]] = defaultdict(dict)
    for response_id, item_id, value, choice in rows:
        if item_id == FIRST_THOUGHT_ITEM and choice is not None:
            people[response_id][CUSTOMER_THOUGHT] = 1.0 if choice == CUSTOMER_OPTION else 0.0
        elif value is not None:
            people[response_id][item_id] = float(value)
    return list(people.values())


def _analyse(
    session: Session, report: reports.Heatmap, department_id: int, outcome: str
) -> list[method.Driver] | None:
    subtree = org_tree.subtree_ids(load_nodes(session), department_id)
    items = _items()
    keys = [CUSTOMER_THOUGHT] if outcome == CUSTOMER_THOUGHT else items[Dimension(outcome)]
    return method.drivers(_respondents(session, report.wave_id, subtree), items, outcome, keys)


def driver_analysis(
    *, session: Session, actor: Actor, report: reports.Heatmap, department_id: int, outcome: str
) -> DriverReport | None:
    """The drivers of an outcome for a shown department (or the company); None when hidden."""
    require_role(actor, Role.MANAGER, Role.HR, Role.LEADER)
    if outcome not in OUTCOMES:
        raise NotAllowed(_("That is not an outcome Virage analyses."))
    visible = reports.scoped(report, actor, session)
    row = next((r for r in visible.rows if r.department_id == department_id), None)
    if row is None:
        raise NotAllowed(_("That department is not one you may see."))
    if report.market is not None or row.measures is None:
        return None  # a filtered or hidden figure has no drivers of its own
    found = _analyse(session, report, department_id, outcome)
    if found is not None or row.is_company:
        return DriverReport(outcome, department_id, False, found)
    company = next((r for r in visible.rows if r.is_company), None)
    if company is None or company.measures is None:
        return DriverReport(outcome, department_id, False, None)
    return DriverReport(
        outcome,
        company.department_id,
        True,
        _analyse(session, report, company.department_id, outcome),
    )
