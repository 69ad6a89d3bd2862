"""Pulse surveys: scheduling waves, answering them, and the morning check-in.

Answers go in two unlinked records (see engagement/models/pulses.py). A database key on the
participation stops a second answer even when two tabs or two replicas submit at once.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, func, or_
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from engagement.authz import Actor, Role, require_role
from engagement.errors import InvalidInput, NotAllowed, NotFound
from engagement.i18n import LANGUAGES, _, display_name
from engagement.markets import TENURE_BANDS, MarketRules, hire_date_window
from engagement.models import (
    Cadence,
    CheckinDay,
    Employee,
    Market,
    Participation,
    Pulse,
    PulseTarget,
    Wave,
    WaveInvite,
    WaveRollup,
)
from engagement.models.pulses import random_id
from engagement.names import NAME_MAX, canonical_name, clean_names, refuse_clash, sort_key
from engagement.privacy import checkin_scope, participant_token, wave_scope
from engagement.questions import Bank, Dimension, Item, ItemType, custom_item, default_bank
from engagement.services import audit
from engagement.services.markets import member_condition, take_snapshot, wave_launch_reason
from engagement.services.pulse_answers import write_checkin, write_response
from engagement.text_rules import check_date, clean_text

COMMENT_MAX = 2000


def tenure_band(hire: date | None, today: date) -> str | None:
    """The tenure band code of a hire date on a day."""
    if hire is None:
        return None
    for code in TENURE_BANDS:
        earliest, latest = hire_date_window(code, today)
        if hire <= latest and (earliest is None or hire > earliest):
            return code
    return None


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def wave_opening(pulse: Pulse, number: int) -> date:
    """When the wave `number` (1, 2, …) of a pulse opens."""
    step = number - 1
    if pulse.cadence == Cadence.WEEKLY.value:
        return pulse.start_date + timedelta(days=7 * step)
    if pulse.cadence == Cadence.BIWEEKLY.value:
        return pulse.start_date + timedelta(days=14 * step)
    if pulse.cadence == Cadence.MONTHLY.value:
        return _add_months(pulse.start_date, step)
    return pulse.start_date


def _targets(session: Session, pulse_id: int) -> list[MarketRules]:
    rows = session.exec(
        select(Market)
        .join(PulseTarget, col(PulseTarget.market_id) == Market.id)
        .where(PulseTarget.pulse_id == pulse_id)
    ).all()
    return [MarketRules.from_json(m.rules) for m in rows]


def invitees(session: Session, pulse: Pulse, today: date) -> list[tuple[int, int]]:
    """(employee id, department id) of the people a pulse reaches today."""
    assert pulse.id is not None
    targets = _targets(session, pulse.id)
    condition = (
        or_(*(member_condition(session, r, today) for r in targets))
        if targets
        else col(Employee.active).is_(True)
    )
    rows = session.exec(select(Employee.id, Employee.department_id).where(condition)).all()
    return [(int(e), int(d)) for e, d in rows if e is not None]


def open_wave(
    session: Session, pulse: Pulse, number: int, members: list[tuple[int, int]] | None = None
) -> Wave | None:
    """Create wave `number` with its membership snapshot; None if it exists already."""
    assert pulse.id is not None
    opens = wave_opening(pulse, number)
    members = invitees(session, pulse, opens) if members is None else members
    try:
        with session.begin_nested():
            wave = Wave(
                pulse_id=pulse.id,
                number=number,
                opens_on=opens,
                closes_on=opens + timedelta(days=max(pulse.open_days, 1) - 1),
                invited=len(members),
            )
            session.add(wave)
            session.flush()
            assert wave.id is not None
            session.add_all(
                WaveInvite(wave_id=wave.id, employee_id=e, department_id=d) for e, d in members
            )
            session.flush()
            # the markets it was launched to keep who was in them at that moment
            for market_id in session.exec(
                select(PulseTarget.market_id).where(PulseTarget.pulse_id == pulse.id)
            ).all():
                take_snapshot(session, market_id, wave_launch_reason(pulse.name, number), opens)
    except IntegrityError:  # another process opened it first
        return None
    return wave


def open_due_waves(session: Session, today: date | None = None) -> int:
    """Open the waves whose time has come (idempotent; safe when several processes race)."""
    today = today or date.today()
    opened = 0
    for pulse in session.exec(select(Pulse).where(col(Pulse.active).is_(True))).all():
        last = session.exec(select(func.max(Wave.number)).where(Wave.pulse_id == pulse.id)).one()
        number = int(last or 0) + 1
        if pulse.cadence == Cadence.ONCE.value and number > 1:
            continue
        try:
            # catch up to the current occurrence only: a window that already closed is skipped
            while wave_opening(pulse, number + 1) <= today and pulse.cadence != Cadence.ONCE.value:
                number += 1
            opens = wave_opening(pulse, number)
            closes = opens + timedelta(days=max(pulse.open_days, 1) - 1)
        except (OverflowError, ValueError):
            # a schedule past the calendar's end (a start in year 9999, stored before the
            # domain checked dates) has no wave to open; the other pulses still open theirs
            continue
        if opens <= today <= closes:
            exists = session.exec(
                select(Wave.id).where(Wave.pulse_id == pulse.id, Wave.number == number)
            ).first()
            if exists is None and open_wave(session, pulse, number) is not None:
                opened += 1
    return opened


def items_of(pulse: Pulse, bank: Bank | None = None) -> list[Item]:
    """A pulse's questions in order: those from the bank, then its own."""
    return _items(pulse.item_ids, pulse.custom_items, bank or default_bank())


