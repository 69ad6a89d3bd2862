"""Coaching on screen: a team's measures and nudges, the conversation guide, the coaching log
with its follow-through, the logs HR partners and admins may read, and HR-partner assignment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
import streamlit as st

from engagement.coaching_guides import shipped_guides
from engagement.i18n import _, format_date, format_number, format_percent, ngettext
from engagement.measures.suppression import reason_text
from engagement.models.coaching import COMMITMENTS_MAX, NOTES_MAX, TOPIC_MAX
from engagement.questions import CHANGE_PATH, Dimension, dimension_label
from engagement.safe_text import plain_label, plain_markdown
from engagement.services import coaching, directory, reports, roles, team_measures
from engagement.services.coaching import LogDraft, LogView, Nudges, Team
from engagement.services.reports import Heatmap, HeatmapRow, WaveOption
from engagement.services.team_measures import Drops, FollowThrough
from engagement.ui import heatmap as heatmap_view
from engagement.ui.context import act, flash, load, privacy_thresholds
from engagement.ui.render import INDENT, department_label

DIMENSIONS = (*CHANGE_PATH, Dimension.CUSTOMER_THOUGHT)


def team_picker(teams: Sequence[Team]) -> Team:
    """The team to coach (a department the manager manages, or one below it)."""
    by_id = {t.id: t for t in teams}
    chosen = st.selectbox(
        _("Team"),
        list(by_id),
        format_func=lambda i: INDENT * by_id[i].depth + by_id[i].name,
        key="coaching.team",
    )
    return by_id[chosen]


class Waves:
    """The closed waves of the latest pulse, and their reports (scoped, cached), on demand."""

    def __init__(self) -> None:
        self.closed: list[WaveOption] = [w for w in load(reports.wave_options) if not w.is_open]
        self._reports: dict[int, Heatmap] = {}

    def report(self, wave_id: int) -> Heatmap:
        if wave_id not in self._reports:
            self._reports[wave_id] = heatmap_view.report_for(wave_id, None)
        return self._reports[wave_id]

    @property
    def latest(self) -> WaveOption | None:
        return self.closed[0] if self.closed else None

    def previous(self) -> Heatmap | None:
        if self.latest is None:
            return None
        before = load(reports.previous_wave_id_for, wave_id=self.latest.id)
        return self.report(before) if before else None

    def series(self, held_on: Sequence[date]) -> list[Heatmap]:
        """The reports the follow-through of conversations on these days needs."""
        if self.latest is None or not held_on:
            return []
        ids = load(reports.wave_ids_until, wave_id=self.latest.id)
        opens = {w.id: w.opens_on for w in self.closed}
        dated = [(i, opens[i]) for i in ids if i in opens]
        return [self.report(i) for i in team_measures.waves_needed(dated, held_on)]


def _share(value: float | None) -> str:
    return "—" if value is None else format_percent(value)


def measures(row: HeatmapRow, wave: WaveOption, k: int) -> Dimension | None:
    """The team's figures in the latest closed wave and its barrier point (None when hidden)."""
    st.caption(
        _("{pulse}, wave {n} (closed {date}): share of favorable answers.").format(
            pulse=plain_label(wave.pulse), n=wave.number, date=format_date(wave.closes_on)
        )
    )
    if row.measures is None:
        st.warning(
            _("This team's figures are not shown for this wave. {reason}.").format(
                reason=reason_text(row.hidden, k) if row.hidden else _("No answers yet")
            ),
            icon=":material/visibility_off:",
        )
        return None
    m = row.measures
    columns = st.columns(len(DIMENSIONS))
    for column, dim in zip(columns, DIMENSIONS, strict=True):
        share = team_measures.reading(m, dim)[0]
        column.metric(dimension_label(dim), _share(share))
    if m.barrier_point:
        st.markdown(
            _("**Barrier point: {dimension}.** Coaching should start there.").format(
                dimension=dimension_label(m.barrier_point)
            )
        )
    else:
        st.markdown(_("**No barrier point:** every step of the change is at 60 % or more."))
    return m.barrier_point


def nudges(found: Nudges, drops: Drops, k: int) -> None:
    """What needs attention: time since the last talk, open items, drops, follow-ups due."""
    lines = []
    if found.days_since_last is None:
        lines.append(_("No coaching conversation logged with this team yet."))
    else:
        lines.append(
            ngettext(
                "{n} day since your last coaching conversation with this team (or one below it).",
                "{n} days since your last coaching conversation with this team (or one below it).",
                found.days_since_last,
            ).format(n=format_number(found.days_since_last))
        )
    lines.append(
        ngettext(
            "{n} open question or objection from this team on the board.",
            "{n} open questions or objections from this team on the board.",
            found.open_items,
        ).format(n=format_number(found.open_items))
    )
    if drops.hidden:
        lines.append(
            _("Changes since the previous wave are not shown. {reason}.").format(
                reason=reason_text(drops.hidden, k)
            )
        )
    elif drops.compared and not drops.drops:
        lines.append(_("No significant drop since the previous wave."))
    for drop in drops.drops:
        lines.append(
            _("Significant drop in {dimension}: {before} → {now}.").format(
                dimension=dimension_label(drop.dimension),
                before=format_percent(drop.before),
                now=format_percent(drop.now),
            )
        )
    for log in found.follow_ups_due:
        lines.append(
            _("Follow-up due since {date}: “{topic}”.").format(
                date=format_date(log.follow_up_on or log.held_on), topic=plain_label(log.topic)
            )
        )
    st.markdown("\n".join(f"- {line}" for line in lines))


