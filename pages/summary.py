"""Company summary (leaders and HR): the company's course, and where it is stuck or moving."""

import streamlit as st

from engagement import ui
from engagement.i18n import _
from engagement.services import reports
from engagement.ui import heatmap as view
from engagement.ui import insights
from engagement.ui import voice as voice_view

actor = ui.guard(__file__)
st.title(_("Company summary"))
waves = ui.load(reports.wave_options)
closed = [w for w in waves if not w.is_open]
if not closed:
    st.info(
        _("Results appear here once the first pulse wave has closed."),
        icon=":material/insights:",
    )
    st.stop()
latest = closed[0]
st.caption(
    _("{pulse}, wave {n}: the last closed wave, against the waves before it.").format(
        pulse=ui.plain_label(latest.pulse), n=latest.number
    )
)
wave_ids = ui.load(reports.wave_ids_until, wave_id=latest.id)
with st.spinner(_("Gathering the waves…")):
    history = [view.report_for(w, None) for w in wave_ids]
view.company_cards(history)
st.subheader(_("Trends"))
insights.company_trend_lines(history)
left, right = st.columns(2)
with left:
    st.subheader(_("Most stuck"))
    st.caption(_("Where the change stops earliest on understanding → desire → relevance → tools."))
    view.movers_table(reports.most_stuck(history[-1]), with_change=False)
with right:
    st.subheader(_("Rising"))
    st.caption(_("Departments whose favorable share rose beyond chance lately, fastest first."))
    insights.rising_table(history)
voice_view.board_summary()
