"""Internal markets: evaluating rules in SQL, previewing, saving, profiling, snapshotting."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    Table,
    and_,
    cast,
    false,
    func,
    insert,
    or_,
    text,
    true,
)
from sqlmodel import Session, col, select

from engagement import org_tree
from engagement.authz import Actor, Role, require_role
from engagement.errors import InvalidInput, NotFound
from engagement.i18n import _, display_name, localized
from engagement.markets import Criteria, MarketRules, hire_date_window
from engagement.models import Employee, Market, MarketSnapshot, MarketSnapshotMember, Pulse
from engagement.models.org import utcnow
from engagement.names import (
    NAME_MAX,
    all_names,
    canonical_name,
    clean_names,
    clean_texts,
    refuse_clash,
    sort_key,
)
from engagement.services import audit
from engagement.services.directory import load_nodes

DESCRIPTION_MAX = 500
EMPLOYEE_TABLE: Table = Employee.__table__  # type: ignore[attr-defined]
EXTRA_VALUES_MAX = 50  # attributes with more distinct values are not offered as choices
AUDITED = ("name", "names", "descriptions", "rules")  # a market's fields the audit log keeps


@dataclass(frozen=True)
class Subject:
    """What market rules are evaluated on: employees now, or the snapshots kept with answers.

    Both have the same attribute columns; they differ in how tenure and “manages people” are
    known (from the hire date and the reporting line, or from the snapshot's own columns).
    """

    table: Table
    tenure: Callable[[list[str], date], ColumnElement[bool]]
    people_manager: Callable[[bool], ColumnElement[bool]]
    base: Callable[[], ColumnElement[bool]]


def _employee_tenure(codes: list[str], today: date) -> ColumnElement[bool]:
    bands = []
    for code in codes:
        earliest, latest = hire_date_window(code, today)
        band = col(Employee.hire_date) <= latest
        if earliest is not None:
            band = and_(band, col(Employee.hire_date) > earliest)
        bands.append(band)
    return or_(*bands)


def _employee_manages(yes: bool) -> ColumnElement[bool]:
    managers = (
        select(Employee.manager_id)
        .where(col(Employee.manager_id).is_not(None), col(Employee.active).is_(True))
        .scalar_subquery()
    )
    is_manager = col(Employee.id).in_(managers)
    return is_manager if yes else ~is_manager


EMPLOYEES = Subject(
    table=EMPLOYEE_TABLE,
    tenure=_employee_tenure,
    people_manager=_employee_manages,
    base=lambda: col(Employee.active).is_(True),
)


def snapshot_subject(table: Table) -> Subject:
    """Rules over the attribute snapshots stored with answers (responses, check-ins)."""
    return Subject(
        table=table,
        tenure=lambda codes, _today: table.c.tenure_band.in_(codes),
        people_manager=lambda yes: table.c.people_manager.is_(yes),
        base=lambda: true(),
    )


def _field_conditions(
    session: Session, criteria: Criteria, today: date, subject: Subject
) -> list[ColumnElement[bool]]:
    """One condition per field that is set; within a field, any listed value matches."""
    c = subject.table.c
    conditions: list[ColumnElement[bool]] = []
    if criteria.department_ids:
        nodes = load_nodes(session)
        ids: set[int] = set()
        for dept_id in criteria.department_ids:
            ids |= org_tree.subtree_ids(nodes, dept_id)
        conditions.append(c.department_id.in_(sorted(ids)))
    if criteria.locations:
        conditions.append(c.location.in_(criteria.locations))
    if criteria.job_families:
        conditions.append(c.job_family.in_(criteria.job_families))
    if criteria.level_min is not None:
        conditions.append(c.level >= criteria.level_min)
    if criteria.level_max is not None:
        conditions.append(c.level <= criteria.level_max)
    if criteria.tenure_bands:
        conditions.append(subject.tenure(criteria.tenure_bands, today))
    if criteria.customer_facing is not None:
        conditions.append(c.customer_facing.is_(criteria.customer_facing))
    if criteria.people_managers is not None:
        conditions.append(subject.people_manager(criteria.people_managers))
    for key, values in sorted(criteria.extra.items()):
        if values:
            conditions.append(cast(c.extra[key].as_string(), String).in_(values))
    return conditions


def member_condition(
    session: Session,
    rules: MarketRules,
    today: date | None = None,
    subject: Subject = EMPLOYEES,
) -> ColumnElement[bool]:
    """The SQL condition that selects a market's members (employees, or answer snapshots)."""
    today = today or date.today()
    include = _field_conditions(session, rules.include, today, subject)
    exclude = _field_conditions(session, rules.exclude, today, subject)
    condition = and_(subject.base(), *include)
    if exclude:
        # a NULL attribute never matches an exclusion: coalesce keeps such people in
        condition = and_(condition, ~func.coalesce(or_(*exclude), false()))
    return condition


def count_members(session: Session, rules: MarketRules, today: date | None = None) -> int:
    stmt = select(func.count()).select_from(Employee).where(member_condition(session, rules, today))
    return int(session.exec(stmt).one())


def member_ids(session: Session, rules: MarketRules, today: date | None = None) -> list[int]:
    """The members' ids (for snapshots and tests; pages never list people)."""
    stmt = (
        select(Employee.id)
        .where(member_condition(session, rules, today))
        .order_by(col(Employee.id))
    )
    return [int(i) for i in session.exec(stmt).all() if i is not None]


@dataclass(frozen=True)
class Composition:
    label: str
    people: int


@dataclass(frozen=True)
class MarketPreview:
    size: int
    min_group_size: int
    by_division: list[Composition]
    by_location: list[Composition]
    by_job_family: list[Composition]

    @property
    def below_threshold(self) -> bool:
        """Results for a market this small will be hidden (it can still be targeted)."""
        return self.size < self.min_group_size


def _division_of(session: Session) -> dict[int, str]:
    nodes = load_nodes(session)
    by_id = {n.id: n for n in nodes}
    out = {}
    for node in nodes:
        path = org_tree.path_of(by_id, node.id)
        out[node.id] = path[1] if len(path) > 1 else path[0]
    return out


def _ranked(counter: Counter[str]) -> list[Composition]:
    return [
        Composition(label, n) for label, n in sorted(counter.items(), key=lambda x: (-x[1], x[0]))
    ]


def preview_market(
    *,
    session: Session,
    actor: Actor,
    rules: MarketRules,
    min_group_size: int,
    today: date | None = None,
) -> MarketPreview:
    """Live size and composition (by division, location, job family) of a set of rules."""
    require_role(actor, Role.HR, Role.LEADER)
    rules.validate()
    where = member_condition(session, rules, today)
    division = _division_of(session)
    by_dept = session.exec(
        select(Employee.department_id, func.count())
        .where(where)
        .group_by(col(Employee.department_id))
    ).all()
    divisions: Counter[str] = Counter()
    for dept_id, n in by_dept:
        divisions[division.get(dept_id, "?")] += int(n)
    unknown = _("Not recorded")

    def grouped(column: Any) -> Counter[str]:
        rows = session.exec(select(column, func.count()).where(where).group_by(column)).all()
        return Counter({(label or unknown): int(n) for label, n in rows})

    return MarketPreview(
        size=sum(divisions.values()),
        min_group_size=min_group_size,
        by_division=_ranked(divisions),
        by_location=_ranked(grouped(col(Employee.location))),
        by_job_family=_ranked(grouped(col(Employee.job_family))),
    )


@dataclass(frozen=True)
class MarketSummary:
    id: int
    name: str  # canonical (unique); people read `label`
    names: dict[str, str]  # the name per language
    descriptions: dict[str, str]  # the description per language; people read `description`
    size: int
    rules: MarketRules

    @property
    def label(self) -> str:
        """The market's name in the current language (else the other one)."""
        return display_name(self.name, self.names)

    @property
    def description(self) -> str:
        """The description in the current language, else the other one ("" when none)."""
        return localized(self.descriptions)[0]

    @property
    def description_fell_back(self) -> bool:
        """Whether `description` is in another language than the reader's."""
        text, fell_back = localized(self.descriptions)
        return bool(text) and fell_back


def _summary(session: Session, market: Market, today: date | None = None) -> MarketSummary:
    rules = MarketRules.from_json(market.rules)
    assert market.id is not None
    return MarketSummary(
        id=market.id,
        name=market.name,
        names=dict(market.names),
        descriptions=dict(market.descriptions),
        size=count_members(session, rules, today),
        rules=rules,
    )


def list_markets(
    *, session: Session, actor: Actor, today: date | None = None
) -> list[MarketSummary]:
    """Every market with its live size, by name in the reader's language."""
    require_role(actor, Role.HR, Role.LEADER)
    out = [_summary(session, m, today) for m in session.exec(select(Market)).all()]
    return sorted(out, key=lambda m: (sort_key(m.label), m.id))


def get_market(*, session: Session, actor: Actor, market_id: int) -> MarketSummary:
    """One market with its live size, or NotFound."""
    require_role(actor, Role.HR, Role.LEADER)
    market = session.get(Market, market_id)
    if market is None:
        raise NotFound(_("That internal market no longer exists."))
    return _summary(session, market)


def _check_names(session: Session, names: dict[str, str], market_id: int | None) -> None:
    """Refuse names no one could tell apart from another market's, in any language."""
    others = session.exec(
        select(Market.name, Market.names).where(col(Market.id) != (market_id or 0))
    ).all()
    taken = {
        "en": _(
            "The English name “{name}” is already used by the internal market “{other}”. "
            "Choose another English name."
        ),
        "fr": _(
            "The French name “{name}” is already used by the internal market “{other}”. "
            "Choose another French name."
        ),
    }
    refuse_clash(names, others, taken)


def _check_lengths(names: dict[str, str], descriptions: dict[str, str]) -> None:
    if any(len(n) > NAME_MAX for n in names.values()):
        raise InvalidInput(_("Keep each name under {name} characters.").format(name=NAME_MAX))
    for lang, written in descriptions.items():
        if len(written) > DESCRIPTION_MAX:
            message = (
                _("Keep the English description under {limit} characters (it has {length}).")
                if lang == "en"
                else _("Keep the French description under {limit} characters (it has {length}).")
            )
            raise InvalidInput(message.format(limit=DESCRIPTION_MAX, length=len(written)))


def save_market(
    *,
    session: Session,
    actor: Actor,
    rules: MarketRules,
    names: dict[str, str] | None = None,
    name: str = "",
    descriptions: dict[str, str] | None = None,
    description: str = "",
    market_id: int | None = None,
) -> int:
    """Create a market, or change an existing one's names, descriptions and rules (HR only).

    `names` is the name per language ({"en": …, "fr": …}, at least one); `name` alone is short
    for a name in English only. `descriptions` likewise, optional; `description` alone is short
    for a description in English only.
    """
    require_role(actor, Role.HR)
    names = clean_names({"en": name} if names is None else names)
    descriptions = clean_texts({"en": description} if descriptions is None else descriptions)
    if not names:
        raise InvalidInput(_("Give the market a name in English or in French."))
    _check_lengths(names, descriptions)
    rules.validate()
    _check_names(session, names, market_id)
    name = canonical_name(names)
    before = None
    if market_id is None:
        market = Market(
            name=name,
            names=names,
            description=canonical_name(descriptions),
            descriptions=descriptions,
            rules=rules.to_json(),
            created_by=actor.email,
        )
    else:
        found = session.get(Market, market_id)
        if found is None:
            raise NotFound(_("That internal market no longer exists."))
        market = found
        before = audit.fields_of(market, *AUDITED)
        market.name, market.names = name, names
        market.descriptions, market.rules = descriptions, rules.to_json()
        market.description = canonical_name(descriptions)
        market.updated_at = utcnow()
    session.add(market)
    after = audit.fields_of(market, *AUDITED)
    audit.record(
        session, actor=actor, action="market.save", target=name, before=before, after=after
    )
    session.flush()
    assert market.id is not None
    return market.id


def market_named(session: Session, name: str) -> Market | None:
    """The market that answers to a name in any language, ignoring case (the command line)."""
    wanted = name.strip().casefold()
    return next(
        (m for m in session.exec(select(Market)).all() if wanted in all_names(m.name, m.names)),
        None,
    )


def snapshot_market(*, session: Session, actor: Actor, market_id: int, reason: str) -> int:
    """Record who is in a market now (at a launch); later reports know who was targeted."""
    require_role(actor, Role.HR, Role.LEADER)
    return take_snapshot(session, market_id, reason)


def take_snapshot(session: Session, market_id: int, reason: str, today: date | None = None) -> int:
    """The snapshot itself, for launches made by the system (a pulse wave opening)."""
    market = session.get(Market, market_id)
    if market is None:
        raise NotFound(_("That internal market no longer exists."))
    rules = MarketRules.from_json(market.rules)
    snapshot = MarketSnapshot(market_id=market_id, reason=reason[:200])
    session.add(snapshot)
    session.flush()
    members = select(snapshot.id, Employee.id).where(member_condition(session, rules, today))
    session.execute(
        insert(MarketSnapshotMember).from_select(["snapshot_id", "employee_id"], members)
    )
    snapshot.members = int(
        session.exec(
            select(func.count())
            .select_from(MarketSnapshotMember)
            .where(MarketSnapshotMember.snapshot_id == snapshot.id)
        ).one()
    )
    session.add(snapshot)
    session.flush()
    assert snapshot.id is not None
    return snapshot.id


@dataclass(frozen=True)
class SnapshotRow:
    taken_at: date
    reason: str
    members: int


# a pulse wave's launch is recorded as "<pulse's canonical name> #<wave number>"
WAVE_LAUNCH = re.compile(r"^(?P<pulse>.+) #(?P<number>\d+)$")


def wave_launch_reason(pulse_name: str, number: int) -> str:
    """What a market's snapshot records when a pulse wave opens to it."""
    return f"{pulse_name} #{number}"


def market_snapshots(*, session: Session, actor: Actor, market_id: int) -> list[SnapshotRow]:
    """The launches to a market, newest first; pulse waves named in the reader's language."""
    require_role(actor, Role.HR, Role.LEADER)
    rows = session.exec(
        select(MarketSnapshot)
        .where(MarketSnapshot.market_id == market_id)
        .order_by(col(MarketSnapshot.taken_at).desc())
    ).all()
    # recorded under the canonical name of the day: recognise every name a pulse has
    pulses = {
        recorded: display_name(p.name, p.names)
        for p in session.exec(select(Pulse)).all()
        for recorded in {p.name, *p.names.values()}
    }

    def shown(reason: str) -> str:
        wave = WAVE_LAUNCH.match(reason)
        if wave is None or wave["pulse"] not in pulses:
            return reason  # a campaign's title, or a pulse renamed since: as recorded
        return wave_launch_reason(pulses[wave["pulse"]], int(wave["number"]))

    return [SnapshotRow(r.taken_at.date(), shown(r.reason), r.members) for r in rows]


@dataclass(frozen=True)
class RuleChoices:
    """What the builder offers: departments in tree order, and the values found in the data."""

    departments: list[tuple[int, str, int]]  # id, name, depth
    locations: list[str]
    job_families: list[str]
    levels: list[int]
    extra: dict[str, list[str]]


def rule_choices(*, session: Session, actor: Actor) -> RuleChoices:
    """The choices for the market builder, read from the directory."""
    require_role(actor, Role.HR, Role.LEADER)
    nodes = load_nodes(session)
    active = col(Employee.active).is_(True)

    def distinct(column: Any) -> list[object]:
        return [
            v
            for v in session.exec(
                select(column).where(active, column.is_not(None)).distinct()
            ).all()
        ]

    return RuleChoices(
        departments=[(n.id, n.name, d) for n, d in org_tree.tree_order(nodes)],
        locations=sorted(str(v) for v in distinct(col(Employee.location))),
        job_families=sorted(str(v) for v in distinct(col(Employee.job_family))),
        levels=sorted(int(str(v)) for v in distinct(col(Employee.level))),
        extra=_extra_choices(session),
    )


def _extra_choices(session: Session) -> dict[str, list[str]]:
    """Extra attributes and their values, for those with few distinct values."""
    dialect = session.get_bind().dialect.name
    each = "json_each_text" if dialect == "postgresql" else "json_each"
    sql = text(
        f"SELECT DISTINCT e.key, e.value FROM employee, {each}(employee.extra) AS e "
        "WHERE employee.active = :yes"
    )
    values: dict[str, set[str]] = {}
    for key, value in session.execute(sql, {"yes": True}).all():
        values.setdefault(str(key), set()).add(str(value))
    return {k: sorted(v) for k, v in sorted(values.items()) if len(v) <= EXTRA_VALUES_MAX}
