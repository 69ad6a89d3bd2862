"""What the statistics say, in words and small tables: trends, rising departments, drivers.

The methods live in engagement.measures (trends, drivers); this module only renders them.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from engagement.authz import Actor
from engagement.db import unit_of_work
from engagement.errors import VirageError
from engagement.i18n import N_, _, format_number, get_language, ngettext
from engagement.measures import drivers as driver_method
from engagement.measures import trends
from engagement.questions import CHANGE_PATH, Dimension, default_bank, dimension_label
from engagement.services import drivers as driver_service
from engagement.services import trend_report
from engagement.services.reports import Heatmap, TrendPoint
from engagement.ui.context import current_actor, engine, settings
from engagement.ui.render import INDENT


def trend_sentence(dimension: Dimension, trend: trends.Trend) -> str:
    """One plain sentence, such as “Understanding has risen over the last 6 waves, …”."""
    label = dimension_label(dimension)
    points = format_number(abs(trend.points_per_wave), 1)
    if trend.direction is trends.Direction.RISING:
        return ngettext(
            "{dimension} has risen over the last {n} wave, about {points} points a wave.",
            "{dimension} has risen over the last {n} waves, about {points} points a wave.",
            trend.waves,
        ).format(dimension=label, n=trend.waves, points=points)
    if trend.direction is trends.Direction.FALLING:
        return ngettext(
            "{dimension} has fallen over the last {n} wave, about {points} points a wave.",
            "{dimension} has fallen over the last {n} waves, about {points} points a wave.",
            trend.waves,
        ).format(dimension=label, n=trend.waves, points=points)
    if trend.direction is trends.Direction.FLAT:
        return ngettext(
            "{dimension}: no change beyond chance over the last {n} wave.",
            "{dimension}: no change beyond chance over the last {n} waves.",
            trend.waves,
        ).format(dimension=label, n=trend.waves)
    return _("{dimension}: too few waves shown yet to tell a trend.").format(dimension=label)


def trend_sentences(points: Sequence[TrendPoint]) -> list[str]:
    """A sentence per change-path dimension about a group's trend over its shown waves."""
    found = trends.dimension_trends([(p.number, p.measures) for p in points])
    return [trend_sentence(dim, found[dim]) for dim in CHANGE_PATH]


def company_trend_lines(history: Sequence[Heatmap]) -> None:
    """The company's trend per dimension, in plain sentences."""
    found = trend_report.company_trends(history)
    st.markdown("\n".join(f"- {trend_sentence(d, t)}" for d, t in found.items()))


def rising_table(history: Sequence[Heatmap]) -> None:
    """Departments rising beyond chance: their fastest dimension and its points a wave."""
    movers = trend_report.moving_departments(history, trends.Direction.RISING)
    if not movers:
        st.caption(_("No department rising beyond chance over these waves."))
        return
    frame = pd.DataFrame(
        {
            "department": [m.department for m in movers],
            "dimension": [dimension_label(m.dimension) for m in movers],
            "points": [m.trend.points_per_wave for m in movers],
            "waves": [m.trend.waves for m in movers],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "department": st.column_config.TextColumn(_("Department")),
            "dimension": st.column_config.TextColumn(_("Dimension")),
            "points": st.column_config.NumberColumn(_("Points a wave"), format="%+.1f"),
            "waves": st.column_config.NumberColumn(_("Waves")),
        },
    )


OUTCOME_LABELS = {
    driver_service.CUSTOMER_THOUGHT: N_("Customer thought on arrival"),
    Dimension.DESIRE.value: N_("Desire"),
}


def _driver_label(driver: driver_method.Driver) -> str:
    if not driver.is_item:
        return dimension_label(driver.dimension)
    item = default_bank().items.get(driver.name)
    words = item.wording(get_language())[0] if item else driver.name
    return f"{INDENT}{words}"


def drivers_view(
    report: Heatmap, version: tuple[int, int, int], scope: frozenset[int] | None, department: int
) -> None:
    """What goes with the customer thought (or desire) in this group: impact and priority."""
    st.markdown(_("#### What goes with the outcome"))
    outcome = st.segmented_control(
        _("Outcome"),
        list(OUTCOME_LABELS),
        format_func=lambda o: _(OUTCOME_LABELS[o]),
        default=driver_service.CUSTOMER_THOUGHT,
        key="heatmap.driver_outcome",
    )
    outcome = outcome or driver_service.CUSTOMER_THOUGHT
    try:
        found = _cached_drivers(
            settings().database_url,
            report.wave_id,
            report.market,
            version,
            scope,
            department,
            outcome,
            report,
            current_actor(),
        )
    except VirageError as exc:
        st.error(str(exc))
        return
    if found is None:
        st.caption(_("Drivers are shown for groups the heatmap shows, without a market filter."))
        return
    if found.fallback:
        st.info(
            _("Fewer than {n} respondents answered here: these are the company's drivers.").format(
                n=driver_method.MIN_RESPONDENTS
            ),
            icon=":material/info:",
        )
    if not found.drivers:
        st.caption(
            _("Too few respondents for a driver analysis (at least {n}).").format(
                n=driver_method.MIN_RESPONDENTS
            )
        )
        return
    best = max(found.drivers, key=lambda d: d.priority)
    if best.priority > 0:
        st.markdown(
            _(
                "Where to start: **{driver}** (favorable {pct} %), which goes with "
                "{outcome} (impact {impact})."
            ).format(
                driver=_driver_label(best).strip(),
                pct=best.favorable_pct,
                outcome=_(OUTCOME_LABELS[outcome]).lower(),
                impact=format_number(best.impact, 2),
            )
        )
    else:
        st.markdown(_("No driver goes with this outcome beyond chance in this wave."))
    st.dataframe(
        pd.DataFrame(
            {
                "driver": [_driver_label(d) for d in found.drivers],
                "favorable": [d.favorable_pct for d in found.drivers],
                "impact": [d.impact for d in found.drivers],
                "beyond": [_("yes") if d.significant else _("no") for d in found.drivers],
                "priority": [d.priority or None for d in found.drivers],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "driver": st.column_config.TextColumn(_("Driver")),
            "favorable": st.column_config.NumberColumn(_("Favorable %")),
            "impact": st.column_config.NumberColumn(_("Impact"), format="%.2f"),
            "beyond": st.column_config.TextColumn(_("Beyond chance")),
            "priority": st.column_config.NumberColumn(_("Priority"), format="%.2f"),
        },
    )
    st.caption(
        _(
            "Impact: the correlation, across respondents of this wave, between a driver and the "
            "outcome. Beyond chance: at most 1 in 20 of these flagged falsely. Priority = "
            "(1 − favorable share) × impact: low score, high impact first. At least {n} "
            "respondents are needed."
        ).format(n=driver_method.MIN_RESPONDENTS)
    )


@st.cache_data(ttl=600, show_spinner=False, max_entries=256)
def _cached_drivers(
    url: str,
    wave_id: int,
    market: str | None,  # a filtered report has no drivers: part of the key
    version: tuple[int, int, int],
    scope: frozenset[int] | None,  # who may read them follows from the scope
    department: int,
    outcome: str,
    _report: Heatmap,
    _actor: Actor,
) -> driver_service.DriverReport | None:
    with unit_of_work(engine()) as session:
        return driver_service.driver_analysis(
            session=session, actor=_actor, report=_report, department_id=department, outcome=outcome
        )
