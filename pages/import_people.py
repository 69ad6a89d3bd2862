"""Import people (admin): upload an HR export, see how it reads, check it, import it whole."""

import streamlit as st

from engagement import ui
from engagement.i18n import _
from engagement.people_import.reader import MAX_BYTES
from engagement.services import people_import
from engagement.ui import importing

actor = ui.guard(__file__)
st.title(_("Import people"))
st.caption(
    _(
        "Every row is checked before anything is written: if one row is wrong, nothing is "
        "imported and every problem is listed with its line."
    )
)
uploaded = st.file_uploader(
    _("HR export (CSV)"),
    type=["csv", "txt", "tsv"],
    key="import.file",
    max_upload_size=MAX_BYTES // 1024 // 1024,
)
if uploaded is None:
    importing.empty_state()
    st.stop()

data = uploaded.getvalue()
preview = ui.load(people_import.preview_import, data=data, file_name=uploaded.name)
st.subheader(_("First rows"))
importing.preview_section(preview)
st.subheader(_("What each column becomes"))
mapping = importing.mapping_editor(preview, file_id=uploaded.file_id)
full = st.checkbox(
    _("Deactivate people missing from the file"),
    key="import.full",
    help=_(
        "For a complete export: active people who are not in the file are deactivated (never "
        "deleted). Leave it off when the file holds only some of the company."
    ),
)
check_col, import_col = st.columns(2)
check = check_col.button(
    _("Check the file"), key="import.check", icon=":material/fact_check:", width="stretch"
)
run = import_col.button(
    _("Import"), key="import.run", type="primary", icon=":material/upload:", width="stretch"
)
if check or run:
    importing.run_import(data=data, preview=preview, mapping=mapping, full=full, dry_run=check)
