"""Campaigns on screen: the editor, the lifecycle buttons, the analytics and the Home feed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from engagement.i18n import (
    LANGUAGES,
    N_,
    _,
    format_date,
    format_percent,
    language_label,
    language_names,
    ngettext,
)
from engagement.measures.lift import CONFIDENCE
from engagement.measures.suppression import reason_text
from engagement.models import CampaignStatus
from engagement.pillars import PILLARS, pillar_label
from engagement.safe_text import plain_label, safe_markdown
from engagement.services import campaign_analytics as analytics
from engagement.services import campaigns
from engagement.services.campaigns import CampaignDetail, CampaignDraft, CampaignRow, FeedItem
from engagement.services.markets import MarketSummary
from engagement.services.modules import ModuleSummary
from engagement.ui import nav
from engagement.ui.context import act, choose_next_run, flash, load
from engagement.ui.render import language_inputs

_STATUS = {
    CampaignStatus.DRAFT: N_("Draft"),
    CampaignStatus.SCHEDULED: N_("Scheduled"),
    CampaignStatus.LIVE: N_("Live"),
    CampaignStatus.CLOSED: N_("Closed"),
}
_STATE = {
    campaigns.FeedState.NEW: N_("New"),
    campaigns.FeedState.READ: N_("Read"),
    campaigns.FeedState.ACKNOWLEDGED: N_("Acknowledged"),
}


def status_label(status: str) -> str:
    return _(_STATUS[CampaignStatus(status)])


def fallback_notice() -> None:
    st.caption(
        _("Not yet translated into your language: shown in the original language."),
        help=_("HR sees every text that lacks a translation on the Translations page."),
    )


def campaigns_table(rows: Sequence[CampaignRow]) -> None:
    frame = pd.DataFrame(
        {
            "title": [r.title for r in rows],
            "pillar": [pillar_label(r.pillar) for r in rows],
            "status": [status_label(r.status) for r in rows],
            "dates": [f"{format_date(r.starts_on)} – {format_date(r.ends_on)}" for r in rows],
            "markets": [", ".join(r.markets) for r in rows],
            "audience": [r.audience or None for r in rows],
            "missing": [", ".join(language_label(m) for m in r.missing) or "—" for r in rows],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "title": st.column_config.TextColumn(_("Campaign")),
            "pillar": st.column_config.TextColumn(_("Pillar")),
            "status": st.column_config.TextColumn(_("Status")),
            "dates": st.column_config.TextColumn(_("Runs")),
            "markets": st.column_config.TextColumn(_("Internal markets")),
            "audience": st.column_config.NumberColumn(_("People reached")),
            "missing": st.column_config.TextColumn(_("Missing translation")),
        },
    )


def _messages(key: str, current: dict[str, str]) -> dict[str, str]:
    """The message in each language, one tab per language, each beside its preview."""
    out = {}
    names = language_names()
    for lang, tab in zip(LANGUAGES, st.tabs([names[lang] for lang in LANGUAGES]), strict=True):
        with tab:
            left, right = st.columns(2)
            with left:
                out[lang] = st.text_area(
                    _("Message ({language})").format(language=names[lang]),
                    value=current.get(lang, ""),
                    height=260,
                    max_chars=campaigns.MESSAGE_MAX,
                    key=f"{key}.{lang}",
                    help=_("Markdown: **bold**, lists, links. No HTML, no images."),
                )
            with right, st.container(border=True):
                st.caption(_("Preview"))
                st.markdown(safe_markdown(out[lang]) or "—")
    return out


def editor(
    detail: CampaignDetail | None,
    markets: Sequence[MarketSummary],
    modules: Sequence[ModuleSummary],
    pulses: dict[int, str],
) -> None:
    """Write or edit a draft campaign, then save it."""
    draft = detail.draft if detail else None
    key = f"campaign.{detail.id if detail else 'new'}"
    st.markdown(_("**Title**"))
    title = language_inputs(
        f"{key}.title",
        draft.title if draft else {},
        label=_("Title ({language})"),
        max_chars=campaigns.TITLE_MAX,
    )
    st.markdown(_("**Message**"))
    message = _messages(f"{key}.message", draft.message if draft else {})
    left, right = st.columns(2)
    pillar = left.selectbox(
        _("Pillar"),
        [p.value for p in PILLARS],
        index=[p.value for p in PILLARS].index(draft.pillar) if draft else 0,
        format_func=pillar_label,
        key=f"{key}.pillar",
    )
    market_names = {m.id: m.label for m in markets}
    chosen_markets = right.multiselect(
        _("Internal markets targeted"),
        list(market_names),
        default=[m for m in (draft.market_ids if draft else []) if m in market_names],
        format_func=lambda i: market_names[i],
        key=f"{key}.markets",
        placeholder=_("Choose one or more internal markets"),
    )
    published = {m.key: m.title for m in modules if m.published_version}
    chosen_modules = left.multiselect(
        _("Modules to read"),
        list(published),
        default=[k for k in (draft.module_ids if draft else []) if k in published],
        format_func=lambda k: published[k],
        key=f"{key}.modules",
        placeholder=_("Only published modules can be linked"),
    )
    pulse_ids: list[int | None] = [None, *pulses]
    pulse_id = right.selectbox(
        _("Pulse survey that measures it"),
        pulse_ids,
        index=pulse_ids.index(draft.pulse_id) if draft and draft.pulse_id in pulse_ids else 0,
        format_func=lambda i: _("Any pulse survey") if i is None else pulses[i],
        key=f"{key}.pulse",
    )
    today = date.today()
    starts = left.date_input(
        _("Starts on"), value=draft.starts_on if draft else today, key=f"{key}.starts"
    )
    ends = right.date_input(
        _("Ends on"),
        value=draft.ends_on if draft else today + timedelta(days=27),
        key=f"{key}.ends",
    )
    must = left.checkbox(
        _("People must acknowledge it"),
        value=draft.must_acknowledge if draft else True,
        key=f"{key}.must",
    )
    after_pass = right.checkbox(
        _("Acknowledge only after passing the modules' check"),
        value=draft.ack_after_pass if draft else False,
        key=f"{key}.after_pass",
    )
    if st.button(_("Save draft"), type="primary", key=f"{key}.save", icon=":material/save:"):
        new = CampaignDraft(
            title=title,
            pillar=pillar,
            message=message,
            market_ids=list(chosen_markets),
            module_ids=list(chosen_modules),
            pulse_id=pulse_id,
            starts_on=starts if isinstance(starts, date) else None,
            ends_on=ends if isinstance(ends, date) else None,
            must_acknowledge=must,
            ack_after_pass=after_pass,
        )
        saved = act(campaigns.save_campaign, campaign_id=detail.id if detail else None, draft=new)
        if saved is not None:
            choose_next_run("campaigns.choice", saved)
            flash(_("Draft saved. Launch it when it is ready."))
            st.rerun()


def editable(detail: CampaignDetail | None) -> bool:
    """A new campaign or a draft opens in the editor; the others show their analytics."""
    return detail is None or detail.status is CampaignStatus.DRAFT


def lifecycle(detail: CampaignDetail) -> None:
    """The buttons that move a campaign along, and its history."""
    status = detail.status
    cols = st.columns(3)
    if status is CampaignStatus.DRAFT and cols[0].button(
        _("Launch"), type="primary", icon=":material/rocket_launch:", key="campaigns.launch"
    ):
        moved = act(campaigns.launch_campaign, campaign_id=detail.id)
        if moved is not None:
            flash(
                _("Launched: it is live.")
                if moved is CampaignStatus.LIVE
                else _("Launched: it goes live on its start date.")
            )
            st.rerun()
    if (
        status is CampaignStatus.SCHEDULED
        and cols[0].button(_("Back to draft"), icon=":material/undo:", key="campaigns.unschedule")
        and act(campaigns.unschedule_campaign, campaign_id=detail.id) is not None
    ):
        flash(_("Back to draft."))
        st.rerun()
    if (
        status is CampaignStatus.LIVE
        and cols[0].button(_("Close now"), icon=":material/stop_circle:", key="campaigns.close")
        and act(campaigns.close_campaign, campaign_id=detail.id) is not None
    ):
        flash(_("Campaign closed."))
        st.rerun()
    with st.expander(_("History")):
        for e in detail.events:
            st.markdown(
                _("{when} — **{to}** by {who}").format(
                    when=format_date(e.at),
                    to=status_label(e.to_status),
                    who=_("Virage (by date)") if e.actor == "cli" else plain_label(e.actor),
                )
            )


def _pct(value: float | None) -> str:
    return "—" if value is None else format_percent(value)


def funnel_chart(counts: dict[str, int]) -> alt.LayerChart:
    """People at each stage of the funnel, with the share of those targeted."""
    total = counts["targeted"] or 1
    frame = pd.DataFrame(
        {
            "stage": [_(analytics.STAGE_LABELS[s]) for s in analytics.STAGES],
            "order": list(range(len(analytics.STAGES))),
            "people": [counts[s] for s in analytics.STAGES],
            "label": [
                f"{counts[s]} ({format_percent(counts[s] / total)})" for s in analytics.STAGES
            ],
        }
    )
    base = alt.Chart(frame).encode(
        y=alt.Y("stage:N", sort=alt.SortField("order"), title=None, axis=alt.Axis(labelLimit=200)),
        x=alt.X("people:Q", title=_("People (number)"), scale=alt.Scale(domain=[0, total * 1.25])),
    )
    bars = base.mark_bar(color="#2f6f8f")
    text = base.mark_text(align="left", dx=4).encode(text="label:N")
    return alt.LayerChart(layer=[bars, text]).properties(height=alt.Step(34), width="container")


def _funnel_frame(rows: Sequence[analytics.FunnelRow], k: int, indent: bool) -> pd.DataFrame:
    data: dict[str, list[object]] = {"group": [], **{s: [] for s in analytics.STAGES}}
    data.update(understanding=[], desire=[], hidden=[])
    for r in rows:
        data["group"].append(("\u2003" * r.depth if indent else "") + r.label)
        for s in analytics.STAGES:
            data[s].append(r.counts[s] if r.counts else None)
        data["understanding"].append(None if r.understanding is None else 100 * r.understanding)
        data["desire"].append(None if r.desire is None else 100 * r.desire)
        data["hidden"].append(reason_text(r.hidden, k) if r.hidden else "")
    return pd.DataFrame(data)


def funnel_table(rows: Sequence[analytics.FunnelRow], k: int, *, indent: bool) -> None:
    config = {
        "group": st.column_config.TextColumn(_("Group")),
        **{
            s: st.column_config.NumberColumn(_(analytics.STAGE_LABELS[s])) for s in analytics.STAGES
        },
        "understanding": st.column_config.NumberColumn(
            _("Understanding favorable, next wave (%)"), format="%.0f"
        ),
        "desire": st.column_config.NumberColumn(
            _("Desire favorable, next wave (%)"), format="%.0f"
        ),
        "hidden": st.column_config.TextColumn(_("Why hidden")),
    }
    st.dataframe(
        _funnel_frame(rows, k, indent), hide_index=True, width="stretch", column_config=config
    )


def analytics_view(funnel: analytics.Funnel, lift: analytics.LiftReport) -> None:
    """The funnel (chart and tables) and the lift readings of one campaign."""
    everyone = next((r for r in funnel.departments if r.depth == 0), None)
    if everyone is None or everyone.counts is None:
        st.info(
            _("Fewer than {k} people were reached: the funnel stays hidden.").format(k=funnel.k),
            icon=":material/visibility_off:",
        )
    else:
        st.markdown(_("**Funnel — everyone reached**"))
        st.altair_chart(funnel_chart(everyone.counts), width="stretch")
    if funnel.next_wave:
        st.caption(
            _(
                "Understanding and desire: share of favorable answers (4 or 5) in wave {wave}, "
                "the first pulse wave after the campaign (or the latest one while it runs)."
            ).format(wave=funnel.next_wave)
        )
    else:
        st.caption(_("No pulse wave has closed since launch: understanding and desire come later."))
    st.caption(
        _(
            "A module counts as completed or passed whenever the person did it, including "
            "before this campaign. Groups under {k} people are hidden, with the reason."
        ).format(k=funnel.k)
    )
    st.markdown(_("**By internal market**"))
    funnel_table(funnel.markets, funnel.k, indent=False)
    st.markdown(_("**By department**"))
    funnel_table(funnel.departments, funnel.k, indent=True)
    st.subheader(_("Lift"))
    if not lift.readings:
        st.info(
            _("Lift needs a closed wave before launch and one after the campaign."),
            icon=":material/hourglass_empty:",
        )
        return
    st.caption(
        _(
            "Change between wave {before} and wave {after} in the departments the campaign "
            "reached, minus the change in comparable departments it did not reach "
            "(difference in differences with departments as the unit; {level} randomisation "
            "interval over which departments were targeted)."
        ).format(before=lift.before_wave, after=lift.after_wave, level=format_percent(CONFIDENCE))
    )
    if lift.preliminary:
        st.caption(_("The campaign is still live: this reading is preliminary."))
    for reading in lift.readings:
        final = reading.lift is not None and reading.lift.excludes_zero and not lift.preliminary
        icon = ":material/trending_up:" if final else None
        sentence = analytics.lift_sentence(reading, lift.preliminary)
        st.markdown(f"- {sentence}" + (f" {icon}" if icon else ""))


# ---- the Home feed ----


def _open(item_id: int) -> None:
    st.session_state["home.campaign"] = item_id


def feed(items: Sequence[FeedItem]) -> None:
    """Live campaigns for the person: new / read / acknowledged, with the reminder."""
    waiting = [
        i for i in items if i.must_acknowledge and i.state != campaigns.FeedState.ACKNOWLEDGED
    ]
    if waiting:
        message = ngettext(
            "{n} campaign is waiting for your acknowledgement.",
            "{n} campaigns are waiting for your acknowledgement.",
            len(waiting),
        ).format(n=len(waiting))
        st.warning(message, icon=":material/notification_important:")
    opened = st.session_state.get("home.campaign")
    for item in items:
        with st.container(border=True):
            head, badge = st.columns([5, 1])
            head.markdown(
                f"**{plain_label(item.title)}**  \n"
                + _("{pillar} · until {date}").format(
                    pillar=pillar_label(item.pillar), date=format_date(item.ends_on)
                )
            )
            badge.markdown(f":{_state_colour(item.state)}-badge[{_(_STATE[item.state])}]")
            if opened != item.id:
                read = st.button(
                    _("Read the message"), key=f"home.read.{item.id}", icon=":material/drafts:"
                )
                if read and act(campaigns.open_campaign, campaign_id=item.id) is not None:
                    _open(item.id)
                    st.rerun()
                continue
            _campaign_body(item)


def _state_colour(state: str) -> str:
    return {"new": "blue", "read": "orange", "acknowledged": "green"}.get(state, "gray")


def _campaign_body(item: FeedItem) -> None:
    if item.fell_back:
        fallback_notice()
    st.markdown(safe_markdown(item.message))
    if item.modules:
        nav.link("pages/learn.py", _("Read the linked modules"), icon=":material/school:")
    if item.must_acknowledge and item.state != campaigns.FeedState.ACKNOWLEDGED:
        if not item.can_acknowledge:
            st.caption(_("Pass the check of the linked modules first, then acknowledge."))
        if (
            st.button(
                _("I have read and understood"),
                key=f"home.ack.{item.id}",
                type="primary",
                disabled=not item.can_acknowledge,
                icon=":material/task_alt:",
            )
            and act(campaigns.acknowledge_campaign, campaign_id=item.id) is not None
        ):
            flash(_("Thank you: acknowledged."))
            st.rerun()


def load_feed() -> list[FeedItem]:
    return load(campaigns.my_campaigns)
