"""Campaigns (HR, leaders): write, launch and follow campaigns to internal markets."""

import streamlit as st

from engagement import ui
from engagement.i18n import _
from engagement.services import campaign_analytics, campaigns, markets, modules
from engagement.ui import campaigns as view
from engagement.ui import context

actor = ui.guard(__file__)
st.title(_("Campaigns"))
st.caption(
    _(
        "Market the change to each internal market: a message about a pillar, modules to "
        "read, a schedule — then see whether it landed, not just whether it was opened."
    )
)
ui.show_flash()
ui.act(campaigns.advance_campaigns_now)
rows = ui.load(campaigns.list_campaigns)
if rows:
    view.campaigns_table(rows)
else:
    st.info(_("No campaign yet. Write the first one below."), icon=":material/campaign:")
NEW = 0
ids = [NEW, *(r.id for r in rows)]
titles = {r.id: f"{r.title} · {view.status_label(r.status)}" for r in rows}
context.apply_choice("campaigns.choice")
choice = st.selectbox(
    _("Campaign"),
    ids,
    format_func=lambda i: _("New campaign") if i == NEW else titles[i],
    key="campaigns.choice",
)
detail = ui.load(campaigns.campaign_detail, campaign_id=choice) if choice else None
if detail:
    view.lifecycle(detail)
if view.editable(detail):
    view.editor(
        detail,
        ui.load(markets.list_markets),
        ui.load(modules.list_modules),
        ui.load(campaigns.pulse_choices),
    )
else:
    k = ui.privacy_thresholds().min_group_size
    with st.spinner(_("Counting the funnel…")):
        funnel = ui.load(campaign_analytics.campaign_funnel, campaign_id=detail.id, k=k)
        lift = ui.load(campaign_analytics.campaign_lift, campaign_id=detail.id, k=k)
    view.analytics_view(funnel, lift)
