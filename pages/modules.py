"""Modules (HR): author change-explanation modules, publish frozen versions, import and export."""

import streamlit as st

from engagement import ui
from engagement.i18n import _
from engagement.services import modules
from engagement.ui import context
from engagement.ui import module_editor as view

actor = ui.guard(__file__)
st.title(_("Modules"))
st.caption(
    _(
        "Four steps — explain, desire, relevance, tools — and a comprehension check. A "
        "published version is frozen; editing it makes a new draft."
    )
)
ui.show_flash()
rows = ui.load(modules.list_modules)
if rows:
    view.modules_table(rows)
else:
    st.info(
        _("No module yet. Write the first one below, or import files."), icon=":material/menu_book:"
    )
keys = [r.key for r in rows]
titles = {r.key: r.title for r in rows}
NEW = ""
context.apply_choice("modules.choice")
choice = st.selectbox(
    _("Module to edit"),
    [NEW, *keys],
    format_func=lambda k: _("New module") if k == NEW else titles[k],
    key="modules.choice",
)
edit = ui.load(modules.module_for_editing, key=choice) if choice else None
if edit:
    view.publish_and_export(edit)
view.editor(edit)
with st.expander(_("Import module files")):
    view.importer()
