"""Shared renderers: tables and charts built here, never in pages."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd
import streamlit as st

from engagement.authz import Role, role_label
from engagement.i18n import LANGUAGES, N_, _, format_date, format_number, language_names, ngettext
from engagement.names import NAME_MAX
from engagement.safe_text import plain_label
from engagement.services.directory import (
    EmployeeFilter,
    EmployeeRow,
    FilterOptions,
    OrgRow,
    Profile,
)
from engagement.services.roles import GrantRow

INDENT = "\u2003"  # an em space: leading spaces would be trimmed in table cells
_KIND_LABELS = {
    "company": N_("Company"),
    "division": N_("Division"),
    "department": N_("Department"),
    "team": N_("Team"),
}


_ROLE_BLURBS = {
    Role.EMPLOYEE: N_("Reads campaigns, learns, answers pulses and the morning check-in."),
    Role.MANAGER: N_("Sees the departments they manage and coaches where change is stuck."),
    Role.HR: N_("Defines internal markets, builds campaigns, modules and pulses."),
    Role.LEADER: N_("Publishes the direction and reads company-wide results."),
    Role.ADMIN: N_("Imports the org, assigns roles and sets privacy thresholds."),
}


def language_inputs(
    key: str, current: dict[str, str], *, label: str, max_chars: int, area: bool = False
) -> dict[str, str]:
    """A text in each language, one tab per language, as typed (the service checks it).

    `label` is translated and holds `{language}`; `area` asks for several lines."""
    names = language_names()
    out = {}
    for lang, tab in zip(LANGUAGES, st.tabs([names[lang] for lang in LANGUAGES]), strict=True):
        shown, value = label.format(language=names[lang]), current.get(lang, "")
        with tab:
            if area:
                out[lang] = st.text_area(shown, value, max_chars=max_chars, key=f"{key}.{lang}")
            else:
                out[lang] = st.text_input(shown, value, max_chars=max_chars, key=f"{key}.{lang}")
    return out


def name_inputs(key: str, current: dict[str, str]) -> dict[str, str]:
    """A name in each language, one tab per language, as typed (the service checks it)."""
    out = language_inputs(key, current, label=_("Name ({language})"), max_chars=NAME_MAX)
    st.caption(
        _(
            "Give the name in English, in French or both. People read it in their language; "
            "where it is missing, they see the other one."
        )
    )
    return out


def role_blurb(role: Role) -> str:
    """What a role does in Virage, in one line."""
    return _(_ROLE_BLURBS[role])


def profile_markdown(profile: Profile) -> str:
    """The person's directory entry as a short Markdown list (missing fields say so)."""
    missing = _("not recorded")
    path = " › ".join(map(plain_label, profile.department_path))
    lines = [
        (_("Email"), plain_label(profile.email) if profile.email else missing),
        (_("Department"), path or missing),
        (_("Location"), plain_label(profile.location) if profile.location else missing),
        (_("Job family"), plain_label(profile.job_family) if profile.job_family else missing),
        (_("Manager"), plain_label(profile.manager_name) if profile.manager_name else missing),
        (_("With us since"), format_date(profile.hire_date) if profile.hire_date else missing),
    ]
    return "\n".join(f"- **{label}:** {value}" for label, value in lines)


def kind_label(kind: str) -> str:
    return _(_KIND_LABELS.get(kind, kind))


def org_table(rows: Sequence[OrgRow]) -> None:
    """The department tree, indented, with head counts and managers."""
    frame = pd.DataFrame(
        {
            "department": [INDENT * r.depth * 2 + r.name for r in rows],
            "kind": [kind_label(r.kind) for r in rows],
            "direct": [r.direct for r in rows],
            "total": [r.total for r in rows],
            "managers": [", ".join(r.managers) for r in rows],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(rows), 720),
        column_config={
            "department": st.column_config.TextColumn(_("Department"), width="large"),
            "kind": st.column_config.TextColumn(_("Level")),
            "direct": st.column_config.NumberColumn(
                _("Direct members"), help=_("People sitting directly in this unit")
            ),
            "total": st.column_config.NumberColumn(
                _("Head count"), help=_("People in this unit and everything below it")
            ),
            "managers": st.column_config.TextColumn(_("Managed by")),
        },
    )