def _items(item_ids: list[str], custom_items: list[dict[str, Any]], bank: Bank) -> list[Item]:
    return [bank.items[i] for i in item_ids if i in bank.items] + [
        custom_item(raw) for raw in custom_items
    ]


@dataclass(frozen=True)
class CustomQuestion:
    """A 1–5 scale question HR writes for one pulse."""

    text_en: str
    text_fr: str = ""
    dimension: str | None = None


@dataclass(frozen=True, kw_only=True)
class PulseDraft:
    """What HR fills in to create a pulse.

    `names` is its name per language ({"en": …, "fr": …}, at least one); `name` alone is short
    for a name in English only.
    """

    names: dict[str, str] | None = None
    name: str = ""
    item_ids: list[str]
    start_date: date
    cadence: str = Cadence.WEEKLY.value
    open_days: int = 5
    market_ids: list[int] | None = None
    allow_comment: bool = True
    custom: list[CustomQuestion] | None = None


def _checked_names(session: Session, names: dict[str, str], pulse_id: int | None) -> dict[str, str]:
    """The names tidied, or why they cannot be taken: missing, too long, or no one could tell
    them from another pulse's in some language."""
    names = clean_names(names)
    if not names or any(len(n) > NAME_MAX for n in names.values()):
        raise InvalidInput(
            _(
                "Give the pulse a name in English or in French, of at most {n} characters each."
            ).format(n=NAME_MAX)
        )
    others = session.exec(
        select(Pulse.name, Pulse.names).where(col(Pulse.id) != (pulse_id or 0))
    ).all()
    taken = {
        "en": _(
            "The English name “{name}” is already used by the pulse survey “{other}”. "
            "Choose another English name."
        ),
        "fr": _(
            "The French name “{name}” is already used by the pulse survey “{other}”. "
            "Choose another French name."
        ),
    }
    refuse_clash(names, others, taken)
    return names


def create_pulse(
    *, session: Session, actor: Actor, draft: PulseDraft, bank: Bank | None = None
) -> int:
    """Create a pulse (HR). Its waves open by date."""
    require_role(actor, Role.HR)
    bank = bank or default_bank()
    names = _checked_names(
        session, {"en": draft.name} if draft.names is None else draft.names, None
    )
    name = canonical_name(names)
    custom = [
        CustomQuestion(
            clean_text(c.text_en, field=_("A question in English")),
            clean_text(c.text_fr, field=_("A question in French")),
            c.dimension,
        )
        for c in draft.custom or []
    ]
    custom = [c for c in custom if c.text_en or c.text_fr]
    if not draft.item_ids and not custom:
        raise InvalidInput(_("Choose at least one question."))
    for question in custom:
        if max(len(question.text_en), len(question.text_fr)) > 300:
            raise InvalidInput(_("Keep each question under 300 characters."))
        if question.dimension and question.dimension not in {d.value for d in Dimension}:
            raise InvalidInput(_("Unknown dimension: {value}.").format(value=question.dimension))
    for item_id in draft.item_ids:
        bank.item(item_id)
    try:
        cadence = Cadence(draft.cadence)
    except ValueError:
        raise InvalidInput(_("Unknown cadence: {value}.").format(value=draft.cadence)) from None
    if not 1 <= draft.open_days <= 31:
        raise InvalidInput(_("A wave stays open between 1 and 31 days."))
    check_date(draft.start_date, field=_("The first wave's date"))
    pulse = Pulse(
        name=name,
        names=names,
        cadence=cadence.value,
        open_days=draft.open_days,
        start_date=draft.start_date,
        item_ids=list(dict.fromkeys(draft.item_ids)),
        allow_comment=draft.allow_comment,
        created_by=actor.email,
        custom_items=[
            {
                "id": f"custom_{n}",
                "dimension": q.dimension or None,
                "text": {
                    lang: text.strip()
                    for lang, text in (("en", q.text_en), ("fr", q.text_fr))
                    if text.strip()
                },
            }
            for n, q in enumerate(custom, start=1)
        ],
    )
    session.add(pulse)
    session.flush()
    assert pulse.id is not None
    for market_id in dict.fromkeys(draft.market_ids or []):
        if session.get(Market, market_id) is None:
            raise InvalidInput(_("That internal market no longer exists."))
        session.add(PulseTarget(pulse_id=pulse.id, market_id=market_id))
    after = audit.fields_of(
        pulse, "names", "cadence", "open_days", "start_date", "item_ids", "custom_items"
    )
    after["markets"] = audit.market_names(session, draft.market_ids or [])
    audit.record(session, actor=actor, action="pulse.create", target=name, after=after)
    session.flush()
    return pulse.id


