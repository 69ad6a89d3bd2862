"""Ask and object, and “you said, we did”: the board, its forms, and the Home and summary parts."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from engagement import PROJECT_DIR
from engagement.authz import Actor
from engagement.i18n import (
    LANGUAGES,
    N_,
    _,
    format_date,
    format_number,
    get_language,
    language_names,
    localized,
    missing_languages,
    ngettext,
)
from engagement.models import ItemKind, ItemStatus
from engagement.models.voice import ANSWER_MAX, BODY_MAX, REASON_MAX
from engagement.pillars import PILLARS, pillar_label
from engagement.questions import Dimension, dimension_label
from engagement.safe_text import plain_label, plain_markdown, safe_markdown
from engagement.services import answering, board, campaigns, reports, you_said
from engagement.services.answering import OwnerChoice
from engagement.services.board import BoardFilter, ItemView
from engagement.ui.context import act, choose_next_run, flash, load

PAGE_SIZE = 20
# the language a post was written in, named in the reader's language
_WRITTEN_IN = {"en": N_("written in English"), "fr": N_("written in French")}
ALL = ""
_STATUS_COLOURS = {
    ItemStatus.OPEN: "orange",
    ItemStatus.ANSWERED: "blue",
    ItemStatus.RESOLVED: "green",
    ItemStatus.DECLINED: "gray",
}


def fell_back_notice() -> None:
    st.caption(
        _("Not yet written in your language: shown in the language it was written in."),
        help=_("Leaders and HR can add the missing language when they edit it."),
    )


def can_answer(actor: Actor) -> bool:
    return actor.has_any(board.ANSWERERS)


# ---- posting ----


def post_form() -> None:
    """Ask a question or raise an objection, by name or anonymously."""
    mine = load(campaigns.my_campaigns)
    about: dict[str, str] = {f"pillar:{p.value}": pillar_label(p) for p in PILLARS}
    about |= {f"campaign:{c.id}": _("Campaign: {title}").format(title=c.title) for c in mine}
    names = language_names()
    with st.form("board.post", clear_on_submit=True, border=True):
        st.subheader(_("Ask a question or raise an objection"))
        left, middle, right = st.columns([2, 3, 2])
        kind = left.radio(
            _("It is"),
            [k.value for k in ItemKind],
            format_func=board.kind_label,
            horizontal=True,
            key="board.post.kind",
        )
        subject = middle.selectbox(
            _("About"), list(about), format_func=about.__getitem__, key="board.post.about"
        )
        written_in = right.selectbox(
            _("Written in"),
            list(LANGUAGES),
            index=list(LANGUAGES).index(get_language()) if get_language() in LANGUAGES else 0,
            format_func=names.__getitem__,
            key="board.post.language",
        )
        body = st.text_area(
            _("Your question or objection"),
            max_chars=BODY_MAX,
            key="board.post.body",
            placeholder=_("Say what you see, and what you would need. Be specific."),
        )
        anonymous = st.toggle(_("Post anonymously"), key="board.post.anonymous")
        st.caption(
            _(
                "Anonymous means your name is not stored anywhere — not in the board, not in "
                "any log. Nobody, not even you, can later find out that you wrote it. Your "
                "department is kept only when at least 10 people could have written it."
            )
        )
        if st.form_submit_button(_("Post"), type="primary"):
            what, _sep, ref = subject.partition(":")
            posted = act(
                board.post_item,
                kind=kind,
                body=body,
                anonymous=anonymous,
                pillar=ref if what == "pillar" else None,
                campaign_id=int(ref) if what == "campaign" else None,
                language=written_in,
            )
            if posted:
                flash(
                    _("Posted anonymously: no name was stored.")
                    if anonymous
                    else _("Posted under your name.")
                )
                st.rerun()


# ---- reading ----


def filters(actor: Actor) -> BoardFilter:
    """The board's filters, in one row."""
    statuses = [ALL, *(s.value for s in ItemStatus)]
    pillars = [ALL, *(p.value for p in PILLARS)]
    kinds = [ALL, *(k.value for k in ItemKind)]
    a, b, c, d = st.columns([2, 2, 2, 3])
    status = a.selectbox(
        _("Status"),
        statuses,
        format_func=lambda s: _("All") if s == ALL else board.status_label(s),
        key="board.filter.status",
    )
    pillar = b.selectbox(
        _("Pillar"),
        pillars,
        format_func=lambda p: _("All") if p == ALL else pillar_label(p),
        key="board.filter.pillar",
    )
    kind = c.selectbox(
        _("Kind"),
        kinds,
        format_func=lambda k: _("All") if k == ALL else board.kind_label(k),
        key="board.filter.kind",
    )
    order = d.radio(
        _("Order"),
        ["votes", "newest"],
        format_func=lambda o: _("Most upvoted") if o == "votes" else _("Newest"),
        horizontal=True,
        key="board.filter.order",
    )
    left, right = st.columns(2)
    only_mine = left.toggle(_("Only what I posted under my name"), key="board.filter.mine")
    hidden = (
        right.toggle(_("Show hidden items"), key="board.filter.hidden")
        if can_answer(actor)
        else False
    )
    return BoardFilter(
        status=status or None,
        pillar=pillar or None,
        kind=kind or None,
        order=order,
        mine=only_mine,
        include_hidden=hidden,
    )


