"""Translations (HR, leaders): what people would read in the other language, and where to fix it."""

import streamlit as st

from engagement import ui
from engagement.i18n import _
from engagement.services import translations
from engagement.ui import translations as view

actor = ui.guard(__file__)
st.title(_("Translations"))
st.caption(
    _(
        "Virage speaks English and French. When a text exists in one language only, people "
        "reading the other one see it as written, with a small notice. Here is what to complete."
    )
)
view.missing_table(ui.load(translations.missing_content))