def rename_pulse(*, session: Session, actor: Actor, pulse_id: int, names: dict[str, str]) -> int:
    """Change a pulse's names in English and French (HR), e.g. to add a missing translation."""
    require_role(actor, Role.HR)
    pulse = session.get(Pulse, pulse_id)
    if pulse is None:
        raise NotFound(_("That pulse survey no longer exists."))
    names = _checked_names(session, names, pulse_id)
    before = audit.fields_of(pulse, "name", "names")
    pulse.name, pulse.names = canonical_name(names), names
    session.add(pulse)
    after = audit.fields_of(pulse, "name", "names")
    audit.record(
        session, actor=actor, action="pulse.rename", target=pulse.name, before=before, after=after
    )
    session.flush()
    return pulse_id


@dataclass(frozen=True)
class OpenWave:
    wave_id: int
    pulse_name: str
    number: int
    closes_on: date
    answered: bool
    items: list[Item]
    allow_comment: bool


def my_waves(*, session: Session, actor: Actor, today: date | None = None) -> list[OpenWave]:
    """The waves open today to which the actor was invited, answered or not."""
    today = today or date.today()
    if actor.employee_id is None:
        return []
    bank = default_bank()
    rows = session.exec(
        select(Wave, Pulse)
        .join(Pulse, col(Pulse.id) == Wave.pulse_id)
        .join(WaveInvite, col(WaveInvite.wave_id) == Wave.id)
        .where(
            WaveInvite.employee_id == actor.employee_id,
            col(Wave.opens_on) <= today,
            col(Wave.closes_on) >= today,
        )
        .order_by(col(Wave.closes_on))
    ).all()
    employee_id = actor.employee_id
    answered = {
        wave.id
        for wave, _pulse in rows
        if session.get(
            Participation, (wave.id, participant_token(wave_scope(wave.id or 0), employee_id))
        )
    }
    return [
        OpenWave(
            wave_id=int(wave.id or 0),
            pulse_name=display_name(pulse.name, pulse.names),
            number=wave.number,
            closes_on=wave.closes_on,
            answered=wave.id in answered,
            items=items_of(pulse, bank),
            allow_comment=pulse.allow_comment,
        )
        for wave, pulse in rows
    ]


REPORTS = Employee.__table__.alias("reports")  # type: ignore[attr-defined]
# what a response or check-in keeps of the person: their department and segment attributes
SNAPSHOT_COLUMNS = (
    col(Employee.department_id),
    col(Employee.location),
    col(Employee.job_family),
    col(Employee.level),
    col(Employee.hire_date),
    col(Employee.customer_facing),
    col(Employee.extra),
    exists()
    .where(REPORTS.c.manager_id == Employee.id, REPORTS.c.active.is_(True))
    .label("people_manager"),
)


def snapshot_of(row: Any, today: date) -> dict[str, Any]:
    """A snapshot from a row of SNAPSHOT_COLUMNS."""
    department_id, location, job_family, level, hire_date, customer_facing, extra, manages = row
    return {
        "department_id": department_id,
        "location": location,
        "job_family": job_family,
        "level": level,
        "tenure_band": tenure_band(hire_date, today),
        "customer_facing": customer_facing,
        "people_manager": bool(manages),
        "extra": dict(extra or {}),
    }


