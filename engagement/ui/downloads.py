"""Our own CSV downloads, where people need a table as a file.

Streamlit's dataframe toolbar download is turned off (`client.disableDataExport`): it writes
cells as typed, formulas included. These go through `engagement.exports` instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from engagement import exports
from engagement.errors import ImportProblem
from engagement.i18n import _
from engagement.services.audit import AuditRow, action_label, summary
from engagement.services.directory import EmployeeRow


def employees_csv(rows: Sequence[EmployeeRow]) -> bytes:
    """The employee table of People & org, as shown, as a CSV file."""
    headers = [
        _("Name"),
        _("Email"),
        _("Department"),
        _("Location"),
        _("Job family"),
        _("Level"),
        _("Hire date"),
        _("Customer-facing"),
        _("Manager"),
        _("HR id"),
        _("Active"),
    ]
    return exports.table_csv(
        headers,
        (
            [
                r.name,
                r.email,
                r.department,
                r.location,
                r.job_family,
                r.level,
                r.hire_date,
                r.customer_facing,
                r.manager,
                r.external_id,
                r.active,
            ]
            for r in rows
        ),
    )


def audit_csv(rows: Sequence[AuditRow]) -> bytes:
    """The audit entries shown, as a CSV file."""
    headers = [_("When (UTC)"), _("Who"), _("Action"), _("Target"), _("Before → after")]
    return exports.table_csv(
        headers,
        (
            [r.at, r.actor, action_label(r.action), r.target, summary(r.before, r.after)]
            for r in rows
        ),
    )


def problems_csv(problems: Sequence[ImportProblem]) -> bytes:
    """Every problem of a refused import, as a CSV file."""
    headers = [_("Line"), _("Column"), _("Problem and how to fix it")]
    return exports.table_csv(headers, ([p.line, p.column, p.message] for p in problems))


def csv_download(label: str, data: bytes, *, file_name: str, key: str) -> None:
    """A download button for a CSV file built by `engagement.exports`."""
    st.download_button(
        label,
        data,
        file_name=file_name,
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
        key=key,
    )
