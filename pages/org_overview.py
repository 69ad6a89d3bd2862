"""Organisation (HR and leaders): the company's departments and their sizes."""

import streamlit as st

from engagement import ui
from engagement.i18n import _
from engagement.services import directory
from engagement.ui import render

actor = ui.guard(__file__)
st.title(_("Organisation"))
rows = ui.load(directory.org_chart, scope="company")
if not rows:
    st.info(
        _("The directory is empty. An administrator imports the org from an HR export."),
        icon=":material/groups:",
    )
    st.stop()
st.caption(_("Every department with its head count: the size of the internal markets you address."))
st.altair_chart(render.headcount_chart(rows), width="stretch", theme=None)
render.org_table(rows)