def _snapshot(session: Session, employee_id: int, today: date) -> dict[str, Any] | None:
    """A person's snapshot for an answer (None when they are not in the directory)."""
    row = session.connection().execute(_SNAPSHOT, {"employee_id": employee_id}).first()
    return None if row is None else snapshot_of(row, today)


# Answering reads the wave, its questions, the invitation and the person's snapshot at once
# (engagement/services/pulse_answers.py writes the answer).
_ANSWERING = (
    sa_select(
        col(Wave.opens_on),
        col(Wave.closes_on),
        col(Pulse.item_ids),
        col(Pulse.custom_items),
        col(Pulse.allow_comment),
        col(WaveInvite.employee_id),
        col(WaveRollup.wave_id),
        *SNAPSHOT_COLUMNS,
    )
    .join(Pulse, col(Pulse.id) == Wave.pulse_id)
    # a wave whose roll-up is stored is final (engagement/measures/rollups.py)
    .outerjoin(WaveRollup, col(WaveRollup.wave_id) == Wave.id)
    .outerjoin(
        WaveInvite,
        (col(WaveInvite.wave_id) == Wave.id)
        & (col(WaveInvite.employee_id) == bindparam("employee_id")),
    )
    .outerjoin(Employee, col(Employee.id) == WaveInvite.employee_id)
    .where(col(Wave.id) == bindparam("wave_id"))
)
_SNAPSHOT = sa_select(*SNAPSHOT_COLUMNS).where(col(Employee.id) == bindparam("employee_id"))


def _check_value(item: Item, value: object) -> tuple[int | None, str | None]:
    if item.type is ItemType.LIKERT5:
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise InvalidInput(_("Answers on the scale go from 1 to 5."))
        return value, None
    if item.type is ItemType.CHOICE:
        if value not in {o.id for o in item.options}:
            raise InvalidInput(_("That choice is not one of the options."))
        return None, str(value)
    raise InvalidInput(_("Text answers go in the comment."))


def submit_response(
    *,
    session: Session,
    actor: Actor,
    wave_id: int,
    answers: dict[str, object],
    comment: str | None = None,
    today: date | None = None,
) -> bool:
    """Record one person's answers to a wave: every item skippable, one response per person."""
    today = today or date.today()
    connection = session.connection()
    row = connection.execute(
        _ANSWERING, {"wave_id": wave_id, "employee_id": actor.employee_id or 0}
    ).first()
    if row is None:
        raise NotFound(_("That pulse wave does not exist."))
    opens_on, closes_on, item_ids, custom_items, allow_comment, invited, final = row[:7]
    if not opens_on <= today <= closes_on or final is not None:
        raise InvalidInput(_("This pulse wave is closed: answers are no longer taken."))
    if actor.employee_id is None or invited is None:
        raise NotAllowed(_("This pulse wave was not sent to you."))
    person = row[7:]
    asked = {item.id: item for item in _items(item_ids, custom_items, default_bank())}
    checked = {}
    for item_id, value in answers.items():
        if value is None:
            continue  # skipped
        if item_id not in asked:
            raise InvalidInput(_("That question is not part of this pulse."))
        checked[item_id] = _check_value(asked[item_id], value)
    text = clean_text(comment, field=_("Your comment"), multiline=True, limit=COMMENT_MAX) or None
    if text and not allow_comment:
        raise InvalidInput(_("This pulse does not take comments."))
    if text and len(text) > COMMENT_MAX:
        raise InvalidInput(_("Keep your comment under {n} characters.").format(n=COMMENT_MAX))
    token = participant_token(wave_scope(wave_id), actor.employee_id)
    response = {
        "id": random_id(),
        "wave_id": wave_id,
        "answered_on": today,
        "comment": text,
        **snapshot_of(person, today),
    }
    if not write_response(
        session, token={"wave_id": wave_id, "token": token}, response=response, answers=checked
    ):
        raise InvalidInput(_("You have already answered this wave. Thank you!"))
    return True


def checkin_due(*, session: Session, actor: Actor, today: date | None = None) -> bool:
    """Whether the morning check-in should be offered (first visit of the day)."""
    today = today or date.today()
    if actor.employee_id is None:
        return False
    token = participant_token(checkin_scope(today), actor.employee_id)
    return session.get(CheckinDay, (today, token)) is None


