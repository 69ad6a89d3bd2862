"""Audit log (admin): who changed or exported what, when, with before and after. Read-only."""

import streamlit as st

from engagement import ui
from engagement.i18n import _
from engagement.services import audit
from engagement.ui import audit as view
from engagement.ui import downloads

actor = ui.guard(__file__)
st.title(_("Audit log"))
st.caption(
    _(
        "Role changes, people imports, internal markets, pulse surveys and heatmap exports, "
        "with who did them and the state before and after. Entries cannot be changed."
    )
)
chosen = view.filters()
page = ui.load(
    audit.search_audit,
    text=chosen.text,
    actions=chosen.actions,
    since=chosen.since,
    until=chosen.until,
)
if not page.rows:
    view.empty_state(filtered=bool(chosen.text.strip() or chosen.actions or chosen.since))
    st.stop()
st.caption(view.caption(page))
view.table(page.rows)
downloads.csv_download(
    _("Download these entries (CSV)"),
    downloads.audit_csv(page.rows),
    file_name="virage-audit-log.csv",
    key="audit.csv",
)
view.details(page.rows)
