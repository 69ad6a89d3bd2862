"""The HR pulses page: the list of pulses and the form that creates one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from engagement.i18n import (
    N_,
    _,
    display_name,
    format_date,
    format_percent,
    language_label,
    missing_languages,
)
from engagement.models import Cadence
from engagement.names import sort_key
from engagement.questions import Dimension, default_bank, dimension_label
from engagement.safe_text import plain_label
from engagement.services import pulses
from engagement.services.markets import MarketSummary
from engagement.services.pulses import CustomQuestion, PulseDraft, PulseSummary
from engagement.ui.context import act, flash
from engagement.ui.render import name_inputs

_CADENCES = {
    Cadence.WEEKLY.value: N_("Every week"),
    Cadence.BIWEEKLY.value: N_("Every two weeks"),
    Cadence.MONTHLY.value: N_("Every month"),
    Cadence.ONCE.value: N_("Once"),
}


def cadence_label(code: str) -> str:
    return _(_CADENCES.get(code, code))


def pulses_table(rows: Sequence[PulseSummary], k: int) -> None:
    """Pulses with their targets, waves and how the open wave is going."""
    everyone = _("Everyone")

    def progress(p: PulseSummary) -> str:
        if p.current is None:
            return _("No wave open")
        if p.answered is None:
            return _("Fewer than {k} answers so far").format(k=k)
        return _("{answered} of {invited} answered ({pct})").format(
            answered=p.answered, invited=p.invited, pct=format_percent(p.answered / p.invited)
        )

    frame = pd.DataFrame(
        {
            "name": [p.label for p in rows],
            "cadence": [cadence_label(p.cadence) for p in rows],
            "targets": [", ".join(p.targets) or everyone for p in rows],
            "questions": [p.questions for p in rows],
            "waves": [p.waves for p in rows],
            "open": [
                _("Wave {n}, until {date}").format(n=p.current[0], date=format_date(p.current[2]))
                if p.current
                else "—"
                for p in rows
            ],
            "progress": [progress(p) for p in rows],
            "next": [format_date(p.next_opening) if p.next_opening else "—" for p in rows],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "name": st.column_config.TextColumn(_("Pulse")),
            "cadence": st.column_config.TextColumn(_("Cadence")),
            "targets": st.column_config.TextColumn(_("Internal markets")),
            "questions": st.column_config.NumberColumn(_("Questions")),
            "waves": st.column_config.NumberColumn(_("Waves so far")),
            "open": st.column_config.TextColumn(_("Open now")),
            "progress": st.column_config.TextColumn(_("Answers")),
            "next": st.column_config.TextColumn(_("Next wave")),
        },
    )


def create_form(markets: Sequence[MarketSummary]) -> None:
    """The form that creates a pulse; its first wave opens on its start date."""
    bank = default_bank()
    questions = {i.id: i.wording()[0] for i in bank.items.values()}
    targets = {m.id: m.label for m in markets}
    today = date.today()
    with st.form("pulses.create", border=True):
        st.subheader(_("New pulse"))
        names = name_inputs("pulses.name", {})
        picked = st.multiselect(
            _("Questions from the bank"),
            list(questions),
            default=list(questions),
            format_func=questions.__getitem__,
            key="pulses.items",
        )
        with st.expander(_("Add a question of your own (1–5 scale)")):
            text_en = st.text_input(_("Wording in English"), max_chars=300, key="pulses.custom.en")
            text_fr = st.text_input(_("Wording in French"), max_chars=300, key="pulses.custom.fr")
            dims = [None, *(d.value for d in Dimension if d is not Dimension.CUSTOMER_THOUGHT)]
            dimension = st.selectbox(
                _("Counts towards"),
                dims,
                key="pulses.custom.dimension",
                format_func=lambda d: _("No dimension") if d is None else dimension_label(d),
            )
        market_ids = st.multiselect(
            _("Internal markets (leave empty for everyone)"),
            list(targets),
            format_func=targets.__getitem__,
            key="pulses.targets",
            placeholder=_("Everyone"),
        )
        left, middle, right = st.columns(3)
        cadence = left.selectbox(
            _("Cadence"), list(_CADENCES), format_func=cadence_label, key="pulses.cadence"
        )
        open_days = middle.number_input(_("Open for (days)"), 1, 31, 5, key="pulses.open_days")
        start = right.date_input(
            _("First wave opens on"),
            value=today + timedelta(days=(7 - today.weekday()) % 7),
            min_value=today,
            key="pulses.start",
            format="YYYY-MM-DD",
        )
        allow_comment = st.checkbox(
            _("Allow an optional comment"), value=True, key="pulses.comment"
        )
        if st.form_submit_button(_("Create pulse"), type="primary"):
            draft = PulseDraft(
                names=names,
                item_ids=picked,
                start_date=start,
                cadence=cadence,
                open_days=int(open_days),
                market_ids=market_ids,
                allow_comment=allow_comment,
                custom=[CustomQuestion(text_en, text_fr, dimension)],
            )
            if act(pulses.create_pulse, draft=draft):
                flash(
                    _("Created “{name}”. Its first wave opens on {date}.").format(
                        name=plain_label(display_name("", names)), date=format_date(start)
                    )
                )
                st.rerun()


def rename_form(rows: Sequence[PulseSummary]) -> None:
    """Change a pulse's names, e.g. to give it the French name it lacks."""
    lacking = {p.id: missing_languages(p.names) for p in rows if missing_languages(p.names)}
    for pulse in rows:
        for lang in lacking.get(pulse.id, []):
            st.markdown(
                _("- {name} — no name in {language} yet").format(
                    name=plain_label(pulse.label), language=language_label(lang)
                )
            )
    by_id = {p.id: p for p in rows}
    # open on a pulse that lacks a name first: that is what people come here to do
    options = sorted(by_id, key=lambda i: (i not in lacking, sort_key(by_id[i].label)))
    picked = st.selectbox(
        _("Pulse survey to rename"),
        options,
        format_func=lambda i: by_id[i].label,
        key="pulses.rename.pick",
    )
    if picked is None:
        return
    pulse = by_id[picked]
    key = f"pulses.rename.{pulse.id}"
    typed = name_inputs(f"{key}.name", pulse.names or {"en": pulse.name})
    saving = st.button(_("Save names"), key=f"{key}.save", icon=":material/save:")
    if saving and act(pulses.rename_pulse, pulse_id=pulse.id, names=typed) is not None:
        flash(_("Saved “{name}”.").format(name=plain_label(display_name("", typed))))
        st.rerun()


def translations(missing: Sequence[pulses.MissingTranslation]) -> None:
    """Which questions people would see in the other language."""
    if not missing:
        st.caption(_("Every question is available in English and in French."))
        return
    st.warning(
        _("Some questions lack a translation; people reading that language see the other one:"),
        icon=":material/translate:",
    )
    for m in missing:
        st.markdown(
            _("- {where}: “{question}” — missing in {language}").format(
                where=plain_label(m.where) if m.where else _("question bank"),
                question=plain_label(m.question),
                language=language_label(m.language),
            )
        )