def _byline(item: ItemView) -> str:
    who = _("Anonymous") if item.anonymous else (item.author or _("Someone who has left"))
    parts = [plain_label(who), format_date(item.posted_on)]
    if item.language != get_language() and item.language in _WRITTEN_IN:
        parts.append(_(_WRITTEN_IN[item.language]))
    return " · ".join(parts)


def _header(item: ItemView) -> None:
    about = pillar_label(item.pillar) if item.pillar else "—"
    if item.campaign:
        # a badge ends at the first "]": keep the campaign's title from closing it
        title = plain_label(item.campaign.replace("[", "(").replace("]", ")"))
        about = _("{pillar} · campaign “{title}”").format(pillar=about, title=title)
    tags = [
        f":{_STATUS_COLOURS[ItemStatus(item.status)]}-badge[{board.status_label(item.status)}]",
        f":violet-badge[{board.kind_label(item.kind)}]",
        f":gray-badge[{about}]",
    ]
    if item.dimension:
        tags.append(f":gray-badge[{dimension_label(item.dimension)}]")
    st.markdown(" ".join(tags))


def _answer(item: ItemView) -> None:
    if item.status == ItemStatus.DECLINED.value and item.decline_reason:
        st.markdown(_("**Declined:** {reason}").format(reason=plain_markdown(item.decline_reason)))
    if not item.answer:
        return
    text, fell_back = localized(item.answer)
    with st.container(border=True):
        st.caption(
            _("Answer from {name}, {date}").format(
                name=plain_label(item.answered_by) if item.answered_by else _("a leader"),
                date=format_date(item.answered_on) if item.answered_on else "",
            )
        )
        st.markdown(safe_markdown(text))
        if fell_back:
            fell_back_notice()


def _vote(item: ItemView) -> None:
    label = ngettext("{n} upvote", "{n} upvotes", item.votes).format(n=format_number(item.votes))
    if item.voted or item.hidden:
        st.button(
            label,
            key=f"board.{item.id}.vote",
            icon=":material/thumb_up:",
            disabled=True,
            help=_("You upvoted this.") if item.voted else None,
        )
        return
    clicked = st.button(
        label,
        key=f"board.{item.id}.vote",
        icon=":material/thumb_up:",
        help=_("Upvote: you can upvote each item once. Nobody can see who upvoted."),
    )
    if not clicked:
        return
    if act(board.upvote_item, item_id=item.id):
        st.rerun()


def item_card(item: ItemView, actor: Actor, owners: Sequence[OwnerChoice]) -> None:
    """One question or objection: what it says, who asked, its answer, votes, and for
    leaders and HR the tools to answer and triage it."""
    with st.container(border=True):
        _header(item)
        if item.hidden:
            st.warning(
                _("Hidden from the board: {reason}").format(
                    reason=plain_markdown(item.hidden_reason or "")
                ),
                icon=":material/visibility_off:",
            )
        st.markdown(plain_markdown(item.body))
        st.caption(_byline(item))
        _answer(item)
        if item.owner:
            st.caption(_("Owner: {name}").format(name=plain_label(item.owner)))
        _vote(item)
        if can_answer(actor):
            with st.expander(_("Answer and triage")):
                _answer_form(item)
                _triage_form(item, owners)
                _more_actions(item)


