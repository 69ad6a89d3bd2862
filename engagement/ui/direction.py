"""Our direction on screen: a card per pillar with what changed, and the leaders' form."""

from __future__ import annotations

import re
from collections.abc import Sequence

import streamlit as st

from engagement.i18n import LANGUAGES, _, format_date, language_names
from engagement.pillars import PILLARS, Pillar, pillar_label
from engagement.safe_text import plain_label, plain_markdown, safe_markdown
from engagement.services import direction, modules
from engagement.services.direction import Statement
from engagement.ui.campaigns import fallback_notice, status_label
from engagement.ui.context import act, flash, load


def modules_by_pillar() -> dict[Pillar, list[str]]:
    """Titles of the published modules, per pillar."""
    out: dict[Pillar, list[str]] = {}
    for card in load(modules.my_modules):
        out.setdefault(card.pillar, []).append(card.title)
    return out


_MARKUP = re.compile(r"[*_#>`]|^\s*(?:[-+]|\d+\.)\s", re.MULTILINE)


def _changes_markdown(before: str, after: str) -> str:
    """The new text with added words highlighted and removed ones struck through."""
    parts = []
    plain = (_MARKUP.sub(" ", before), _MARKUP.sub(" ", after))  # compare words, not markup
    for kind, words in direction.changes(*plain):
        text = plain_markdown(words)
        if kind == "added":
            parts.append(f":green-background[{text}]")
        elif kind == "removed":
            parts.append(f":red[~~{text}~~]")
        else:
            parts.append(text)
    return " ".join(parts)


def pillar_card(
    pillar: Pillar,
    statement: Statement | None,
    about: Sequence[tuple[int, str, str]],
    module_titles: Sequence[str],
) -> None:
    with st.container(border=True):
        st.subheader(pillar_label(pillar))
        if statement is None:
            st.caption(_("Leadership has not published this pillar yet."))
            return
        st.caption(
            _("Version {v}, published on {date} by {who}").format(
                v=statement.version,
                date=format_date(statement.published_at),
                who=plain_label(statement.published_by),
            )
        )
        if statement.fell_back:
            fallback_notice()
        st.markdown(safe_markdown(statement.text))
        if statement.note:
            st.info(plain_markdown(statement.note), icon=":material/new_releases:")
        if statement.previous_text is not None:
            with st.expander(_("What changed since version {v}").format(v=statement.version - 1)):
                st.caption(_("Added words are highlighted; removed words are struck through."))
                st.markdown(_changes_markdown(statement.previous_text, statement.text))
        if about or module_titles:
            lines = [
                _("Campaign: {title} ({status})").format(title=t, status=status_label(s))
                for _id, t, s in about
            ]
            lines += [_("Module: {title}").format(title=t) for t in module_titles]
            st.markdown("\n".join(f"- {plain_markdown(line)}" for line in lines))


def publish_form() -> None:
    """Leaders publish a new version of a pillar's statement."""
    names = language_names()
    with st.form("direction.publish", clear_on_submit=True):
        pillar = st.selectbox(
            _("Pillar"),
            [p.value for p in PILLARS],
            format_func=pillar_label,
            key="direction.pillar",
        )
        statement, note = {}, {}
        for lang, tab in zip(LANGUAGES, st.tabs([names[x] for x in LANGUAGES]), strict=True):
            with tab:
                statement[lang] = st.text_area(
                    _("Statement ({language}, Markdown)").format(language=names[lang]),
                    height=180,
                    max_chars=direction.STATEMENT_MAX,
                    key=f"direction.text.{lang}",
                )
                note[lang] = st.text_input(
                    _("What changed, and why ({language})").format(language=names[lang]),
                    max_chars=direction.NOTE_MAX,
                    key=f"direction.note.{lang}",
                )
        if st.form_submit_button(_("Publish"), type="primary"):
            version = act(
                direction.publish_statement, pillar=pillar, statement=statement, note=note
            )
            if version is not None:
                flash(
                    _("Published version {v} of {pillar}.").format(
                        v=version, pillar=pillar_label(pillar)
                    )
                )
                st.rerun()