def guide(default: Dimension) -> None:
    """The conversation guide for a dimension (the barrier point by default)."""
    choice = st.selectbox(
        _("Conversation guide for"),
        [d.value for d in DIMENSIONS],
        index=[d.value for d in DIMENSIONS].index(default.value),
        format_func=dimension_label,
        key="coaching.guide",
    )
    library = shipped_guides()
    found, fell_back = library.pick(Dimension(choice))
    if found is None:
        st.warning(_("No conversation guide for this dimension yet."), icon=":material/menu_book:")
        for error in library.errors:
            st.caption(str(error))
        return
    st.markdown(f"#### {found.title}")
    st.caption(
        ngettext("About {n} minute.", "About {n} minutes.", found.minutes).format(n=found.minutes)
        + " "
        + found.summary
    )
    if fell_back:
        st.caption(_("This guide is not yet translated into your language."))
    for tab, section in zip(
        st.tabs([s.title for s in found.sections]), found.sections, strict=True
    ):
        with tab:
            st.markdown(section.body)


def log_form(team: Team, default: Dimension) -> None:
    """Log a conversation with the team."""
    with st.form("coaching.log", clear_on_submit=True, border=True):
        st.markdown(
            _("**Log a coaching conversation with {team}**").format(team=plain_label(team.name))
        )
        a, b, c = st.columns(3)
        held_on = a.date_input(
            _("Held on"), value=date.today(), max_value=date.today(), key="coaching.log.held_on"
        )
        dimension = b.selectbox(
            _("About"),
            [d.value for d in DIMENSIONS],
            index=[d.value for d in DIMENSIONS].index(default.value),
            format_func=dimension_label,
            key="coaching.log.dimension",
        )
        follow_up = c.date_input(
            _("Follow up on (optional)"), value=None, key="coaching.log.follow_up"
        )
        topic = st.text_input(_("Topic"), max_chars=TOPIC_MAX, key="coaching.log.topic")
        notes = st.text_area(
            _("What was said"), max_chars=NOTES_MAX, key="coaching.log.notes", height=120
        )
        commitments = st.text_area(
            _("What we agreed"), max_chars=COMMITMENTS_MAX, key="coaching.log.commitments"
        )
        st.caption(
            _(
                "Private: only you, the team's HR partner and administrators can read it. "
                "Write about the team, not about individuals."
            )
        )
        if not st.form_submit_button(_("Save to my coaching log"), type="primary"):
            return
        draft = LogDraft(
            department_id=team.id,
            held_on=held_on if isinstance(held_on, date) else date.today(),
            dimension=dimension,
            topic=topic,
            notes=notes,
            commitments=commitments,
            follow_up_on=follow_up if isinstance(follow_up, date) else None,
        )
        if act(coaching.save_log, draft=draft):
            flash(_("Saved to your coaching log."))
            st.rerun()


def _follow_frame(result: FollowThrough, k: int) -> pd.DataFrame:
    points = ([result.baseline] if result.baseline else []) + result.after
    rows = []
    for point in points:
        is_base = point is result.baseline
        if point.share is None:
            change = reason_text(point.hidden, k) if point.hidden else _("no answers")
        elif is_base:
            change = _("before the conversation")
        elif point.change is None:
            change = "—"
        else:
            change = _("{sign}{points} pts").format(
                sign="+" if point.change >= 0 else "−",
                points=format_number(abs(100 * point.change), 1),
            ) + (" *" if point.significant else "")
        rows.append(
            {
                "wave": _("Wave {n}, {date}").format(
                    n=point.wave_number, date=format_date(point.opens_on)
                ),
                "share": _share(point.share),
                "change": change,
            }
        )
    return pd.DataFrame(rows, columns=["wave", "share", "change"])


def _follow_through(result: FollowThrough, dimension: Dimension, k: int) -> None:
    if not result.after:
        st.caption(_("Follow-through appears once a wave has closed after this conversation."))
        return
    st.dataframe(
        _follow_frame(result, k),
        hide_index=True,
        width="stretch",
        column_config={
            "wave": st.column_config.TextColumn(_("Wave")),
            "share": st.column_config.TextColumn(dimension_label(dimension)),
            "change": st.column_config.TextColumn(
                _("Change"),
                help=_("* : a change beyond chance (at most 1 in 20 of these marks false)."),
                width="large",
            ),
        },
    )


