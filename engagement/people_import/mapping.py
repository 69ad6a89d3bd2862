"""Which column of an HR export holds which employee field: recognised headers, explicit choices."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from engagement.errors import ImportProblem
from engagement.i18n import N_, _

EXTRA, IGNORE = "extra", "ignore"

# field -> its label (translated when shown)
FIELDS: dict[str, str] = {
    "external_id": N_("HR id"),
    "email": N_("Email"),
    "name": N_("Name"),
    "first_name": N_("First name"),
    "last_name": N_("Last name"),
    "department": N_("Department or path"),
    "division": N_("Division"),
    "team": N_("Team"),
    "job_family": N_("Job family"),
    "level": N_("Level"),
    "location": N_("Location"),
    "hire_date": N_("Hire date"),
    "years_at_company": N_("Years at the company"),
    "manager": N_("Manager"),
    "customer_facing": N_("Customer-facing"),
    "active": N_("Active"),
}
CHOICES: tuple[str, ...] = (*FIELDS, EXTRA, IGNORE)

# Header spellings recognised, compared after `normalize` (case, accents, spaces, punctuation).
_ALIASES: dict[str, tuple[str, ...]] = {
    "external_id": (
        "employeenumber", "employeeid", "employeeno", "employeecode", "empid", "empno", "id",
        "externalid", "hrid", "staffid", "staffnumber", "personnelnumber", "workerid",
        "matricule", "numeroemploye", "numerodemploye",
    ),
    "email": (
        "email", "emailaddress", "workemail", "workemailaddress", "businessemail", "mail",
        "courriel", "adressecourriel", "courrielprofessionnel",
    ),
    "name": ("name", "fullname", "employeename", "displayname", "nom", "nomcomplet"),
    "first_name": ("firstname", "givenname", "forename", "prenom"),
    "last_name": ("lastname", "surname", "familyname", "nomdefamille"),
    "department": ("department", "dept", "departmentname", "service", "departement"),
    "division": ("division", "businessunit"),
    "team": ("team", "teamname", "equipe"),
    "job_family": (
        "jobrole", "jobtitle", "jobfamily", "title", "poste", "position", "fonction",
    ),
    "level": ("joblevel", "level", "grade", "niveau"),
    "location": ("location", "office", "site", "city", "lieu", "ville", "worklocation", "bureau"),
    "hire_date": (
        "hiredate", "startdate", "dateofhire", "datedembauche", "dateembauche",
        "originalhiredate", "dateofjoining", "joindate",
    ),
    "years_at_company": ("yearsatcompany", "yearsofservice", "tenureyears"),
    "manager": (
        "managerid", "manageremployeenumber", "manageremployeeid", "manageremail", "manager",
        "managerexternalid", "supervisor", "supervisorid", "supervisoremail", "reportsto",
        "gestionnaire",
    ),
    "customer_facing": ("customerfacing", "clientfacing"),
    "active": ("active", "isactive", "status", "employmentstatus", "actif", "statut"),
}  # fmt: skip
_BY_ALIAS = {alias: field for field, aliases in _ALIASES.items() for alias in aliases}


def normalize(text: str) -> str:
    """A header or field name reduced to lower-case letters and digits, without accents."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.casefold() if ch.isalnum())


def field_label(field: str) -> str:
    """A mapping choice in the current language."""
    if field == EXTRA:
        return _("Keep as extra attribute")
    if field == IGNORE:
        return _("Ignore")
    return _(FIELDS[field])


