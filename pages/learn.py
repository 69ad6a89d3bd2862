"""Learn: my change-explanation modules, read step by step, then the comprehension check."""

import streamlit as st

from engagement import ui
from engagement.i18n import _
from engagement.services import modules
from engagement.ui import learn as view

actor = ui.guard(__file__)
selected = st.session_state.get(view.SELECTED)
if selected:
    view.reader(ui.load(modules.read_module, key=selected))
else:
    st.title(_("Learn"))
    st.caption(
        _(
            "Short modules that explain the change in four steps — what and why, what is in it "
            "for you, why it matters to customers, how to act — then a short check."
        )
    )
    ui.show_flash()
    cards = ui.load(modules.my_modules)
    if cards:
        view.module_list(cards)
    else:
        st.info(
            _("No module is published yet. HR publishes them on the Modules page."),
            icon=":material/school:",
        )
