"""The Import people page's pieces: the empty state, the preview, the column choices, the run."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from engagement.db import unit_of_work
from engagement.errors import ImportProblem, ImportRejected, VirageError
from engagement.i18n import N_, _, format_number, ngettext
from engagement.people_import.mapping import CHOICES, field_label
from engagement.safe_text import plain_label, plain_markdown
from engagement.services import people_import
from engagement.services.people_import import ImportPreview
from engagement.ui import downloads
from engagement.ui.context import current_actor, engine

MAP_KEY = "import.map."
FILE_KEY = "import.file_id"
_GRID = 4
_SHOWN_PROBLEMS = 200
_ENCODINGS = {
    "utf-8": N_("UTF-8"),
    "utf-8-sig": N_("UTF-8 with a byte-order mark"),
    "utf-16": N_("UTF-16"),
    "cp1252": N_("Windows-1252 (Latin-1)"),
    "latin-1": N_("Latin-1"),
}
_DELIMITERS = {",": N_("commas"), ";": N_("semicolons"), "\t": N_("tabs")}


def empty_state() -> None:
    """What to upload, and which columns are recognised."""
    st.info(
        _(
            "Upload a CSV export from your HR system, one row per person (comma, semicolon or "
            "tab separated; UTF-8 or Windows/Latin-1). Only an **HR id** and a **department** "
            "are required. Recognised headers include:\n\n"
            "- **HR id**: Employee ID, Employee Number, Matricule\n"
            "- **Email**: Email, Work Email, Courriel\n"
            "- **Name**: Name, Full Name, or First Name and Last Name (Prénom, Nom)\n"
            "- **Department**: Department, Dept, Service — a name or a path "
            "“Sales > Inside Sales” — or separate Division, Department and Team columns\n"
            "- **Job family**: Job Role, Job Title, Poste · **Level**: Job Level, Grade\n"
            "- **Location**: Location, Office, Site, City, Lieu\n"
            "- **Hire date**: Hire Date, Start Date, Date d'embauche (or Years at Company)\n"
            "- **Manager**: Manager ID or Manager Email · **Customer-facing** · **Active**\n\n"
            "Other columns are kept as extra attributes, for internal markets. You can change "
            "what each column becomes before importing."
        ),
        icon=":material/upload_file:",
    )


def preview_section(preview: ImportPreview) -> None:
    """How the file was read, and its first rows."""
    st.caption(
        ngettext(
            "Read as {encoding}, separated by {delimiter}: {rows} person, {columns} columns.",
            "Read as {encoding}, separated by {delimiter}: {rows} people, {columns} columns.",
            preview.total_rows,
        ).format(
            encoding=_(_ENCODINGS.get(preview.encoding, preview.encoding)),
            delimiter=_(_DELIMITERS[preview.delimiter]),
            rows=format_number(preview.total_rows),
            columns=format_number(len(preview.headers)),
        )
    )
    frame = pd.DataFrame(preview.rows, columns=preview.headers)
    st.dataframe(frame, hide_index=True, width="stretch")


def mapping_editor(preview: ImportPreview, file_id: str) -> dict[str, str]:
    """One choice per column (a field, an extra attribute, or ignore); returns the mapping."""
    if st.session_state.get(FILE_KEY) != file_id:  # another file: forget the last choices
        for key in [k for k in st.session_state if str(k).startswith(MAP_KEY)]:
            del st.session_state[key]
        st.session_state[FILE_KEY] = file_id
    first = preview.rows[0] if preview.rows else [""] * len(preview.headers)
    grid = st.columns(_GRID)
    chosen: dict[str, str] = {}
    for i, column in enumerate(preview.headers):
        chosen[column] = grid[i % _GRID].selectbox(
            plain_label(column),
            CHOICES,
            index=CHOICES.index(preview.mapping[column]),
            format_func=field_label,
            key=f"{MAP_KEY}{column}",
            help=_("First value: {value}").format(value=plain_label(first[i]) or "—"),
        )
    if chosen == preview.mapping:
        for note in preview.notes:
            st.warning(plain_markdown(note), icon=":material/info:")
    return chosen


def problem_table(problems: list[ImportProblem]) -> None:
    """Every problem, where it is and what to fix: the first ones in full, all as a download."""
    frame = pd.DataFrame(
        {
            _("Line"): [p.line for p in problems],
            _("Column"): [p.column for p in problems],
            _("Problem and how to fix it"): [p.message for p in problems],
        }
    )
    # a table wraps the long messages (its cells are Markdown: they quote the file, escaped);
    # past a few hundred rows the download is more useful
    st.table(
        frame.head(_SHOWN_PROBLEMS).map(lambda v: plain_label(v) if isinstance(v, str) else v),
        hide_index=True,
        border="horizontal",
    )
    if len(problems) > _SHOWN_PROBLEMS:
        st.caption(
            _("The first {shown} of {total} problems are shown; download them all.").format(
                shown=format_number(_SHOWN_PROBLEMS), total=format_number(len(problems))
            )
        )
        st.download_button(
            _("Download every problem (CSV)"),
            downloads.problems_csv(problems),
            file_name="import-problems.csv",
            mime="text/csv",
            on_click="ignore",
            icon=":material/download:",
            key="import.problems",
        )


def run_import(
    *, data: bytes, preview: ImportPreview, mapping: dict[str, str], full: bool, dry_run: bool
) -> None:
    """Check or import the file in one unit of work, with a progress bar and the outcome."""
    bar = st.progress(
        0.0, text=_("Checking the file…") if dry_run else _("Checking and importing…")
    )

    def progress(done: int, total: int) -> None:
        bar.progress(min(done / total, 1.0) if total else 1.0)

    try:
        with (
            people_import.one_import_at_a_time(engine(), dry_run=dry_run),
            unit_of_work(engine()) as session,
        ):
            report = people_import.import_people(
                session=session,
                actor=current_actor(),
                data=data,
                file_name=preview.file_name,
                mapping=mapping,
                full=full,
                dry_run=dry_run,
                progress=progress,
            )
    except ImportRejected as exc:
        bar.empty()
        st.error(plain_markdown(str(exc)), icon=":material/error:")
        problem_table(exc.problems)
        return
    except VirageError as exc:
        bar.empty()
        st.error(plain_markdown(str(exc)))
        return
    bar.empty()
    if dry_run:
        st.info(people_import.report_summary(report), icon=":material/fact_check:")
    else:
        st.success(people_import.report_summary(report), icon=":material/check_circle:")
    shown = preview.notes if mapping == preview.mapping else []
    for note in report.notes:
        if note not in shown:
            st.warning(plain_markdown(note), icon=":material/info:")
