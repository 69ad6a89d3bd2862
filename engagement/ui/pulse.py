"""My pulse and the morning check-in: the answering forms and “what we heard”."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import streamlit as st

from engagement.db import unit_of_work
from engagement.i18n import _, format_date, format_percent
from engagement.measures.suppression import reason_text
from engagement.privacy import checkin_scope, wave_scope
from engagement.questions import (
    CHANGE_PATH,
    FIRST_THOUGHT_ITEM,
    Item,
    ItemType,
    default_bank,
    dimension_label,
    option_text,
)
from engagement.safe_text import plain_label
from engagement.services import pulses, reports
from engagement.services.pulses import OpenWave
from engagement.ui.context import act, engine, flash, load, release_pooled, settings


@st.cache_data(ttl=600, show_spinner=False)
def _open_waves_for(day: date, url: str) -> int:
    """Open due waves at most every ten minutes per process (the CLI `tick` does it too)."""
    with unit_of_work(engine()) as session:
        return pulses.open_due_waves(session, day)


def ensure_waves_open() -> None:
    _open_waves_for(date.today(), settings().database_url)


def _question(item: Item, key: str) -> object:
    wording, fallback = item.wording()
    text = plain_label(wording)  # HR may write their own questions
    bank = default_bank()
    value: object
    if item.type is ItemType.LIKERT5:
        labels = bank.scale_labels()
        value = st.radio(
            text,
            [1, 2, 3, 4, 5],
            index=None,
            horizontal=True,
            key=key,
            format_func=lambda v: labels[v - 1],
        )
    else:
        options = {o.id: plain_label(option_text(o)) for o in item.options}
        value = st.radio(text, list(options), index=None, key=key, format_func=options.__getitem__)
    if fallback:
        st.caption(_("This question is not yet translated into your language."))
    return value


def answer_form(wave: OpenWave) -> None:
    """One short form: every question skippable, an optional comment, one submission."""
    key = f"pulse.{wave.wave_id}"
    with st.form(key, border=True):
        st.subheader(plain_label(wave.pulse_name))
        st.caption(
            _("Every question is optional. Open until {date}.").format(
                date=format_date(wave.closes_on)
            )
        )
        answers = {item.id: _question(item, f"{key}.{item.id}") for item in wave.items}
        comment = None
        if wave.allow_comment:
            comment = st.text_area(
                _("Anything to add? (optional)"),
                max_chars=pulses.COMMENT_MAX,
                key=f"{key}.comment",
                help=_(
                    "Comments are shown only for groups of 10 people or more, never with your "
                    "name, and only once enough others have written, so that no one can tell "
                    "it was you."
                ),
            )
        sent = st.form_submit_button(_("Send my answers"), type="primary")
        if sent and act(
            pulses.submit_response,
            idempotent=True,  # one answer per participation token: a retry adds nothing
            wave_id=wave.wave_id,
            answers=answers,
            comment=comment,
        ):
            release_pooled(wave_scope(wave.wave_id))
            flash(
                _(
                    "Thank you! Your answers were recorded without your name. They count, "
                    "and your comment is shown, once enough others have answered, so that no "
                    "one can tell it was you."
                )
            )
            st.rerun()


def heard(rows: Sequence[reports.HeardRow], k: int) -> None:
    """My department's and the company's results, or why they are hidden."""
    st.caption(_("Share of favorable answers (agree or strongly agree) in the previous wave."))
    for row in rows:
        st.markdown(f"**{plain_label(row.label)}**")
        if row.measures is None:
            st.caption(reason_text(row.hidden, k) if row.hidden else _("No results yet."))
            continue
        columns = st.columns(len(CHANGE_PATH))
        for column, dim in zip(columns, CHANGE_PATH, strict=True):
            pct = row.measures.dimensions[dim].favorable_pct
            column.metric(dimension_label(dim), "—" if pct is None else format_percent(pct))


def checkin_card() -> None:
    """The one-tap morning check-in, on the first visit of the day."""
    if not load(pulses.checkin_due):
        return
    item = default_bank().item(FIRST_THOUGHT_ITEM)
    options = {o.id: option_text(o) for o in item.options}
    with st.container(border=True):
        picked = st.pills(
            _("**Good morning!** {question}").format(question=item.wording()[0]),
            list(options),
            format_func=options.__getitem__,
            selection_mode="single",
            key="checkin.choice",
        )
        if picked:
            if act(pulses.submit_checkin, idempotent=True, choice=picked):
                release_pooled(checkin_scope(date.today()))
            flash(_("Thank you! See you tomorrow."))
            st.rerun()
        if st.button(_("Not today"), key="checkin.dismiss", type="tertiary"):
            act(pulses.submit_checkin, idempotent=True, choice=None)
            st.rerun()
