"""The internal-market builder and profile: widgets and charts for pages/markets.py."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd
import streamlit as st

from engagement.i18n import _, display_name, format_date, format_number, ngettext
from engagement.markets import TENURE_BANDS, Criteria, MarketRules, tenure_label
from engagement.safe_text import plain_label, plain_markdown
from engagement.services import markets as svc
from engagement.services.markets import (
    Composition,
    MarketPreview,
    MarketSummary,
    RuleChoices,
    SnapshotRow,
)
from engagement.ui.campaigns import fallback_notice
from engagement.ui.context import act, flash, load
from engagement.ui.render import INDENT, language_inputs, name_inputs

ANY, YES, NO = "any", "yes", "no"


def _tristate(label: str, value: bool | None, key: str) -> bool | None:
    names = {ANY: _("Any"), YES: _("Yes"), NO: _("No")}
    current = ANY if value is None else (YES if value else NO)
    picked = st.segmented_control(
        label, list(names), format_func=names.__getitem__, default=current, key=key
    )
    return None if picked in (None, ANY) else picked == YES


def _criteria_widgets(
    choices: RuleChoices, current: Criteria, key: str, *, excluding: bool
) -> Criteria:
    depts = {i: INDENT * depth + name for i, name, depth in choices.departments}
    left, right = st.columns(2)
    department_ids = left.multiselect(
        _("Departments (each with everything below it)"),
        list(depts),
        default=[d for d in current.department_ids if d in depts],
        format_func=depts.__getitem__,
        placeholder=_("Any"),
        key=f"{key}.departments",
    )
    tenure = right.multiselect(
        _("Time with the company"),
        list(TENURE_BANDS),
        default=current.tenure_bands,
        format_func=tenure_label,
        placeholder=_("Any"),
        key=f"{key}.tenure",
    )
    locations = left.multiselect(
        _("Locations"),
        choices.locations,
        default=[v for v in current.locations if v in choices.locations],
        placeholder=_("Any"),
        key=f"{key}.locations",
    )
    families = right.multiselect(
        _("Job families"),
        choices.job_families,
        default=[v for v in current.job_families if v in choices.job_families],
        placeholder=_("Any"),
        key=f"{key}.families",
    )
    level_min = level_max = None
    customer_facing = None
    if not excluding and choices.levels:
        levels = [None, *choices.levels]
        level_min = left.selectbox(
            _("Lowest level"),
            levels,
            index=levels.index(current.level_min) if current.level_min in levels else 0,
            format_func=lambda v: _("Any") if v is None else str(v),
            key=f"{key}.level_min",
        )
        level_max = right.selectbox(
            _("Highest level"),
            levels,
            index=levels.index(current.level_max) if current.level_max in levels else 0,
            format_func=lambda v: _("Any") if v is None else str(v),
            key=f"{key}.level_max",
        )
    if not excluding:
        customer_facing = _tristate(_("Customer-facing"), current.customer_facing, f"{key}.cf")
    managers = _tristate(_("People managers"), current.people_managers, f"{key}.managers")
    extra: dict[str, list[str]] = {}
    if choices.extra:
        with st.expander(_("Other attributes from the HR file")):
            for name, values in choices.extra.items():
                extra[name] = st.multiselect(
                    plain_label(name),
                    values,
                    default=[v for v in current.extra.get(name, []) if v in values],
                    placeholder=_("Any"),
                    key=f"{key}.extra.{name}",
                )
    return Criteria(
        department_ids=department_ids,
        locations=locations,
        job_families=families,
        level_min=level_min,
        level_max=level_max,
        tenure_bands=tenure,
        customer_facing=customer_facing,
        people_managers=managers,
        extra={k: v for k, v in extra.items() if v},
    )


def rule_builder(choices: RuleChoices, rules: MarketRules, key: str) -> MarketRules:
    """Widgets for a market's rules; returns the rules as currently set."""
    st.markdown(
        _(
            "**Who is in it** — people matching every field you set "
            "(any of the values within a field)"
        )
    )
    include = _criteria_widgets(choices, rules.include, f"{key}.inc", excluding=False)
    with st.expander(_("Exclude people who…"), expanded=not rules.exclude.is_empty()):
        st.caption(_("Anyone matching any of these is left out."))
        exclude = _criteria_widgets(choices, rules.exclude, f"{key}.exc", excluding=True)
    return MarketRules(include=include, exclude=exclude)


def describe_rules(rules: MarketRules, choices: RuleChoices) -> str:
    """The rules in words, for people who read markets without editing them."""
    depts = {i: name for i, name, _depth in choices.departments}

    def parts(c: Criteria) -> list[str]:
        out = []
        if c.department_ids:
            names = ", ".join(plain_label(depts.get(i, "?")) for i in c.department_ids)
            out.append(_("in {departments} (with everything below)").format(departments=names))
        if c.locations:
            out.append(
                _("located in {values}").format(values=", ".join(map(plain_label, c.locations)))
            )
        if c.job_families:
            out.append(
                _("in the job families {values}").format(
                    values=", ".join(map(plain_label, c.job_families))
                )
            )
        if c.level_min is not None or c.level_max is not None:
            out.append(
                _("at levels {low} to {high}").format(
                    low=c.level_min if c.level_min is not None else "…",
                    high=c.level_max if c.level_max is not None else "…",
                )
            )
        if c.tenure_bands:
            bands = ", ".join(tenure_label(b) for b in c.tenure_bands)
            out.append(_("with the company for {bands}").format(bands=bands.lower()))
        if c.customer_facing is not None:
            out.append(_("customer-facing") if c.customer_facing else _("not customer-facing"))
        if c.people_managers is not None:
            out.append(_("managing people") if c.people_managers else _("not managing people"))
        for name, values in c.extra.items():
            shown = ", ".join(map(plain_label, values))
            out.append(_("{attribute}: {values}").format(attribute=plain_label(name), values=shown))
        return out

    lines = [f"- {p}" for p in parts(rules.include)] or [_("- Everyone in the company")]
    excluded = parts(rules.exclude)
    if excluded:
        lines.append(_("**Except people**"))
        lines.extend(f"- {p}" for p in excluded)
    return "\n".join(lines)