def _answer_form(item: ItemView) -> None:
    names = language_names()
    key = f"board.{item.id}.answer"
    with st.form(key, border=False):
        st.markdown(_("**Public answer** (English and/or French; Markdown, no HTML or images)"))
        columns = st.columns(len(LANGUAGES))
        texts = {
            lang: column.text_area(
                names[lang],
                value=item.answer.get(lang, ""),
                max_chars=ANSWER_MAX,
                height=160,
                key=f"{key}.{lang}",
            )
            for lang, column in zip(LANGUAGES, columns, strict=True)
        }
        missing = missing_languages(item.answer) if item.answer else []
        if item.answer and missing:
            st.caption(
                _(
                    "Missing: {languages}. Readers of it see the other language, with a notice."
                ).format(languages=", ".join(names[m] for m in missing))
            )
        resolve = st.checkbox(_("This settles it: mark as resolved"), key=f"{key}.resolve")
        sent = st.form_submit_button(_("Publish the answer"), type="primary")
        if not sent:
            return
        if act(answering.answer_item, item_id=item.id, answer=texts, resolve=resolve):
            flash(_("Answer published."))
            st.rerun()


def _triage_form(item: ItemView, owners: Sequence[OwnerChoice]) -> None:
    key = f"board.{item.id}.triage"
    people = {o.email: o.label for o in owners}
    statuses = [s.value for s in ItemStatus]
    pillars = [p.value for p in PILLARS]
    dims = [ALL, *(d.value for d in Dimension)]
    with st.form(key, border=False):
        st.markdown(_("**Tags, owner and status**"))
        a, b, c, d = st.columns(4)
        pillar = a.selectbox(
            _("Pillar"),
            pillars,
            index=pillars.index(item.pillar) if item.pillar in pillars else 0,
            format_func=pillar_label,
            key=f"{key}.pillar",
        )
        dimension = b.selectbox(
            _("Dimension it touches"),
            dims,
            index=dims.index(item.dimension) if item.dimension in dims else 0,
            format_func=lambda x: _("Not set") if x == ALL else dimension_label(x),
            key=f"{key}.dimension",
        )
        owner_keys = [ALL, *people]
        owner = c.selectbox(
            _("Owner"),
            owner_keys,
            index=owner_keys.index(item.owner_email) if item.owner_email in owner_keys else 0,
            format_func=lambda e: _("Nobody yet") if e == ALL else people[e],
            key=f"{key}.owner",
        )
        status = d.selectbox(
            _("Status"),
            statuses,
            index=statuses.index(item.status),
            format_func=board.status_label,
            key=f"{key}.status",
        )
        reason = st.text_input(
            _("Reason, when declined (shown with the item)"),
            value=item.decline_reason or "",
            max_chars=REASON_MAX,
            key=f"{key}.reason",
        )
        if not st.form_submit_button(_("Save")):
            return
        if act(
            answering.update_item,
            item_id=item.id,
            status=status,
            pillar=pillar,
            dimension=dimension or None,
            owner_email=owner or None,
            decline_reason=reason,
        ):
            flash(_("Saved."))
            st.rerun()


def _more_actions(item: ItemView) -> None:
    key = f"board.{item.id}"
    left, right = st.columns(2)
    with left:
        if item.answer and st.button(
            _("Turn the answer into campaign content"),
            key=f"{key}.campaign",
            icon=":material/campaign:",
            help=_(
                "Creates a draft campaign with the question and its answer, aimed at the "
                "internal markets of the campaign it was about. Edit and launch it on Campaigns."
            ),
        ):
            campaign_id = act(answering.turn_into_campaign, item_id=item.id)
            if campaign_id:
                choose_next_run("campaigns.choice", campaign_id)  # open it on Campaigns
                flash(
                    _(
                        "A draft campaign now carries this question and its answer: edit it, "
                        "then launch it."
                    )
                )
                st.switch_page(str(PROJECT_DIR / "pages/campaigns.py"))
    with right:
        if item.hidden:
            return
        reason = st.text_input(
            _("Why hide it? (kept in the audit log)"),
            max_chars=REASON_MAX,
            key=f"{key}.hide.reason",
        )
        hide = st.button(
            _("Hide from the board"), key=f"{key}.hide", icon=":material/visibility_off:"
        )
        if not hide:
            return
        if act(answering.hide_item, item_id=item.id, reason=reason):
            flash(_("Hidden from the board; kept for the audit."))
            st.rerun()


def board_list(actor: Actor, chosen: BoardFilter) -> None:
    """The items matching the filters, a page at a time."""
    items = load(board.list_items, filters=chosen)
    if not items:
        st.info(
            _(
                "Nothing here yet. Ask the first question: leaders and HR answer in public, "
                "and everyone can upvote what matters to them."
            ),
            icon=":material/forum:",
        )
        return
    shown = st.session_state.get("board.limit", PAGE_SIZE)
    owners = load(answering.owner_choices) if can_answer(actor) else []
    st.caption(ngettext("{n} item", "{n} items", len(items)).format(n=format_number(len(items))))
    for item in items[:shown]:
        item_card(item, actor, owners)
    if len(items) > shown and st.button(_("Show more"), key="board.more"):
        st.session_state["board.limit"] = shown + PAGE_SIZE
        st.rerun()


