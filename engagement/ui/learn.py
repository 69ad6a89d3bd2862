"""Learn: my modules, read step by step (progress saved), then the comprehension check."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from engagement.i18n import _, format_number, ngettext
from engagement.modules import STEP_LABELS, STEPS
from engagement.pillars import pillar_label
from engagement.safe_text import plain_label, safe_markdown
from engagement.services import modules
from engagement.services.modules import CheckResult, ModuleCard, ModuleView
from engagement.ui.campaigns import fallback_notice
from engagement.ui.context import act

SELECTED = "learn.module"
RESULT = "learn.result"


def _status(card: ModuleCard) -> str:
    p = card.progress
    if p is None:
        return _("Not started")
    if p.passed:
        return _("Passed")
    if p.completed:
        return _("Read — check not passed yet")
    return _("Step {n} of {total}").format(n=p.step + 1, total=len(STEPS))


def module_list(cards: Sequence[ModuleCard]) -> None:
    """Assigned modules first, then the library, each with its progress."""
    assigned = [c for c in cards if c.assigned]
    library = [c for c in cards if not c.assigned]
    if assigned:
        st.subheader(_("Assigned to me"))
        _cards(assigned)
    else:
        st.info(
            _(
                "No module is assigned to you yet. When a campaign for your part of the company "
                "links a module, it appears here. Meanwhile, the library is open to everyone."
            ),
            icon=":material/school:",
        )
    if library:
        st.subheader(_("Library"))
        _cards(library)


def _cards(cards: Sequence[ModuleCard]) -> None:
    for row in range(0, len(cards), 2):
        cols = st.columns(2)
        for col, card in zip(cols, cards[row : row + 2], strict=False):
            with col, st.container(border=True):
                st.markdown(f"**{plain_label(card.title)}**")
                st.caption(
                    _("{pillar} · {minutes} min · {status}").format(
                        pillar=pillar_label(card.pillar),
                        minutes=card.minutes,
                        status=_status(card),
                    )
                )
                st.markdown(safe_markdown(card.summary))
                done = card.progress is not None and card.progress.passed
                label = _("Read again") if done else _("Continue") if card.progress else _("Start")
                if st.button(label, key=f"learn.open.{card.key}", icon=":material/menu_book:"):
                    st.session_state[SELECTED] = card.key
                    st.session_state.pop(RESULT, None)
                    st.rerun()


def _go(view: ModuleView, step: int) -> None:
    if act(modules.save_step, key=view.key, step=step) is not None:
        st.session_state[f"learn.step.{view.key}"] = step
        st.rerun()


def reader(view: ModuleView) -> None:
    """One step at a time; the position is saved so the person can come back later."""
    if st.button(_("All modules"), icon=":material/arrow_back:", key="learn.back"):
        st.session_state.pop(SELECTED, None)
        st.rerun()
    st.title(plain_label(view.text.title))
    if view.fell_back:
        fallback_notice()
    saved = view.progress.step if view.progress else 0
    step = int(st.session_state.get(f"learn.step.{view.key}", saved))
    total = len(STEPS) + 1
    st.progress(
        (step + 1) / total,
        text=_("Step {n} of {total}: {name}").format(
            n=step + 1,
            total=total,
            name=_(STEP_LABELS[STEPS[step]]) if step < len(STEPS) else _("Check"),
        ),
    )
    if step < len(STEPS):
        heading, body = view.text.steps[STEPS[step]]
        st.header(plain_label(heading))
        st.markdown(safe_markdown(body))
        back, forward = st.columns(2)
        if step > 0 and back.button(
            _("Previous"), key="learn.previous", icon=":material/chevron_left:"
        ):
            _go(view, step - 1)
        if forward.button(
            _("Next") if step < len(STEPS) - 1 else _("Go to the check"),
            type="primary",
            key="learn.next",
            icon=":material/chevron_right:",
        ):
            _go(view, step + 1)
        return
    check(view)


def check(view: ModuleView) -> None:
    """The comprehension check: every question, then a score with explanations."""
    st.header(_("Comprehension check"))
    st.caption(
        _("Pass mark: {mark} %. You can try again as often as you like.").format(
            mark=view.pass_mark
        )
    )
    if view.progress and view.progress.attempts:
        st.caption(
            ngettext("{n} attempt so far.", "{n} attempts so far.", view.progress.attempts).format(
                n=format_number(view.progress.attempts)
            )
        )
    attempt = st.session_state.get(f"learn.attempt.{view.key}", 0)
    with st.form(f"learn.check.{view.key}.{attempt}"):
        chosen: list[int | None] = []
        for n, q in enumerate(view.text.quiz):
            texts = [plain_label(o.text) for o in q.options]  # radio options are Markdown
            chosen.append(
                st.radio(
                    f"{n + 1}. {plain_label(q.question)}",
                    list(range(len(texts))),
                    index=None,
                    format_func=texts.__getitem__,
                    key=f"learn.q.{view.key}.{attempt}.{n}",
                )
            )
        submitted = st.form_submit_button(_("Check my answers"), type="primary")
    if submitted:
        result = act(modules.submit_check, key=view.key, chosen=chosen)
        if result is not None:
            st.session_state[RESULT] = result
            st.session_state[f"learn.attempt.{view.key}"] = attempt + 1
            st.rerun()
    result = st.session_state.get(RESULT)
    if isinstance(result, CheckResult):
        feedback(result)
    if st.button(_("Read the module again"), key="learn.restart", icon=":material/replay:"):
        _go(view, 0)


def feedback(result: CheckResult) -> None:
    if result.passed:
        st.success(
            _("Passed with {score} %. Well done: this is recorded.").format(score=result.score),
            icon=":material/verified:",
        )
    else:
        st.error(
            _("{score} %: not yet. You need {mark} %. Read the explanations and try again.").format(
                score=result.score, mark=result.pass_mark
            ),
            icon=":material/school:",
        )
    for n, f in enumerate(result.feedback, start=1):
        with st.container(border=True):
            mark = ":green[:material/check_circle:]" if f.right else ":red[:material/cancel:]"
            st.markdown(f"{mark} **{n}. {plain_label(f.question)}**")
            if not f.right:
                st.markdown(_("Your answer: {answer}").format(answer=plain_label(f.chosen or "—")))
                st.markdown(_("Right answer: **{answer}**").format(answer=plain_label(f.correct)))
            st.caption(safe_markdown(f.explanation))