def composition_chart(items: Sequence[Composition], title: str) -> alt.Chart:
    """Members by one attribute, as labelled horizontal bars (top 12)."""
    data = pd.DataFrame([{"label": c.label, "people": c.people} for c in items[:12]])
    people = _("People")
    chart: alt.Chart = (
        alt.Chart(data, title=title)
        .mark_bar(color="#0b6e69")
        .encode(
            x=alt.X("people:Q", title=people, axis=alt.Axis(tickMinStep=1, format="d")),
            y=alt.Y("label:N", sort="-x", title=None, axis=alt.Axis(labelLimit=160)),
            tooltip=[alt.Tooltip("label:N", title=title), alt.Tooltip("people:Q", title=people)],
        )
        .properties(height=alt.Step(24))  # a fixed band per bar, also inside a hidden tab
    )
    return chart


def size_and_composition(preview: MarketPreview) -> None:
    """The live size, the privacy note when small, and three composition charts."""
    st.metric(_("Members right now"), format_number(preview.size))
    if preview.size == 0:
        st.info(_("No one matches these rules yet. Loosen a rule to see members."))
        return
    if preview.below_threshold:
        st.warning(
            _(
                "This market has fewer than {k} people. You can still target it, but its "
                "survey results will be hidden to protect confidentiality."
            ).format(k=preview.min_group_size),
            icon=":material/visibility_off:",
        )
    columns = st.columns(3)
    for column, items, title in zip(
        columns,
        (preview.by_division, preview.by_location, preview.by_job_family),
        (_("Division"), _("Location"), _("Job family")),
        strict=True,
    ):
        column.altair_chart(composition_chart(items, title), theme=None, width="stretch")


def markets_table(markets: Sequence[MarketSummary], min_group_size: int) -> None:
    """The list of markets with their live sizes."""
    frame = pd.DataFrame(
        {
            "name": [m.label for m in markets],
            "size": [m.size for m in markets],
            "results": [
                _("Hidden (fewer than {k})").format(k=min_group_size)
                if m.size < min_group_size
                else _("Shown")
                for m in markets
            ],
            "description": [m.description for m in markets],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "name": st.column_config.TextColumn(_("Internal market")),
            "size": st.column_config.NumberColumn(_("Members"), help=_("Live, from the rules")),
            "results": st.column_config.TextColumn(_("Survey results")),
            "description": st.column_config.TextColumn(_("Description"), width="large"),
        },
    )


def launches(rows: Sequence[SnapshotRow]) -> None:
    """Campaigns and pulse waves launched to the market, or what will appear here."""
    if not rows:
        st.info(
            _(
                "No campaign or pulse has targeted this market yet. When HR launches one to it, "
                "it is listed here with the number of people targeted at launch."
            ),
            icon=":material/campaign:",
        )
        return
    for row in rows:
        st.markdown(
            ngettext(
                "- {date}: {reason} — {n} person targeted",
                "- {date}: {reason} — {n} people targeted",
                row.members,
            ).format(date=format_date(row.taken_at), reason=plain_label(row.reason), n=row.members)
        )


def profile(market: MarketSummary, min_group_size: int) -> None:
    """A market's profile: size, composition, launches to it, indicators to come."""
    st.subheader(plain_label(market.label))
    if market.description:
        st.markdown(plain_markdown(market.description))
        if market.description_fell_back:
            fallback_notice()
    size_and_composition(
        load(svc.preview_market, rules=market.rules, min_group_size=min_group_size)
    )
    st.markdown(_("#### Campaigns and pulses targeting it"))
    launches(load(svc.market_snapshots, market_id=market.id))
    st.markdown(_("#### Indicators"))
    st.info(
        _(
            "Understanding, desire and customer-thought indicators appear here once pulse "
            "results exist for this market."
        ),
        icon=":material/monitoring:",
    )


def editor(market: MarketSummary | None, choices: RuleChoices, min_group_size: int) -> None:
    """Names, descriptions and rules with a live preview, and the Save button (HR)."""
    key = f"markets.edit.{market.id if market else 'new'}"
    names = name_inputs(f"{key}.name", (market.names or {"en": market.name}) if market else {})
    descriptions = language_inputs(
        f"{key}.description",
        market.descriptions if market else {},
        label=_("Description ({language})"),
        max_chars=svc.DESCRIPTION_MAX,
        area=True,
    )
    rules = rule_builder(choices, market.rules if market else MarketRules(), key)
    st.markdown(_("#### Live preview"))
    size_and_composition(load(svc.preview_market, rules=rules, min_group_size=min_group_size))
    if st.button(_("Save market"), type="primary", key=f"{key}.save"):
        saved = act(
            svc.save_market,
            names=names,
            descriptions=descriptions,
            rules=rules,
            market_id=market.id if market else None,
        )
        if saved:
            flash(_("Saved “{name}”.").format(name=plain_label(display_name("", names))))
            st.query_params["market"] = str(saved)
            st.rerun()
