"""The mixer: releases pooled submissions as responses and check-ins, in shuffled batches.

A submission is written at once as a sealed pool item in the transaction of its participation
record (pulse_answers.py); whoever watches the database sees *who* submitted, never what. The
mixer, on its own connection and transaction, opens the items of a scope (a wave, a check-in
day), stores each one's snapshot coarsened for the scope's population (engagement/coarsening.py:
the wave's invitees, the day's active people) and releases a group only when at least k pooled
items share exactly what would be stored — so every released row is consistent with at least k
of the people whose items the batch holds, even to someone holding the full statement log. The
rows get new random ids, are written in shuffled order, and their pool items are deleted in
the same transaction: a crash releases all or nothing, and nothing is released twice.

While a scope is open, small groups wait for more. Once it is over (the wave's last day, the
check-in's day, has passed), the leftovers climb the department tree with nothing but the
department kept, and a group is released wherever k of them meet; fewer than k left in the
whole scope stay sealed in the pool (they would be hidden from every figure anyway).

Several replicas may run it at once: PostgreSQL hands each mixer the items no other one holds
(FOR UPDATE SKIP LOCKED); SQLite's single writer lock is taken before reading.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete, func, insert, select, text, update
from sqlmodel import Session, col

from engagement.coarsening import DEPARTMENT_ONLY, Population, generalise, key
from engagement.config import load_settings
from engagement.models import (
    Answer,
    Checkin,
    Department,
    Employee,
    PoolItem,
    Response,
    Wave,
    WaveInvite,
)
from engagement.models.pulses import random_id
from engagement.pool import open_sealed
from engagement.services.settings import privacy

POOL: Table = PoolItem.__table__  # type: ignore[attr-defined]
RESPONSES: Table = Response.__table__  # type: ignore[attr-defined]
ANSWERS: Table = Answer.__table__  # type: ignore[attr-defined]
CHECKINS: Table = Checkin.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Released:
    """What one run of the mixer released, and what it left waiting."""

    released: int
    batches: int
    waiting: int


# a scope's population is fixed when its wave opens (the invitations) or read once a day (the
# active people): each process keeps it a few minutes rather than reading it for every answer
POPULATION_SECONDS = 300
_populations: dict[tuple[str, str, int], tuple[float, Population]] = {}
_lock = threading.Lock()
_closing: dict[tuple[str, str], date] = {}


def forget_populations() -> None:
    """Drop the kept populations (tests that rebuild a company under the same URL)."""
    with _lock:
        _populations.clear()
        _ks.clear()
        _closing.clear()


def population_for(connection: Connection, scope: str, k: int, today: date) -> Population:
    """The people a scope's snapshots are drawn from, split into stored classes of k."""
    cache_key = (str(connection.engine.url), scope, k)
    now = time.monotonic()
    with _lock:
        kept = _populations.get(cache_key)
    if kept is not None and now - kept[0] < POPULATION_SECONDS:
        return kept[1]
    population = _read_population(Session(bind=connection), scope, today, _parents(connection), k)
    with _lock:
        _populations[cache_key] = (now, population)
    return population


@lru_cache(maxsize=1)
def _default_k() -> int:
    return load_settings().min_group_size


def prepare(
    connection: Connection, scope: str, snapshot: dict[str, Any], today: date
) -> tuple[dict[str, Any], str]:
    """What will be stored of a snapshot submitted in a scope (coarsened for the scope's
    population at the k in force), and the batch key of its pool item."""
    k = _k_in_force(connection)
    stored = population_for(connection, scope, k, today).stored(snapshot)
    return stored, batch_key(stored)


# the administrator's k, read at most every 30 s per process (as the pages do): answering
# does not pay a query for it
_K_SECONDS = 30
_ks: dict[str, tuple[float, int]] = {}


def _k_in_force(connection: Connection) -> int:
    url = connection.engine.url.render_as_string(hide_password=False)
    now = time.monotonic()
    kept = _ks.get(url)
    if kept is not None and now - kept[0] < _K_SECONDS:
        return kept[1]
    k = privacy(Session(bind=connection), _default_k()).min_group_size
    _ks[url] = (now, k)
    return k


def batch_key(stored: dict[str, Any]) -> str:
    """The digest of a stored snapshot that groups pool items (see models/pool.py)."""
    return hashlib.sha256(key(stored).encode()).hexdigest()


def pooled_count(engine: Engine, scope: str) -> int:
    """How many items of a scope wait in the pool."""
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count()).select_from(POOL).where(POOL.c.scope == scope)
            ).scalar_one()
        )


def release_if_due(engine: Engine, *, scope: str, k: int, today: date | None = None) -> Released:
    """After a submission: release the scope's groups that reached k (one GROUP BY otherwise)."""
    return release(engine, k=k, today=today, scopes=[scope])


def release(
    engine: Engine,
    *,
    k: int,
    today: date | None = None,
    scopes: list[str] | None = None,
    seed: int | None = None,
) -> Released:
    """Release what can be released, scope by scope, each in its own transaction."""
    today = today or date.today()
    if scopes is None:
        with engine.connect() as connection:
            scopes = sorted(connection.execute(select(POOL.c.scope).distinct()).scalars())
    rng = random.SystemRandom() if seed is None else random.Random(seed)
    total = Released(0, 0, 0)
    for scope in scopes:
        done = _release_scope(engine, scope, k, today, rng)
        total = Released(
            total.released + done.released,
            total.batches + done.batches,
            total.waiting + done.waiting,
        )
    return total