@dataclass(frozen=True)
class ColumnMap:
    """Every column and what it becomes: a field, an extra attribute, or nothing."""

    fields: dict[str, str]  # column -> field, EXTRA or IGNORE, in header order
    notes: list[str]

    @cached_property
    def _columns(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for column, field in self.fields.items():
            out.setdefault(field, column)
        return out

    def column_of(self, field: str) -> str | None:
        """The column mapped to a field, if any."""
        return self._columns.get(field)

    def has(self, field: str) -> bool:
        return self.column_of(field) is not None


def _slot(field: str) -> str:
    # a hire date and a tenure are two ways of giving the same thing: only one may be used
    return "hire_date" if field == "years_at_company" else field


def _notes(fields: dict[str, str]) -> list[str]:
    """Columns that look like a field another column already gives (they stay extra)."""
    notes = []
    for column, field in fields.items():
        looks_like = _BY_ALIAS.get(normalize(column))
        if field != EXTRA or looks_like is None:
            continue
        given_by = next(
            (
                c
                for c, f in fields.items()
                if f not in (EXTRA, IGNORE) and _slot(f) == _slot(looks_like)
            ),
            None,
        )
        if given_by is not None:
            notes.append(
                _(
                    "“{column}” is kept as an extra attribute: “{other}” already gives {field}."
                ).format(column=column, other=given_by, field=field_label(fields[given_by]))
            )
    return notes


def detect(headers: list[str]) -> ColumnMap:
    """Recognise common header names; the first column for a field wins, the rest stay extra."""
    fields: dict[str, str] = {}
    taken: dict[str, str] = {}
    # a hire-date column wins over a tenure column wherever it stands
    ordered = sorted(headers, key=lambda h: _BY_ALIAS.get(normalize(h)) != "hire_date")
    for column in ordered:
        field = _BY_ALIAS.get(normalize(column), EXTRA)
        if field != EXTRA and _slot(field) in taken:
            field = EXTRA
        if field != EXTRA:
            taken[_slot(field)] = column
        fields[column] = field
    # "Prénom" + "Nom": the bare "Nom" is then the family name
    name_column = taken.get("name", "")
    if "first_name" in taken and "last_name" not in taken and normalize(name_column) == "nom":
        fields[name_column] = "last_name"
    fields = {h: fields[h] for h in headers}
    return ColumnMap(fields, _notes(fields))


def _find_column(headers: list[str], wanted: str) -> str | None:
    exact = next((h for h in headers if h == wanted), None)
    if exact is not None:
        return exact
    return next((h for h in headers if h.strip().casefold() == wanted.strip().casefold()), None)


def _find_field(wanted: str) -> str | None:
    key = normalize(wanted)
    return next((c for c in CHOICES if normalize(c) == key), None)


def resolve(
    headers: list[str], explicit: Mapping[str, str] | None
) -> tuple[ColumnMap, list[ImportProblem]]:
    """Detection overridden by explicit {column: field} choices, and the problems they have.

    A column given a field takes it from the column detection had given it to (which is
    then kept as an extra attribute).
    """
    detected = detect(headers)
    if not explicit:
        return detected, []
    problems: list[ImportProblem] = []
    chosen: dict[str, str] = {}
    for wanted_column, wanted_field in explicit.items():
        column = _find_column(headers, wanted_column)
        field = _find_field(wanted_field)
        if column is None:
            problems.append(
                ImportProblem(
                    1,
                    wanted_column,
                    _("The file has no column “{column}”. Its columns are: {columns}.").format(
                        column=wanted_column, columns=", ".join(headers)
                    ),
                )
            )
        if field is None:
            problems.append(
                ImportProblem(
                    1,
                    column or wanted_column,
                    _("“{field}” is not a field. Choose one of: {choices}.").format(
                        field=wanted_field, choices=", ".join(CHOICES)
                    ),
                )
            )
        if column is not None and field is not None:
            chosen[column] = field
    problems.extend(_doubles(chosen))
    fields = dict(detected.fields)
    for column, field in chosen.items():
        if field not in (EXTRA, IGNORE):
            for other, current in fields.items():
                if _slot(current) == _slot(field) and other not in chosen:
                    fields[other] = EXTRA
        fields[column] = field
    return ColumnMap(fields, _notes(fields)), problems


def _doubles(chosen: dict[str, str]) -> list[ImportProblem]:
    """Two columns chosen for the same field."""
    problems = []
    first: dict[str, str] = {}
    for column, field in chosen.items():
        if field in (EXTRA, IGNORE):
            continue
        if _slot(field) in first:
            problems.append(
                ImportProblem(
                    1,
                    column,
                    _(
                        "“{column}” and “{other}” are both mapped to {field}: map only one "
                        "of them to it."
                    ).format(column=column, other=first[_slot(field)], field=field),
                )
            )
        else:
            first[_slot(field)] = column
    return problems
