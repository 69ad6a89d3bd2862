"""Privacy settings (admin): the minimum group size and the comments threshold, audited."""

import streamlit as st

from engagement import ui
from engagement.i18n import _, format_date
from engagement.services import settings as svc

actor = ui.guard(__file__)
st.title(_("Privacy settings"))
st.caption(
    _(
        "No figure, chart or export is shown for fewer respondents than the minimum group "
        "size, and comments only for groups at least as large as the comments threshold. "
        "Every change is in the audit log, with the values before and after."
    )
)
ui.show_flash()
current = ui.load(svc.privacy_settings)
if current.updated_by and current.updated_at:
    st.caption(
        _("Last changed by {who} on {date}.").format(
            who=ui.plain_label(current.updated_by), date=format_date(current.updated_at)
        )
    )
with st.form("privacy.form"):
    k = st.number_input(
        _("Minimum group size (k)"),
        min_value=3,
        max_value=svc.UPPER,
        value=current.min_group_size,
        help=_("Never below 3. Larger hides more, and protects more."),
        key="privacy.k",
    )
    comment_min = st.number_input(
        _("Minimum group for comments"),
        min_value=3,
        max_value=svc.UPPER,
        value=current.comment_min,
        help=_("At least the minimum group size: comments say more than numbers."),
        key="privacy.comments",
    )
    if st.form_submit_button(_("Save"), type="primary"):
        saved = ui.act(svc.update_privacy, min_group_size=int(k), comment_min=int(comment_min))
        if saved is not None:
            ui.forget_privacy_thresholds()
            ui.flash(_("Saved. Every page now uses these thresholds."))
            st.rerun()
