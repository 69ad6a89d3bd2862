"""People & org (admin): the department tree with head counts and a filterable employee table."""

import streamlit as st

from engagement import ui
from engagement.i18n import _
from engagement.services import directory
from engagement.ui import downloads, render

actor = ui.guard(__file__)
st.title(_("People & org"))
tree = ui.load(directory.org_chart, scope="company")
if not tree:
    st.info(
        _(
            "No one is in the directory yet. Load the demo company with "
            "`python -m engagement demo`, or import your HR export."
        ),
        icon=":material/badge:",
    )
    st.stop()

org_tab, people_tab = st.tabs([_("Department tree"), _("Employees")])
with org_tab:
    render.org_table(tree)
with people_tab:
    options = ui.load(directory.employee_filter_options)
    filters = render.employee_filters(tree, options, key="people")
    page = ui.load(directory.search_employees, filters=filters)
    st.caption(render.count_caption(len(page.rows), page.total))
    if page.rows:
        render.employee_table(page.rows)
        downloads.csv_download(
            _("Download these people (CSV)"),
            downloads.employees_csv(page.rows),
            file_name="virage-people.csv",
            key="people.csv",
        )
    else:
        st.info(_("No one matches these filters. Clear a filter to see more people."))
