"""Which pages each role sees, in which section, and the check every page runs first."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from engagement import PROJECT_DIR
from engagement.authz import Actor, Role, role_label
from engagement.i18n import N_, _
from engagement.ui.context import current_actor


@dataclass(frozen=True)
class PageSpec:
    path: str  # relative to the project folder
    title: str  # untranslated; translated when shown
    icon: str
    section: str
    roles: frozenset[Role]
    url: str
    # where a manager without company-wide roles finds it (default: the same section)
    team_section: str | None = None

    def section_for(self, actor: Actor) -> str:
        if self.team_section and not actor.has_any((Role.HR, Role.LEADER)):
            return self.team_section
        return self.section


FOR_ME, MY_TEAMS, MARKETING, ADMIN = (
    N_("For me"),
    N_("My teams"),
    N_("Internal marketing"),
    N_("Administration"),
)
SECTIONS = (FOR_ME, MY_TEAMS, MARKETING, ADMIN)

PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "pages/home.py", N_("Home"), ":material/home:", FOR_ME, frozenset({Role.EMPLOYEE}), "home"
    ),
    PageSpec(
        "pages/my_pulse.py",
        N_("My pulse"),
        ":material/favorite:",
        FOR_ME,
        frozenset({Role.EMPLOYEE}),
        "my-pulse",
    ),
    PageSpec(
        "pages/direction.py",
        N_("Our direction"),
        ":material/explore:",
        FOR_ME,
        frozenset({Role.EMPLOYEE}),
        "direction",
    ),
    PageSpec(
        "pages/learn.py",
        N_("Learn"),
        ":material/school:",
        FOR_ME,
        frozenset({Role.EMPLOYEE}),
        "learn",
    ),
    PageSpec(
        "pages/board.py",
        N_("Ask and object"),
        ":material/forum:",
        FOR_ME,
        frozenset({Role.EMPLOYEE}),
        "ask-and-object",
    ),
    PageSpec(
        "pages/heatmap.py",
        N_("Adoption heatmap"),
        ":material/grid_view:",
        MARKETING,
        frozenset({Role.MANAGER, Role.HR, Role.LEADER}),
        "heatmap",
        team_section=MY_TEAMS,
    ),
    PageSpec(
        "pages/summary.py",
        N_("Company summary"),
        ":material/insights:",
        MARKETING,
        frozenset({Role.HR, Role.LEADER}),
        "summary",
    ),
    PageSpec(
        "pages/my_departments.py",
        N_("My departments"),
        ":material/account_tree:",
        MY_TEAMS,
        frozenset({Role.MANAGER}),
        "my-departments",
    ),
    PageSpec(
        "pages/coaching.py",
        N_("Coaching"),
        ":material/record_voice_over:",
        MY_TEAMS,
        frozenset({Role.MANAGER, Role.HR, Role.ADMIN}),
        "coaching",
    ),
    PageSpec(
        "pages/org_overview.py",
        N_("Organisation"),
        ":material/groups:",
        MARKETING,
        frozenset({Role.HR, Role.LEADER}),
        "organisation",
    ),
    PageSpec(
        "pages/markets.py",
        N_("Internal markets"),
        ":material/target:",
        MARKETING,
        frozenset({Role.HR, Role.LEADER}),
        "markets",
    ),
    PageSpec(
        "pages/campaigns.py",
        N_("Campaigns"),
        ":material/campaign:",
        MARKETING,
        frozenset({Role.HR, Role.LEADER}),
        "campaigns",
    ),
    PageSpec(
        "pages/modules.py",
        N_("Modules"),
        ":material/menu_book:",
        MARKETING,
        frozenset({Role.HR}),
        "modules",
    ),
    PageSpec(
        "pages/translations.py",
        N_("Translations"),
        ":material/translate:",
        MARKETING,
        frozenset({Role.HR, Role.LEADER}),
        "translations",
    ),
    PageSpec(
        "pages/pulses.py",
        N_("Pulse surveys"),
        ":material/monitor_heart:",
        MARKETING,
        frozenset({Role.HR}),
        "pulses",
    ),
    PageSpec(
        "pages/people.py",
        N_("People & org"),
        ":material/badge:",
        ADMIN,
        frozenset({Role.ADMIN}),
        "people",
    ),
    PageSpec(
        "pages/roles.py",
        N_("Roles"),
        ":material/admin_panel_settings:",
        ADMIN,
        frozenset({Role.ADMIN}),
        "roles",
    ),
    PageSpec(
        "pages/import_people.py",
        N_("Import people"),
        ":material/upload_file:",
        ADMIN,
        frozenset({Role.ADMIN}),
        "import-people",
    ),
    PageSpec(
        "pages/privacy.py",
        N_("Privacy settings"),
        ":material/shield_lock:",
        ADMIN,
        frozenset({Role.ADMIN}),
        "privacy",
    ),
    PageSpec(
        "pages/audit.py",
        N_("Audit log"),
        ":material/history:",
        ADMIN,
        frozenset({Role.ADMIN}),
        "audit",
    ),
)


def pages_for(actor: Actor) -> list[PageSpec]:
    """The pages an actor may open, in menu order."""
    return [p for p in PAGES if actor.has_any(p.roles)]


def navigation(actor: Actor) -> StreamlitPage:
    """Build st.navigation with only the sections and pages the actor's roles use."""
    menu: dict[str, list[StreamlitPage]] = {}
    for spec in pages_for(actor):
        page = st.Page(
            str(PROJECT_DIR / spec.path),
            title=_(spec.title),
            icon=spec.icon,
            url_path=spec.url,
            default=spec.url == "home",
        )
        menu.setdefault(_(spec.section_for(actor)), []).append(page)
    # every page a person may open stays in view (no "View N more" fold): menus are per role
    return st.navigation(menu, expanded=True)


def guard(page_file: str) -> Actor:
    """Every page's first line: stop with a clear message unless the actor may open it."""
    actor = current_actor()
    rel = Path(page_file).resolve().relative_to(PROJECT_DIR).as_posix()
    spec = next((p for p in PAGES if p.path == rel), None)
    if spec is None or not actor.has_any(spec.roles):
        needed = " / ".join(role_label(r) for r in sorted(spec.roles)) if spec else "?"
        st.error(
            _("This page is for: {roles}. Ask an administrator if you need it.").format(
                roles=needed
            )
        )
        st.stop()
    return actor


def link(path: str, label: str, icon: str | None = None) -> None:
    """A link to one of our pages (path relative to the project, e.g. "pages/my_pulse.py")."""
    st.page_link(str(PROJECT_DIR / path), label=label, icon=icon)
