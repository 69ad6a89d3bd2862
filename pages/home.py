"""Home: who I am, my department, my roles."""

from datetime import date

import streamlit as st

from engagement import ui
from engagement.authz import role_label
from engagement.i18n import _, format_date
from engagement.services import campaigns, directory, pulses
from engagement.ui import campaigns as campaign_view
from engagement.ui import nav, render
from engagement.ui import pulse as pulse_view
from engagement.ui import voice as voice_view

actor = ui.guard(__file__)
profile = ui.load(directory.my_profile)

st.title(_("Hello, {name}").format(name=ui.plain_label(profile.name)))
ui.show_flash()
pulse_view.ensure_waves_open()
pulse_view.checkin_card()
left, right = st.columns([3, 2], gap="large")
with left, st.container(border=True):
    st.subheader(_("Who I am"))
    st.markdown(render.profile_markdown(profile))
with right, st.container(border=True):
    st.subheader(_("My roles"))
    for role in profile.roles:
        st.markdown(f"**{role_label(role)}** — {render.role_blurb(role)}")
    if profile.managed_paths:
        st.markdown(_("**Departments I manage**"))
        st.markdown(
            "\n".join(
                f"- {' › '.join(map(ui.plain_label, path))}" for path in profile.managed_paths
            )
        )

voice_view.you_said_we_did()
st.subheader(_("For you today"))
ui.act(campaigns.advance_campaigns_now)
feed = campaign_view.load_feed()
campaign_view.feed(feed)
waiting = [w for w in ui.load(pulses.my_waves) if not w.answered]
for wave in waiting:
    with st.container(border=True):
        st.markdown(
            _("**{name}** is waiting for your answers, until {date}. It takes two minutes.").format(
                name=ui.plain_label(wave.pulse_name), date=format_date(wave.closes_on)
            )
        )
        nav.link("pages/my_pulse.py", _("Answer now"), icon=":material/favorite:")
if not waiting and not feed:
    st.info(
        _(
            "Nothing needs your attention yet. When leadership publishes a campaign for your "
            "part of the company, or a pulse survey opens, it will appear here."
        ),
        icon=":material/inbox:",
    )
st.caption(_("Today is {date}.").format(date=format_date(date.today(), "full")))
