"""Internal markets (HR builds, leaders read): the list, a market's profile, the rule builder."""

import streamlit as st

from engagement import ui
from engagement.authz import Role
from engagement.i18n import _
from engagement.services import markets as svc
from engagement.ui import markets as view

actor = ui.guard(__file__)
st.title(_("Internal markets"))
st.caption(_("Groups of employees you address like markets. Membership follows the rules."))
ui.show_flash()
k = ui.privacy_thresholds().min_group_size
can_edit = actor.has(Role.HR)
markets = {m.id: m for m in ui.load(svc.list_markets)}
if markets:
    view.markets_table(list(markets.values()), k)
elif not can_edit:
    st.info(_("HR has not defined any internal market yet."), icon=":material/target:")
    st.stop()

NEW = 0
options = ([NEW] if can_edit else []) + list(markets)
asked = st.query_params.get("market", "")
start = int(asked) if asked.isdigit() and int(asked) in options else next(iter(markets), NEW)
picked = st.selectbox(
    _("Internal market to open"),
    options,
    index=options.index(start),
    format_func=lambda i: _("➕ New internal market") if i == NEW else markets[i].label,
    key="markets.pick",
)
st.query_params["market"] = str(picked)
market = markets.get(picked)
choices = ui.load(svc.rule_choices)

if market is None:
    view.editor(None, choices, k)
else:
    profile_tab, rules_tab = st.tabs([_("Profile"), _("Edit rules") if can_edit else _("Rules")])
    with profile_tab:
        view.profile(market, k)
    with rules_tab:
        if can_edit:
            view.editor(market, choices, k)
        else:
            st.markdown(view.describe_rules(market.rules, choices))
