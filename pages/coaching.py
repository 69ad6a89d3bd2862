"""Coaching (managers): where each team is stuck, a conversation guide, and a private log
of the conversations with what came of them. HR partners and admins read the logs."""

import streamlit as st

from engagement import ui
from engagement.authz import Role
from engagement.i18n import _
from engagement.services import coaching
from engagement.ui import coaching as view

actor = ui.guard(__file__)
st.title(_("Coaching"))
st.caption(
    _(
        "Keep the course day after day: find where your team is stuck, talk about it, agree "
        "on one step, and see whether the next waves move."
    )
)
ui.show_flash()
if actor.has(Role.MANAGER):
    view.manager_view()
if actor.has_any((Role.HR, Role.ADMIN)):
    st.subheader(_("Coaching logs you may read"))
    view.readable_logs(ui.load(coaching.readable_logs))
