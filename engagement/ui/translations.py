"""The list of content that lacks a language, with where to complete it."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from engagement.i18n import _, language_label
from engagement.services.translations import WHERE, MissingContent, kind_label
from engagement.ui.nav import PAGES


def _where(kind: str) -> str:
    path = WHERE[kind]
    spec = next((p for p in PAGES if p.path == path), None)
    return _(spec.title) if spec else path


def missing_table(rows: Sequence[MissingContent]) -> None:
    if not rows:
        st.success(
            _("Everything people read exists in English and in French."),
            icon=":material/translate:",
        )
        return
    frame = pd.DataFrame(
        {
            "kind": [kind_label(r.kind) for r in rows],
            "item": [r.item for r in rows],
            "missing": [", ".join(language_label(m) for m in r.missing) for r in rows],
            "where": [_where(r.kind) for r in rows],
        }
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "kind": st.column_config.TextColumn(_("Kind")),
            "item": st.column_config.TextColumn(_("Content")),
            "missing": st.column_config.TextColumn(_("Missing in")),
            "where": st.column_config.TextColumn(_("Complete it on")),
        },
    )
