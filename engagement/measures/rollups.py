"""A wave's counts per department: stored once the wave is closed, raw while it is open.

A closed wave cannot change any more, so its direct-member counts (`engine.Tally`) and its
invitation moves against the previous wave (rule 4, across waves) are computed from the raw
answers the first time anyone reads it — or eagerly by the demo and benchmark builders — and
stored (`engagement/models/rollups.py`); from then on a report reads a few hundred rows
instead of grouping every answer again. Several processes may compute the same wave at once:
the first insert wins, the others hit its key and use what they computed, which is the same.
Suppression is not decided here: these are the counts that `reports` passes through it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import String, Table, select, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from engagement.measures import engine
from engagement.measures.engine import Move, Tally
from engagement.models import DepartmentTally, Wave, WaveRollup
from engagement.questions import CHANGE_PATH

TALLIES: Table = DepartmentTally.__table__  # type: ignore[attr-defined]
ROLLUPS: Table = WaveRollup.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class WaveCounts:
    """A wave's counts for each department's direct members, and its invitation moves.

    `moves` is None when the wave has no previous wave to compare with.
    """

    tallies: dict[int, Tally]
    moves: list[Move] | None


def is_closed(wave: Wave, today: date | None = None) -> bool:
    """Whether a wave's answers are final: its last day is past (by the clock and by `today`)."""
    clock = date.today()
    return wave.closes_on < min(today or clock, clock)


def raw_counts(session: Session, wave: Wave) -> WaveCounts:
    """The counts computed from the raw answers, invitations and check-ins (GROUP BYs)."""
    return _raw(session, wave, engine.previous_wave(session, wave))


def _raw(session: Session, wave: Wave, before: Wave | None) -> WaveCounts:
    moves = engine.invitation_moves(session, wave, before) if before is not None else None
    return WaveCounts(engine.wave_tallies(session, wave), moves)


def counts_of(
    session: Session, waves: Iterable[Wave], today: date | None = None, *, stored: bool = True
) -> dict[int, WaveCounts]:
    """Each wave's counts (by wave id): stored ones for closed waves, storing any missing.

    `stored=False` computes everything from the raw answers (the reference the stored
    roll-ups are checked against).
    """
    waves = list(waves)
    closed = [w for w in waves if stored and is_closed(w, today)]
    out = load(session, [int(w.id or 0) for w in closed])
    for wave in waves:
        wave_id = int(wave.id or 0)
        if wave_id in out:
            continue
        out[wave_id] = store(session, wave) if wave in closed else raw_counts(session, wave)
    return out


def store(session: Session, wave: Wave) -> WaveCounts:
    """Compute a closed wave's counts and store them (idempotent, safe between processes)."""
    wave_id = int(wave.id or 0)
    before = engine.previous_wave(session, wave)
    counts = _raw(session, wave, before)
    try:
        with session.begin_nested():
            session.add(
                WaveRollup(
                    wave_id=wave_id,
                    previous_wave_id=before.id if before is not None else None,
                    moves=[list(m) for m in counts.moves or []],
                )
            )
            session.flush()
            if counts.tallies:
                rows = [_row(wave_id, dept, t) for dept, t in sorted(counts.tallies.items())]
                session.execute(TALLIES.insert(), rows)
    except IntegrityError:  # another process stored this wave first: the same counts
        pass
    return counts


def load(session: Session, wave_ids: list[int]) -> dict[int, WaveCounts]:
    """The stored counts of those waves that have them."""
    if not wave_ids:
        return {}
    headers = session.execute(
        select(ROLLUPS.c.wave_id, ROLLUPS.c.previous_wave_id, ROLLUPS.c.moves).where(
            ROLLUPS.c.wave_id.in_(wave_ids)
        )
    ).all()
    # plain tuples, and the check-in days parsed here: a report reads hundreds of these rows
    stmt = select(*(TALLIES.c[name] for name in _COLUMNS), _DAYS).where(
        TALLIES.c.wave_id.in_(wave_ids)
    )
    tallies: dict[int, dict[int, Tally]] = defaultdict(dict)
    days: dict[str, date] = {}
    for row in session.execute(stmt):
        tallies[row[0]][row[1]] = _tally(row, days)
    return {
        int(wave_id): WaveCounts(
            dict(tallies.get(wave_id, {})),
            None if previous is None else [(a, b, int(n)) for a, b, n in moves],
        )
        for wave_id, previous, moves in headers
    }


_COLUMNS = [
    "wave_id",
    "department_id",
    "invited",
    "respondents",
    "thought_customer",
    "thought_answered",
    "checkin_customer",
    "checkin_all",
    *(f"{dim.value}_{part}" for dim in CHANGE_PATH for part in ("answers", "favorable", "sum")),
]
# read as stored (text on SQLite; PostgreSQL's driver hands JSON over already parsed)
_DAYS = type_coerce(TALLIES.c.checkin_days, String)


def _row(wave_id: int, department_id: int, tally: Tally) -> dict[str, Any]:
    row: dict[str, Any] = {
        "wave_id": wave_id,
        "department_id": department_id,
        "invited": tally.invited,
        "respondents": tally.respondents,
        "thought_customer": tally.thought[0],
        "thought_answered": tally.thought[1],
        "checkin_customer": tally.checkins[0],
        "checkin_all": tally.checkins[1],
        "checkin_days": {day.isoformat(): n for day, n in sorted(tally.checkin_days.items())},
    }
    for dim in CHANGE_PATH:
        n, favorable, total = tally.scale.get(dim, [0, 0, 0])
        row.update(
            {
                f"{dim.value}_answers": n,
                f"{dim.value}_favorable": favorable,
                f"{dim.value}_sum": total,
            }
        )
    return row


def _tally(row: Any, days: dict[str, date]) -> Tally:
    """A Tally from a row of `_COLUMNS` then the check-in days (`days` caches parsed dates)."""
    tally = Tally(
        invited=row[2],
        respondents=row[3],
        thought=[row[4], row[5]],
        checkins=[row[6], row[7]],
    )
    for i, dim in enumerate(CHANGE_PATH):
        base = 8 + 3 * i
        if row[base]:
            tally.scale[dim] = [row[base], row[base + 1], row[base + 2]]
    raw = row[-1]
    for day, n in (json.loads(raw) if isinstance(raw, str) else raw).items():
        when = days.get(day)
        if when is None:
            when = days[day] = date.fromisoformat(day)
        tally.checkin_days[when] = n
    return tally
