"""Virage entry point: page config, the sign-in gate, navigation by role — nothing else."""

import streamlit as st

from engagement import ui

st.set_page_config(page_title="Virage", page_icon=ui.PAGE_ICON, layout="wide")
with ui.failures_shown():  # one failure path: Virage's own message, never a trace
    actor = ui.sign_in_gate()
    ui.navigation(actor).run()
