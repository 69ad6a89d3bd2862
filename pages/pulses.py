"""Pulses (HR): the pulse surveys, how their open waves are going, and a new pulse."""

import streamlit as st

from engagement import ui
from engagement.i18n import _
from engagement.services import markets, pulses
from engagement.ui import pulse as answering
from engagement.ui import pulses_admin as view

actor = ui.guard(__file__)
st.title(_("Pulse surveys"))
st.caption(
    _(
        "Short recurring surveys. Each occurrence is a wave: it opens by date, reaches the "
        "people of its internal markets at that moment, and closes after its window."
    )
)
ui.show_flash()
answering.ensure_waves_open()
k = ui.privacy_thresholds().min_group_size
rows = ui.load(pulses.list_pulses, k=k)
if rows:
    view.pulses_table(rows, k)
else:
    st.info(_("No pulse yet. Create the first one below."), icon=":material/favorite:")
view.create_form(ui.load(markets.list_markets))
if rows:
    st.subheader(_("Names in English and French"))
    view.rename_form(rows)
st.subheader(_("Translations"))
view.translations(ui.load(pulses.missing_translations))