def submit_checkin(
    *, session: Session, actor: Actor, choice: str | None, today: date | None = None
) -> bool:
    """Record today's check-in answer (None: dismissed). False if already done today."""
    today = today or date.today()
    if actor.employee_id is None:
        raise NotAllowed(_("Only people in the directory check in."))
    if choice is not None:
        item = default_bank().item("first_thought")
        _check_value(item, choice)
    token = participant_token(checkin_scope(today), actor.employee_id)
    content = None
    if choice is not None:
        snapshot = _snapshot(session, actor.employee_id, today)
        if snapshot is None:
            raise NotAllowed(_("Only people in the directory check in."))
        content = {"day": today.isoformat(), "choice": choice, "snapshot": snapshot}
    return write_checkin(session, day=today, token=token, content=content)


def previous_wave_id(*, session: Session, actor: Actor, wave_id: int) -> int | None:
    """The wave before this one in the same pulse, if any."""
    wave = session.get(Wave, wave_id)
    if wave is None:
        return None
    before = session.exec(
        select(Wave.id).where(Wave.pulse_id == wave.pulse_id, Wave.number == wave.number - 1)
    ).first()
    return int(before) if before is not None else None


@dataclass(frozen=True)
class PulseSummary:
    id: int
    name: str  # canonical (unique); people read `label`
    names: dict[str, str]  # the name per language
    cadence: str
    targets: list[str]  # the internal markets' names in the reader's language
    questions: int
    waves: int
    current: tuple[int, date, date] | None  # number, opens, closes of the wave open today
    next_opening: date | None
    invited: int
    answered: int | None  # None when fewer than k answered (not shown)

    @property
    def label(self) -> str:
        """The pulse's name in the current language (else the other one)."""
        return display_name(self.name, self.names)


def list_pulses(
    *, session: Session, actor: Actor, k: int, today: date | None = None
) -> list[PulseSummary]:
    """Every pulse with its waves so far and how the open wave is going (HR)."""
    require_role(actor, Role.HR)
    today = today or date.today()
    out = []
    for pulse in session.exec(select(Pulse)).all():
        assert pulse.id is not None
        targets = sorted(
            display_name(market.name, market.names)
            for market in session.exec(
                select(Market)
                .join(PulseTarget, col(PulseTarget.market_id) == Market.id)
                .where(PulseTarget.pulse_id == pulse.id)
            ).all()
        )
        waves = session.exec(
            select(Wave).where(Wave.pulse_id == pulse.id).order_by(col(Wave.number).desc())
        ).all()
        open_now = next((w for w in waves if w.opens_on <= today <= w.closes_on), None)
        answered = None
        if open_now is not None:
            n = session.exec(
                select(func.count())
                .select_from(Participation)
                .where(Participation.wave_id == open_now.id)
            ).one()
            answered = int(n) if n >= k else None
        number = (waves[0].number if waves else 0) + 1
        upcoming = wave_opening(pulse, number)
        while upcoming <= today and pulse.cadence != Cadence.ONCE.value:
            number += 1
            upcoming = wave_opening(pulse, number)
        out.append(
            PulseSummary(
                id=pulse.id,
                name=pulse.name,
                names=dict(pulse.names),
                cadence=pulse.cadence,
                targets=targets,
                questions=len(items_of(pulse)),
                waves=len(waves),
                current=(open_now.number, open_now.opens_on, open_now.closes_on)
                if open_now
                else None,
                next_opening=None
                if pulse.cadence == Cadence.ONCE.value and waves
                else (upcoming if upcoming > today else None),
                invited=open_now.invited if open_now else 0,
                answered=answered,
            )
        )
    return sorted(out, key=lambda p: (sort_key(p.label), p.id))


@dataclass(frozen=True)
class MissingTranslation:
    where: str  # the pulse's name (in the reader's language), or "" for the question bank
    question: str
    language: str


def missing_translations(*, session: Session, actor: Actor) -> list[MissingTranslation]:
    """Questions that someone would see in the other language, for HR to complete."""
    require_role(actor, Role.HR)
    bank = default_bank()
    out = [
        MissingTranslation("", bank.items[item_id].wording()[0], language)
        for item_id, language in bank.missing_translations()
    ]
    for pulse in session.exec(select(Pulse).where(col(Pulse.active).is_(True))).all():
        for raw in pulse.custom_items:
            item = custom_item(raw)
            for language in LANGUAGES:
                if not item.text.get(language):
                    out.append(
                        MissingTranslation(
                            display_name(pulse.name, pulse.names), item.wording()[0], language
                        )
                    )
    return out