# ---- you said, we did ----


def _you_said_card(post: you_said.YouSaidView) -> None:
    with st.container(border=True):
        if post.pulse and post.wave_number:
            st.caption(
                _("After {pulse}, wave {n} · {date}").format(
                    pulse=plain_label(post.pulse),
                    n=post.wave_number,
                    date=format_date(post.published_at),
                )
            )
        else:
            st.caption(format_date(post.published_at))
        heard, changes = st.columns(2)
        with heard:
            st.markdown(_("**You said**"))
            st.markdown(safe_markdown(post.heard))
        with changes:
            st.markdown(_("**We will**"))
            st.markdown(safe_markdown(post.changes))
        if post.fell_back:
            fell_back_notice()


def you_said_we_did() -> None:
    """Home: the newest “you said, we did” posts (nothing when there is none)."""
    posts = load(you_said.list_you_said)
    if not posts:
        return
    st.subheader(_("You said, we did"))
    for post in posts[:1]:
        _you_said_card(post)
    if len(posts) > 1:
        with st.expander(_("Earlier")):
            for post in posts[1:]:
                _you_said_card(post)


def you_said_section(actor: Actor) -> None:
    """The board's “you said, we did” tab: what was published, and for HR and leaders a form."""
    if actor.has_any(you_said.PUBLISHERS):
        _you_said_form()
    posts = load(you_said.list_you_said, limit=20)
    if not posts:
        st.info(
            _(
                "Nothing published yet. After a pulse wave, HR and leaders say here what they "
                "heard and what will change."
            ),
            icon=":material/campaign:",
        )
    for post in posts:
        _you_said_card(post)


def _you_said_form() -> None:
    names = language_names()
    closed = [w for w in load(reports.wave_options) if not w.is_open][:12]
    waves = {w.id: _("{pulse}, wave {n}").format(pulse=w.pulse, n=w.number) for w in closed}
    with st.form("you_said.form", clear_on_submit=True, border=True):
        st.subheader(_("Publish “you said, we did”"))
        left, right = st.columns(2)
        wave = left.selectbox(
            _("After the wave"),
            [0, *waves],
            format_func=lambda w: _("No particular wave") if w == 0 else waves[w],
            key="you_said.wave",
        )
        pillar = right.selectbox(
            _("Pillar"),
            [ALL, *(p.value for p in PILLARS)],
            format_func=lambda p: _("Not set") if p == ALL else pillar_label(p),
            key="you_said.pillar",
        )
        heard: dict[str, str] = {}
        changes: dict[str, str] = {}
        for lang, column in zip(LANGUAGES, st.columns(len(LANGUAGES)), strict=True):
            heard[lang] = column.text_area(
                _("You said ({language})").format(language=names[lang]),
                max_chars=ANSWER_MAX,
                key=f"you_said.heard.{lang}",
            )
            changes[lang] = column.text_area(
                _("We will ({language})").format(language=names[lang]),
                max_chars=ANSWER_MAX,
                key=f"you_said.changes.{lang}",
            )
        st.caption(
            _(
                "Write in English, French or both: readers see their language, or the other "
                "one with a notice. Markdown is allowed, no HTML or images."
            )
        )
        if not st.form_submit_button(_("Publish to everyone"), type="primary"):
            return
        if act(
            you_said.publish_you_said,
            heard=heard,
            changes=changes,
            wave_id=wave or None,
            pillar=pillar or None,
        ):
            flash(_("Published: everyone sees it on Home."))
            st.rerun()


# ---- the company summary ----


def board_summary() -> None:
    """Company summary: questions and objections per status, and the median time to answer."""
    stats = load(board.board_stats)
    st.subheader(_("Ask and object"))
    columns = st.columns(5)
    for column, status in zip(columns, ItemStatus, strict=False):
        column.metric(board.status_label(status), format_number(stats.counts[status.value]))
    median = stats.median_days_to_answer
    columns[4].metric(
        _("Median time to answer"),
        "—"
        if median is None
        else ngettext("{n} day", "{n} days", round(median)).format(
            n=format_number(median, 1 if median % 1 else 0)
        ),
        help=_("From the day an item was posted to the day it was first answered."),
    )
