"""The audit log page's widgets: filters, the table of entries and one entry in full."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from engagement.i18n import _, format_date, format_number, ngettext
from engagement.services.audit import ACTIONS, AuditPage, AuditRow, action_label, summary


@dataclass(frozen=True)
class AuditFilters:
    text: str
    actions: list[str]
    since: date | None
    until: date | None


def filters() -> AuditFilters:
    """Text (who or target), actions and a period, chosen by the admin."""
    left, middle, right = st.columns([2, 3, 2])
    text = left.text_input(
        _("Search who or what"),
        placeholder=_("An email, a name, a file, a market…"),
        key="audit.text",
    )
    actions = middle.multiselect(
        _("Actions"),
        list(ACTIONS),
        format_func=action_label,
        placeholder=_("All actions"),
        key="audit.actions",
    )
    period = right.date_input(
        _("Period"), value=[], format="YYYY-MM-DD", key="audit.period", help=_("Days in UTC.")
    )
    days = [d for d in (period if isinstance(period, tuple | list) else [period]) if d]
    return AuditFilters(
        text=text,
        actions=list(actions),
        since=days[0] if days else None,
        until=days[1] if len(days) > 1 else None,
    )


def empty_state(filtered: bool) -> None:
    """Why there is nothing to show: nothing recorded yet, or nothing matches."""
    if filtered:
        st.info(_("No entry matches these filters. Clear a filter to see more."))
        return
    st.info(
        _(
            "Nothing has been recorded yet. The audit log keeps, with who did it and when: "
            "roles granted and revoked, people imports, internal markets saved, pulse surveys "
            "created and heatmap exports — with the state before and after. Entries cannot "
            "be changed or deleted."
        ),
        icon=":material/history:",
    )


def caption(page: AuditPage) -> str:
    shown = len(page.rows)
    return ngettext(
        "Showing {shown} of {total} entry, newest first. Times are in UTC.",
        "Showing {shown} of {total} entries, newest first. Times are in UTC.",
        page.total,
    ).format(shown=format_number(shown), total=format_number(page.total))


def table(rows: Sequence[AuditRow]) -> None:
    """When, who, what, to what, and the change in one line."""
    frame = pd.DataFrame(
        {
            "at": [r.at.strftime("%Y-%m-%d %H:%M") for r in rows],
            "actor": [r.actor for r in rows],
            "action": [action_label(r.action) for r in rows],
            "target": [r.target for r in rows],
            "change": [summary(r.before, r.after) for r in rows],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            # fixed widths leave the change itself most of the room
            "at": st.column_config.TextColumn(_("When (UTC)"), width=125),
            "actor": st.column_config.TextColumn(_("Who"), width=170),
            "action": st.column_config.TextColumn(_("Action"), width=150),
            "target": st.column_config.TextColumn(_("Target"), width=170),
            "change": st.column_config.TextColumn(
                _("Before → after"),
                width=420,
                help=_("Choose the entry below to read it in full."),
            ),
        },
    )


def details(rows: Sequence[AuditRow]) -> None:
    """One entry's full before and after, read-only."""
    index = st.selectbox(
        _("Show an entry in full"),
        range(len(rows)),
        index=None,
        format_func=lambda i: (
            f"{format_date(rows[i].at)} — {rows[i].actor} — "
            f"{action_label(rows[i].action)} — {rows[i].target}"
        ),
        placeholder=_("Choose an entry"),
        key="audit.entry",
    )
    if index is None:
        return
    entry = rows[index]
    left, right = st.columns(2)
    for column, label, state, empty in (
        (left, _("Before"), entry.before, _("No earlier state recorded for this action.")),
        (right, _("After"), entry.after, _("Nothing recorded after this action.")),
    ):
        column.markdown(f"**{label}**")
        if state is None:
            column.caption(empty)
        else:
            column.json(state)
