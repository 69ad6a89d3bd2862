"""My pulse: the open pulse waves for me, a short form each, and what we heard last time."""

import streamlit as st

from engagement import ui
from engagement.i18n import _
from engagement.services import pulses, reports
from engagement.ui import pulse as view

actor = ui.guard(__file__)
st.title(_("My pulse"))
ui.show_flash()
view.ensure_waves_open()
waves = ui.load(pulses.my_waves)
if not waves:
    st.info(
        _(
            "No pulse survey is open for you right now. When HR opens one, it appears here and "
            "on your Home page; it takes about two minutes."
        ),
        icon=":material/event_available:",
    )
k = ui.privacy_thresholds().min_group_size
for wave in waves:
    if not wave.answered:
        view.answer_form(wave)
        continue
    with st.container(border=True):
        st.subheader(ui.plain_label(wave.pulse_name))
        st.success(_("You answered this wave. Thank you!"), icon=":material/check_circle:")
        previous = ui.load(pulses.previous_wave_id, wave_id=wave.wave_id)
        if previous is None:
            st.caption(_("Results of the first wave will appear here once it closes."))
        else:
            st.markdown(_("#### What we heard last time"))
            view.heard(ui.load(reports.what_we_heard, wave_id=previous, k=k), k)
