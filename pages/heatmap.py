"""Adoption heatmap: where my part of the company is stuck, and whether it is moving."""

import streamlit as st

from engagement import ui
from engagement.authz import Role
from engagement.i18n import _
from engagement.services import markets as market_service
from engagement.services import reports
from engagement.ui import heatmap as view

actor = ui.guard(__file__)
st.title(_("Adoption heatmap"))
if not actor.has_any((Role.HR, Role.LEADER)) and not actor.managed_department_ids:
    st.info(
        _(
            "You do not manage any department yet. Once an administrator assigns yours, their "
            "heatmap appears here."
        ),
        icon=":material/grid_view:",
    )
    st.stop()
waves = ui.load(reports.wave_options)
if not waves:
    st.info(
        _(
            "No pulse wave has opened yet. When HR launches a pulse, results appear here once "
            "enough people have answered."
        ),
        icon=":material/grid_view:",
    )
    st.stop()
markets = (
    {m.id: m.label for m in ui.load(market_service.list_markets)}
    if actor.has_any((Role.HR, Role.LEADER))
    else {}
)
wave_id, market_id, mode = view.controls(waves, markets)
report = view.report_for(wave_id, market_id)
previous_id = ui.load(reports.previous_wave_id_for, wave_id=wave_id)
view.show_heatmap(wave_id, previous_id, market_id, mode)
st.caption(
    _(
        "Numbers are favorable answers in % (participation and index likewise). Grey cells are "
        "hidden to protect confidentiality: hover for the reason. * marks a difference unlikely "
        "to be chance — a department against the rest of the company, or against its previous "
        "wave, counting respondents — chosen so that on average at most 1 mark in 20 on this "
        "heatmap is a false alarm. Groups under {k} respondents are never shown."
    ).format(k=report.k)
)
view.exports(report, view.heatmap_png(wave_id, previous_id, market_id, mode), market_id)
st.subheader(_("Drill-down"))
view.drill_down(report, market_id)
