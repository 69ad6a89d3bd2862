"""Six months of pulse waves and check-ins for the demo company, with a story in them.

Customer Service is targeted by the mission campaign early and its understanding rises;
Sales follows; Operations understands the change late and lags on desire throughout;
customer-facing teams think of customers first far more often; participation varies.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from engagement import org_tree
from engagement.measures import rollups
from engagement.models import (
    Checkin,
    CheckinDay,
    Employee,
    Pulse,
    Wave,
)
from engagement.models.pulses import random_id
from engagement.privacy import checkin_scope, participant_token
from engagement.questions import CHANGE_PATH, Dimension, default_bank
from engagement.services.directory import demo_personas, load_nodes
from engagement.services.pulses import tenure_band
from engagement.synthetic import start_wave

WEEKS = 26
# week (1-based) from which a division has been targeted by a campaign about the mission
TARGETED_FROM = {"Customer Service": 5, "Sales": 9, "Marketing": 9, "Operations": 17}
COMMENTS = [
    "We need clearer examples of what customer-first means in our team.",
    "The new strategy makes sense, but our tools are not ready yet.",
    "Please give us time in team meetings to talk about customers.",
    "I would like to hear directly from customers more often.",
    "On aimerait des exemples concrets de ce que « client d’abord » veut dire chez nous.",
    "Les outils ne suivent pas encore la nouvelle stratégie.",
    "Nos objectifs d’équipe parlent encore de volumes, pas de clients.",
    "Too many initiatives at the same time; what matters most?",
]


def _favorable(division: str, dimension: Dimension, week: int, rng: random.Random) -> float:
    """Chance of a 4 or 5 for a division, dimension and week."""
    start = TARGETED_FROM.get(division)
    lift = 0.0 if start is None or week < start else min(1.0, (week - start + 1) / 6)
    base = {
        Dimension.UNDERSTANDING: 0.38 + 0.34 * lift,
        Dimension.DESIRE: 0.52 + 0.18 * lift,
        Dimension.RELEVANCE: 0.50 + 0.22 * lift,
        Dimension.TOOLS: 0.40 + 0.12 * lift,
    }[dimension]
    if division == "Operations" and dimension is Dimension.DESIRE:
        base = 0.34 + 0.06 * lift  # the product culture resists
    if division == "Research & Development":
        base -= 0.05
    return max(0.05, min(0.95, base + rng.uniform(-0.04, 0.04)))


def _value(favorable: bool, rng: random.Random) -> int:
    if favorable:
        return 4 if rng.random() < 0.62 else 5
    return rng.choices([1, 2, 3], weights=[15, 35, 50])[0]


def build_demo_history(
    *,
    session: Session,
    today: date,
    seed: int = 7,
    weeks: int = WEEKS,
    progress: Callable[[int, int, str], None] | None = None,
) -> int:
    """Create the weekly pulse with its past waves, answers and check-ins; returns waves made."""
    rng = random.Random(seed * 31 + 1)
    bank = default_bank()
    monday = today - timedelta(days=today.weekday())
    start = monday - timedelta(weeks=weeks - 1)
    pulse = Pulse(
        name="Weekly change pulse",
        names={"en": "Weekly change pulse", "fr": "Sondage éclair hebdomadaire sur le changement"},
        cadence="weekly",
        open_days=5,
        start_date=start,
        item_ids=list(bank.items),
        created_by="demo",
    )
    session.add(pulse)
    session.flush()
    # every read the random draws depend on is ordered: the same seed then gives the same
    # company on SQLite and PostgreSQL, whose unordered scans return rows in different orders
    nodes = sorted(load_nodes(session), key=lambda n: n.id)
    by_id = {n.id: n for n in nodes}
    division = {n.id: [*org_tree.path_of(by_id, n.id), ""][1] for n in nodes}
    people = session.exec(
        select(Employee).where(col(Employee.active).is_(True)).order_by(col(Employee.id))
    ).all()
    managers: set[int | None] = {p.manager_id for p in people if p.manager_id}
    keep_open: set[str | None] = {p.email for p in demo_personas(session=session)}
    eagerness = {n.id: rng.uniform(0.45, 0.85) for n in nodes}
    dims = {i: item.dimension for i, item in bank.items.items()}
    for week in range(1, weeks + 1):
        opens = start + timedelta(weeks=week - 1)
        members = [p for p in people if p.hire_date is None or p.hire_date <= opens]
        batch = start_wave(
            session, pulse_id=pulse.id or 0, number=week, opens=opens, invited=len(members)
        )
        current = opens + timedelta(days=4) >= today
        for person in members:
            batch.invite(person.id or 0, person.department_id)
            if current and person.email in keep_open:
                continue  # the demo people can answer the open wave themselves
            if rng.random() > eagerness[person.department_id] * (0.6 if current else 1.0):
                continue
            fields = _response(person, managers, opens, rng)
            response_id = batch.respond(person.id or 0, fields)
            div = division[person.department_id]
            for item_id, dim in dims.items():
                if rng.random() < 0.05:
                    continue  # skipped
                if dim is Dimension.CUSTOMER_THOUGHT:
                    choice = _first_thought(person.customer_facing, div, week, rng)
                    batch.answer(response_id, item_id, None, choice)
                elif dim in CHANGE_PATH:
                    fav = rng.random() < _favorable(div, dim, week, rng)
                    batch.answer(response_id, item_id, _value(fav, rng), None)
        batch.write(session)
        if progress:
            progress(week, weeks, f"{opens.isoformat()}")
    _checkins(session, people, managers, division, start, today, keep_open, rng)
    session.flush()
    for wave in session.exec(
        select(Wave).where(Wave.pulse_id == pulse.id).order_by(col(Wave.number))
    ).all():
        if rollups.is_closed(wave, today):
            rollups.store(session, wave)  # closed waves never change: store their roll-ups now
    return weeks


def _snapshot(person: Employee, managers: set[int | None], day: date) -> dict[str, Any]:
    return {
        "department_id": person.department_id,
        "location": person.location,
        "job_family": person.job_family,
        "level": person.level,
        "tenure_band": tenure_band(person.hire_date, day),
        "customer_facing": person.customer_facing,
        "people_manager": person.id in managers,
        "extra": dict(person.extra or {}),
    }


def _response(
    person: Employee, managers: set[int | None], day: date, rng: random.Random
) -> dict[str, Any]:
    comment = rng.choice(COMMENTS) if rng.random() < 0.06 else None
    return {
        "answered_on": day + timedelta(days=rng.randint(0, 4)),
        "comment": comment,
        **_snapshot(person, managers, day),
    }


def _first_thought(customer_facing: bool, division: str, week: int, rng: random.Random) -> str:
    start = TARGETED_FROM.get(division)
    lift = 0.0 if start is None or week < start else min(0.15, 0.015 * (week - start))
    p_customer = (0.45 if customer_facing else 0.12) + lift
    if rng.random() < p_customer:
        return "customer"
    return rng.choices(["own_tasks", "team", "products", "nothing"], weights=[45, 20, 25, 10])[0]


def _checkins(
    session: Session,
    people: Sequence[Employee],
    managers: set[int | None],
    division: dict[int, str],
    start: date,
    today: date,
    keep_open: set[str | None],
    rng: random.Random,
) -> None:
    """About one working day in four, people tap the morning check-in."""
    days, checkins = [], []
    day = start
    while day < today:
        if day.weekday() < 5:
            week = (day - start).days // 7 + 1
            for person in people:
                if rng.random() < 0.25 and (person.hire_date is None or person.hire_date <= day):
                    days.append(
                        {"day": day, "token": participant_token(checkin_scope(day), person.id or 0)}
                    )
                    choice = _first_thought(
                        person.customer_facing, division[person.department_id], week, rng
                    )
                    checkins.append(
                        {
                            "id": random_id(),
                            "day": day,
                            "choice": choice,
                            **_snapshot(person, managers, day),
                        }
                    )
        day += timedelta(days=1)
    if days:
        session.execute(insert(CheckinDay), days)
        session.execute(insert(Checkin), checkins)
