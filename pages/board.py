"""Ask and object: questions and objections about our direction, answered in public, and
“you said, we did” after each wave."""

import streamlit as st

from engagement import ui
from engagement.i18n import _
from engagement.ui import voice as view

actor = ui.guard(__file__)
st.title(_("Ask and object"))
st.caption(
    _(
        "A change only works if people can question it. Ask, object, upvote what matters to "
        "you: leaders and HR answer here, in public."
    )
)
ui.show_flash()
board_tab, you_said_tab = st.tabs([_("Questions and objections"), _("You said, we did")])
with board_tab:
    view.post_form()
    view.board_list(actor, view.filters(actor))
with you_said_tab:
    view.you_said_section(actor)
