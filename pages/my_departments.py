"""My departments (managers): the subtrees I manage, with head counts."""

import streamlit as st

from engagement import ui
from engagement.i18n import _
from engagement.services import directory
from engagement.ui import render

actor = ui.guard(__file__)
st.title(_("My departments"))
rows = ui.load(directory.org_chart, scope="managed")
if not rows:
    st.info(
        _(
            "You do not manage any department yet. An administrator assigns the departments "
            "you manage on the Roles page; they will appear here."
        ),
        icon=":material/account_tree:",
    )
    st.stop()
st.caption(
    _(
        "The teams you manage and everything below them. Results of pulse surveys will be "
        "shown here by department, never by person."
    )
)
render.org_table(rows)
