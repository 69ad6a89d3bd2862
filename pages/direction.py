"""Our direction: the current statement of each pillar, what changed, and what is about it."""

import streamlit as st

from engagement import ui
from engagement.authz import Role
from engagement.i18n import _
from engagement.services import campaigns, direction
from engagement.ui import direction as view

actor = ui.guard(__file__)
st.title(_("Our direction"))
st.caption(
    _(
        "Where the company is going, pillar by pillar, as leadership publishes it. Each new "
        "version says what changed and why."
    )
)
ui.show_flash()
statements = ui.load(direction.current_direction)
about = ui.load(campaigns.campaigns_about)
modules = view.modules_by_pillar()
for pillar, statement in statements.items():
    view.pillar_card(pillar, statement, about.get(pillar.value, []), modules.get(pillar, []))
if actor.has(Role.LEADER):
    st.subheader(_("Publish a new version"))
    view.publish_form()