def _log_body(log: LogView) -> None:
    if log.notes:
        st.markdown(_("**What was said**"))
        st.markdown(plain_markdown(log.notes))
    if log.commitments:
        st.markdown(_("**What we agreed**"))
        st.markdown(plain_markdown(log.commitments))
    if log.followed_up_on:
        st.caption(_("Followed up on {date}.").format(date=format_date(log.followed_up_on)))
    elif log.follow_up_on:
        st.caption(_("Follow-up planned for {date}.").format(date=format_date(log.follow_up_on)))


def _title(log: LogView) -> str:
    return _("{date} — {topic} ({dimension})").format(
        date=format_date(log.held_on),
        topic=plain_label(log.topic),
        dimension=dimension_label(log.dimension),
    )


def my_logs(logs: Sequence[LogView], waves: Waves, team: Team, k: int) -> None:
    """The manager's own logs for a team, each with its follow-through."""
    if not logs:
        st.info(
            _("Nothing logged with this team yet. After your next conversation, note it above."),
            icon=":material/edit_note:",
        )
        return
    series = waves.series([log.held_on for log in logs])
    for log in logs:
        with st.expander(_title(log), expanded=False):
            _log_body(log)
            due = log.follow_up_on and not log.followed_up_on and log.follow_up_on <= date.today()
            done = due and st.button(_("Follow-up done"), key=f"coaching.{log.id}.done")
            if done and act(coaching.mark_followed_up, log_id=log.id):
                st.rerun()
            st.markdown(_("**Follow-through**"))
            result = team_measures.follow_through(series, team.id, log.dimension, log.held_on)
            _follow_through(result, log.dimension, k)


def readable_logs(logs: Sequence[LogView]) -> None:
    """For HR partners and administrators: the logs they may read, newest first."""
    if not logs:
        st.info(
            _(
                "No coaching log you may read. HR partners read the logs of the departments an "
                "administrator assigned to them (Roles page)."
            ),
            icon=":material/lock:",
        )
        return
    for log in logs:
        with st.expander(
            f"{_title(log)} · {plain_label(log.department)} · {plain_label(log.manager)}"
        ):
            _log_body(log)


def manager_view() -> None:
    """Everything a manager coaches with, for one team they manage."""
    teams = load(coaching.coached_teams)
    team = team_picker(teams)
    k = privacy_thresholds().min_group_size
    waves = Waves()
    barrier = None
    with st.container(border=True):
        st.subheader(_("Where {team} stands").format(team=plain_label(team.name)))
        if waves.latest is None:
            st.info(_("Measures appear here once the first pulse wave has closed."))
            drops = Drops([], None, compared=False)
        else:
            latest = waves.report(waves.latest.id)
            barrier = measures(team_measures.team_row(latest, team.id), waves.latest, k)
            drops = team_measures.significant_drops(latest, waves.previous(), team.id)
        st.markdown(_("**Nudges**"))
        nudges(load(coaching.team_nudges, department_id=team.id), drops, k)
    default = barrier or Dimension.CUSTOMER_THOUGHT
    with st.container(border=True):
        st.subheader(_("Conversation guide"))
        guide(default)
    st.subheader(_("My coaching log"))
    log_form(team, default)
    my_logs(load(coaching.my_logs, department_id=team.id), waves, team, k)


# ---- HR partners (Roles page, admin) ----


def hr_partners_section() -> None:
    """Who partners which department: their coaching logs are readable to them."""
    with st.container(border=True):
        st.subheader(_("HR partners"))
        st.caption(
            _(
                "An HR partner may read the coaching logs of the departments they partner, "
                "and of everything below them."
            )
        )
        partners = load(coaching.list_hr_partners)
        if partners:
            st.dataframe(
                pd.DataFrame(
                    {
                        "department": [p.department for p in partners],
                        "name": [p.name for p in partners],
                    }
                ),
                hide_index=True,
                width="stretch",
                column_config={
                    "department": st.column_config.TextColumn(_("Department")),
                    "name": st.column_config.TextColumn(_("HR partner")),
                },
            )
        hr_people = {g.email: g.name for g in load(roles.list_grants) if g.role.value == "hr"}
        tree = load(directory.org_chart, scope="company")
        labels = {r.id: department_label(r) for r in tree}
        left, right = st.columns(2)
        email = left.selectbox(
            _("HR person"),
            list(hr_people),
            index=None,
            format_func=hr_people.__getitem__,
            placeholder=_("Someone holding the HR role"),
            key="roles.partner.person",
        )
        department = right.selectbox(
            _("Department"),
            list(labels),
            index=None,
            format_func=labels.__getitem__,
            placeholder=_("Choose a department"),
            key="roles.partner.department",
        )
        add, remove = st.columns(2)
        if add.button(_("Assign as HR partner"), key="roles.partner.assign"):
            if email is None or department is None:
                st.error(_("Choose an HR person and a department first."))
            elif message := act(coaching.assign_hr_partner, email=email, department_id=department):
                flash(message)
                st.rerun()
        if remove.button(_("Remove this assignment"), key="roles.partner.remove"):
            if email is None or department is None:
                st.error(_("Choose an HR person and a department first."))
            elif message := act(coaching.remove_hr_partner, email=email, department_id=department):
                flash(message)
                st.rerun()