def _is_over(connection: Connection, scope: str, today: date) -> tuple[bool, date]:
    """Whether a scope's time is past, and the one day its released rows carry (never the
    time, nor who came when): the release day within the wave, the check-in's day."""
    kind, _colon, value = scope.partition(":")
    if kind == "wave":
        cache_key = (str(connection.engine.url), scope)
        closes_on = _closing.get(cache_key)
        if closes_on is None:  # a wave's last day does not change once it is open
            closes_on = connection.execute(
                select(col(Wave.closes_on)).where(col(Wave.id) == int(value))
            ).scalar_one()
            _closing[cache_key] = closes_on
        return closes_on < today, min(today, closes_on)
    day = date.fromisoformat(value)
    return day < today, day


def _ready(connection: Connection, scope: str, k: int) -> list[str]:
    return list(
        connection.execute(
            select(POOL.c.batch_key)
            .where(POOL.c.scope == scope)
            .group_by(POOL.c.batch_key)
            .having(func.count() >= k)
        ).scalars()
    )


def _locked_items(connection: Connection, scope: str, keys: list[str] | None) -> list[Any]:
    query = select(POOL.c.id, POOL.c.kind, POOL.c.sealed).where(POOL.c.scope == scope)
    if keys is not None:
        query = query.where(POOL.c.batch_key.in_(keys))
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    else:
        # any write takes SQLite's one writer lock: other mixers wait here, not halfway
        connection.execute(update(POOL).where(text("0 = 1")).values(kind=POOL.c.kind))
    return list(connection.execute(query))


def _release_scope(engine: Engine, scope: str, k: int, today: date, rng: random.Random) -> Released:
    with engine.connect() as connection:
        over, day = _is_over(connection, scope, today)
        keys = None if over else _ready(connection, scope, k)
        if keys == []:  # the usual case after an answer: nothing to take the write lock for
            return Released(0, 0, 0)
    waiting = pooled_count(engine, scope)
    if not waiting:
        return Released(0, 0, 0)
    with engine.begin() as connection:
        rows = _locked_items(connection, scope, keys)
        items = {r.id: open_sealed(r.id, r.kind, scope, r.sealed) for r in rows}
        # coarsened now for the k of this release (the batch key was made with the k in force
        # when the answer came: the same, unless an administrator changed it since)
        population = population_for(connection, scope, k, today)
        stored = {i: population.stored(content["snapshot"]) for i, content in items.items()}
        batches = _batches(stored, k, over, _parents(connection))
        for batch in batches:
            rng.shuffle(batch)
            _write(connection, [(items[i], stored[i]) for i in batch], day)
        released = [i for batch in batches for i in batch]
        if released:
            connection.execute(delete(POOL).where(POOL.c.id.in_(released)))
        return Released(len(released), len(batches), waiting - len(released))


def _parents(connection: Connection) -> dict[int, int | None]:
    return {
        int(row.id): row.parent_id
        for row in connection.execute(select(col(Department.id), col(Department.parent_id)))
    }


def _batches(
    stored: dict[str, dict[str, Any]], k: int, over: bool, parents: dict[int, int | None]
) -> list[list[str]]:
    """Groups of at least k items storing exactly the same snapshot; once the scope is over,
    leftovers climb the tree (department only) until k meet."""
    batches: list[list[str]] = []
    left = dict(stored)
    rungs = [0]
    if over:
        depth = max((_depth(d, parents) for d in parents), default=0)
        rungs += list(range(DEPARTMENT_ONLY, DEPARTMENT_ONLY + depth + 1))
    for rung in rungs:
        groups: dict[str, list[str]] = defaultdict(list)
        for item_id, snapshot in sorted(left.items()):
            groups[key(generalise(snapshot, rung, parents))].append(item_id)
        for members in groups.values():
            if len(members) >= k:
                for item_id in members:
                    stored[item_id] = generalise(left.pop(item_id), rung, parents)
                batches.append(members)
    return batches


def _depth(node: int, parents: dict[int, int | None]) -> int:
    steps, current = 0, parents.get(node)
    while current is not None:
        steps, current = steps + 1, parents.get(current)
    return steps


def _read_population(
    session: Session, scope: str, today: date, parents: dict[int, int | None], k: int
) -> Population:
    """The wave's invitees, or the day's active people, with their snapshots."""
    from engagement.services.pulses import SNAPSHOT_COLUMNS, snapshot_of

    kind, _colon, value = scope.partition(":")
    query = select(*SNAPSHOT_COLUMNS).where(col(Employee.active).is_(True))
    if kind == "wave":
        query = query.join(
            WaveInvite,
            (col(WaveInvite.employee_id) == Employee.id) & (col(WaveInvite.wave_id) == int(value)),
        )
    people = [snapshot_of(row, today) for row in session.connection().execute(query)]
    return Population(people, parents, k)


def _write(
    connection: Connection, batch: list[tuple[dict[str, Any], dict[str, Any]]], day: date
) -> None:
    """Insert one batch's rows, in the (shuffled) order given, under new random ids."""
    responses, answers, checkins = [], [], []
    for content, snapshot in batch:
        if "wave_id" in content:
            response_id = random_id()
            responses.append(
                {
                    "id": response_id,
                    "wave_id": content["wave_id"],
                    "answered_on": day,
                    "comment": content["comment"],
                    **snapshot,
                }
            )
            answers += [
                {"response_id": response_id, "item_id": i, "value": v, "choice": c}
                for i, v, c in content["answers"]
            ]
        else:
            checkins.append(
                {"id": random_id(), "day": day, "choice": content["choice"], **snapshot}
            )
    if responses:
        connection.execute(insert(RESPONSES), responses)
    if answers:
        connection.execute(insert(ANSWERS), answers)
    if checkins:
        connection.execute(insert(CHECKINS), checkins)