def headcount_chart(rows: Sequence[OrgRow]) -> alt.Chart:
    """A bar chart of head count by division (the children of the top of the tree)."""
    top_depth = min((r.depth for r in rows), default=0)
    data = pd.DataFrame(
        [{"unit": r.name, "people": r.total} for r in rows if r.depth == top_depth + 1]
    )
    x_title = _("People (head count)")
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_bar(color="#0b6e69")
        .encode(
            x=alt.X("people:Q", title=x_title),
            y=alt.Y("unit:N", sort="-x", title=None),
            tooltip=[
                alt.Tooltip("unit:N", title=_("Unit")),
                alt.Tooltip("people:Q", title=x_title),
            ],
        )
        .properties(title=_("Head count by division"), height=max(120, 28 * len(data)))
    )
    return chart


def employee_table(rows: Sequence[EmployeeRow]) -> None:
    """The employee list of People & org."""
    frame = pd.DataFrame([r.__dict__ for r in rows])
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_order=[
            "name",
            "email",
            "department",
            "location",
            "job_family",
            "level",
            "hire_date",
            "customer_facing",
            "manager",
            "external_id",
            "active",
        ],
        column_config={
            "external_id": st.column_config.TextColumn(_("HR id")),
            "name": st.column_config.TextColumn(_("Name")),
            "email": st.column_config.TextColumn(_("Email")),
            "department": st.column_config.TextColumn(_("Department"), width="medium"),
            "location": st.column_config.TextColumn(_("Location")),
            "job_family": st.column_config.TextColumn(_("Job family")),
            "level": st.column_config.NumberColumn(_("Level")),
            "hire_date": st.column_config.DateColumn(_("Hire date"), format="localized"),
            "customer_facing": st.column_config.CheckboxColumn(_("Customer-facing")),
            "manager": st.column_config.TextColumn(_("Manager")),
            "active": st.column_config.CheckboxColumn(_("Active")),
        },
    )


def count_caption(shown: int, total: int) -> str:
    """“Showing 500 of 1,470 people” in the current language."""
    return ngettext(
        "Showing {shown} of {total} person", "Showing {shown} of {total} people", total
    ).format(shown=format_number(shown), total=format_number(total))


def department_label(row: OrgRow) -> str:
    """A department as an option in a select box, indented by its depth."""
    return INDENT * row.depth + row.name


def employee_filters(tree: Sequence[OrgRow], options: FilterOptions, *, key: str) -> EmployeeFilter:
    """The filter widgets above the employee table."""
    by_id = {row.id: row for row in tree}
    first, second = st.columns(2), st.columns([2, 2, 1])
    text = first[0].text_input(
        _("Search"), placeholder=_("Name, email or HR id"), key=f"{key}.text"
    )
    department_id = first[1].selectbox(
        _("Department (with everything below it)"),
        options=[None, *by_id],
        format_func=lambda i: _("All departments") if i is None else department_label(by_id[i]),
        key=f"{key}.department",
    )
    locations = second[0].multiselect(
        _("Location"), options.locations, key=f"{key}.locations", placeholder=_("Any")
    )
    families = second[1].multiselect(
        _("Job family"), options.job_families, key=f"{key}.families", placeholder=_("Any")
    )
    statuses = {"active": _("Active"), "inactive": _("Inactive"), "all": _("All")}
    status = second[2].selectbox(
        _("Status"), list(statuses), format_func=statuses.__getitem__, key=f"{key}.status"
    )
    return EmployeeFilter(
        text=text,
        department_id=department_id,
        locations=locations,
        job_families=families,
        status=status,
    )


def grants_table(grants: Sequence[GrantRow]) -> None:
    """Who holds which role, with managers' departments."""
    if not grants:
        st.info(_("No roles granted yet: everyone is an employee."))
        return
    frame = pd.DataFrame(
        {
            "name": [g.name for g in grants],
            "email": [g.email for g in grants],
            "role": [role_label(g.role) for g in grants],
            "departments": ["; ".join(g.departments) for g in grants],
            "granted": [format_date(g.granted_at) for g in grants],
            "by": [g.granted_by for g in grants],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "name": st.column_config.TextColumn(_("Name")),
            "email": st.column_config.TextColumn(_("Email")),
            "role": st.column_config.TextColumn(_("Role")),
            "departments": st.column_config.TextColumn(_("Manages"), width="large"),
            "granted": st.column_config.TextColumn(_("Granted on")),
            "by": st.column_config.TextColumn(_("Granted by")),
        },
    )
