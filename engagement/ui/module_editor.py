"""HR authoring of modules: list, editor with live preview, quiz builder, import and export."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from engagement.i18n import LANGUAGES, _, language_names
from engagement.models import ModuleStatus
from engagement.modules import DEFAULT_PASS_MARK, STEP_LABELS, STEPS, ModuleText, Option, Question
from engagement.pillars import PILLARS, pillar_label
from engagement.safe_text import plain_label, safe_markdown
from engagement.services import modules
from engagement.services.modules import ModuleEdit, ModuleSummary
from engagement.ui.context import act, choose_next_run, flash, load

MAX_QUESTIONS, MAX_OPTIONS = 10, 4


def status_label(status: str) -> str:
    return _("Published") if status == ModuleStatus.PUBLISHED.value else _("Draft")


def modules_table(rows: Sequence[ModuleSummary]) -> None:
    names = language_names()
    frame = pd.DataFrame(
        {
            "title": [r.title for r in rows],
            "id": [r.key for r in rows],
            "pillar": [pillar_label(r.pillar) for r in rows],
            "version": [r.version for r in rows],
            "status": [status_label(r.status) for r in rows],
            "published": [r.published_version for r in rows],
            "missing": [", ".join(names[m] for m in r.missing) or "—" for r in rows],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "title": st.column_config.TextColumn(_("Module")),
            "id": st.column_config.TextColumn(_("Id")),
            "pillar": st.column_config.TextColumn(_("Pillar")),
            "version": st.column_config.NumberColumn(_("Newest version")),
            "status": st.column_config.TextColumn(_("Status")),
            "published": st.column_config.NumberColumn(_("Version people read")),
            "missing": st.column_config.TextColumn(_("Missing translation")),
        },
    )


def _language_tab(key: str, lang: str, text: ModuleText | None) -> dict[str, object]:
    """Title, summary and the four steps in one language, each with its live preview."""
    out: dict[str, object] = {}
    out["title"] = st.text_input(
        _("Title"), value=text.title if text else "", key=f"{key}.{lang}.title", max_chars=160
    )
    out["summary"] = st.text_input(
        _("One-sentence summary"),
        value=text.summary if text else "",
        key=f"{key}.{lang}.summary",
        max_chars=1000,
    )
    steps: dict[str, tuple[str, str]] = {}
    for step in STEPS:
        heading, body = text.steps.get(step, ("", "")) if text else ("", "")
        st.markdown(f"**{_(STEP_LABELS[step])}**")
        left, right = st.columns(2)
        with left:
            h = st.text_input(_("Heading"), value=heading, key=f"{key}.{lang}.{step}.h")
            b = st.text_area(
                _("Text (Markdown)"),
                value=body,
                height=220,
                key=f"{key}.{lang}.{step}.b",
                max_chars=20_000,
            )
        with right, st.container(border=True, height=320):
            st.caption(_("Preview"))
            if h:
                st.markdown(f"#### {plain_label(h)}")
            st.markdown(safe_markdown(b) or "—")
        steps[step] = (h, b)
    out["steps"] = steps
    return out


def _question(edit: ModuleEdit | None, lang: str, n: int) -> Question | None:
    text = edit.texts.get(lang) if edit else None
    return text.quiz[n] if text and n < len(text.quiz) else None


def _quiz_builder(key: str, edit: ModuleEdit | None) -> dict[str, list[Question]]:
    """Questions shared by every language: the correct option is chosen once for all."""
    first = next(iter(edit.texts.values())) if edit and edit.texts else None
    count = st.number_input(
        _("Number of questions"),
        min_value=1,
        max_value=MAX_QUESTIONS,
        value=len(first.quiz) if first else 3,
        key=f"{key}.quiz.count",
    )
    names = language_names()
    quizzes: dict[str, list[Question]] = {lang: [] for lang in LANGUAGES}
    for n in range(int(count)):
        known = [_question(edit, lang, n) for lang in LANGUAGES]
        with st.expander(_("Question {n}").format(n=n + 1), expanded=n == 0 and edit is None):
            base = next((q for q in known if q), None)
            options = st.number_input(
                _("Options"),
                min_value=2,
                max_value=MAX_OPTIONS,
                value=len(base.options) if base else 3,
                key=f"{key}.q{n}.options",
            )
            correct = st.radio(
                _("Correct option"),
                list(range(int(options))),
                index=min(base.correct_index, int(options) - 1) if base else 0,
                format_func=lambda i: _("Option {n}").format(n=i + 1),
                horizontal=True,
                key=f"{key}.q{n}.correct",
            )
            for lang, col, q in zip(LANGUAGES, st.columns(len(LANGUAGES)), known, strict=True):
                with col:
                    st.caption(names[lang])
                    text = st.text_input(
                        _("Question"), value=q.question if q else "", key=f"{key}.q{n}.{lang}"
                    )
                    opts = []
                    for i in range(int(options)):
                        o = q.options[i] if q and i < len(q.options) else None
                        label = st.text_input(
                            _("Option {n}").format(n=i + 1),
                            value=o.text if o else "",
                            key=f"{key}.q{n}.{lang}.o{i}",
                        )
                        why = st.text_input(
                            _("Why (shown after answering)"),
                            value=o.explanation if o else "",
                            key=f"{key}.q{n}.{lang}.e{i}",
                        )
                        opts.append(Option(label.strip(), i == correct, why.strip()))
                    quizzes[lang].append(Question(text.strip(), tuple(opts)))
    return quizzes


def editor(edit: ModuleEdit | None) -> None:
    """Edit the newest version (a published one becomes a new draft when saved)."""
    key = f"module.{edit.key if edit else 'new'}"
    if edit and edit.status is ModuleStatus.PUBLISHED:
        st.info(
            _(
                "Version {v} is published and frozen: saving makes version {next} as a draft."
            ).format(v=edit.version, next=edit.version + 1),
            icon=":material/lock:",
        )
    left, mid, right, last = st.columns(4)
    module_key = left.text_input(
        _("Id (letters, digits, dashes)"),
        value=edit.key if edit else "",
        disabled=edit is not None,
        key=f"{key}.id",
    )
    pillars = [p.value for p in PILLARS]
    pillar = mid.selectbox(
        _("Pillar"),
        pillars,
        index=pillars.index(edit.pillar.value) if edit else 0,
        format_func=pillar_label,
        key=f"{key}.pillar",
    )
    minutes = right.number_input(
        _("Minutes to read"), 1, 240, value=edit.minutes if edit else 5, key=f"{key}.minutes"
    )
    pass_mark = last.number_input(
        _("Pass mark (%)"),
        1,
        100,
        value=edit.pass_mark if edit else DEFAULT_PASS_MARK,
        key=f"{key}.pass",
    )
    names = language_names()
    parts: dict[str, dict[str, object]] = {}
    for lang, tab in zip(LANGUAGES, st.tabs([names[lang] for lang in LANGUAGES]), strict=True):
        with tab:
            parts[lang] = _language_tab(key, lang, edit.texts.get(lang) if edit else None)
    st.subheader(_("Comprehension check"))
    quizzes = _quiz_builder(key, edit)
    if st.button(_("Save draft"), type="primary", key=f"{key}.save", icon=":material/save:"):
        texts = {
            lang: ModuleText(
                title=str(p["title"]).strip(),
                summary=str(p["summary"]).strip(),
                steps=p["steps"],  # type: ignore[arg-type]
                quiz=tuple(quizzes[lang]),
            )
            for lang, p in parts.items()
            if str(p["title"]).strip()  # a language left without a title is not written yet
        }
        version = act(
            modules.save_module_draft,
            key=module_key,
            pillar=pillar,
            minutes=int(minutes),
            pass_mark=int(pass_mark),
            texts=texts,
        )
        if version is not None:
            choose_next_run("modules.choice", module_key.strip().lower())
            flash(_("Draft saved as version {v}. Publish it when it is ready.").format(v=version))
            st.rerun()


def publish_and_export(edit: ModuleEdit) -> None:
    cols = st.columns(1 + len(LANGUAGES))
    if (
        edit.status is ModuleStatus.DRAFT
        and cols[0].button(
            _("Publish version {v}").format(v=edit.version),
            type="primary",
            icon=":material/publish:",
            key="modules.publish",
        )
        and act(modules.publish_module, key=edit.key) is not None
    ):
        flash(_("Published: people now read version {v}.").format(v=edit.version))
        st.rerun()
    names = language_names()
    for col, lang in zip(cols[1:], LANGUAGES, strict=True):
        if lang in edit.texts:
            name, text = modules_export(edit.key, lang)
            col.download_button(
                _("Export ({language})").format(language=names[lang]),
                data=text.encode("utf-8"),
                file_name=name,
                mime="text/markdown",
                key=f"modules.export.{lang}",
                icon=":material/download:",
            )


def modules_export(key: str, lang: str) -> tuple[str, str]:
    return load(modules.export_module, key=key, language=lang)


def importer() -> None:
    """Import module files (all or nothing) as drafts."""
    files = st.file_uploader(
        _("Module files (.md, one per language)"),
        type=["md"],
        accept_multiple_files=True,
        key="modules.upload",
    )
    if st.button(_("Import"), key="modules.import", icon=":material/upload:", disabled=not files):
        keys = act(modules.import_modules, files=[(f.name, f.getvalue()) for f in files or []])
        if keys is not None:
            flash(_("Imported as drafts: {ids}.").format(ids=", ".join(keys)))
            st.rerun()
