"""Every page as every role (AppTest), sign-in flows, language, and the Roles page flows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel import Locale
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from engagement.authz import Actor, Role
from engagement.db import get_engine
from engagement.i18n import PSEUDO, PSEUDO_CLOSE, PSEUDO_OPEN, language_names
from engagement.models import Department, Employee
from engagement.services import directory, roles
from engagement.ui.nav import PAGES, PageSpec

PROJECT = Path(__file__).resolve().parent.parent
APP = str(PROJECT / "app.py")

TITLES = {
    "pages/home.py": "Hello, {name}",
    "pages/my_departments.py": "My departments",
    "pages/org_overview.py": "Organisation",
    "pages/people.py": "People & org",
    "pages/roles.py": "Roles",
    "pages/markets.py": "Internal markets",
    "pages/my_pulse.py": "My pulse",
    "pages/pulses.py": "Pulse surveys",
    "pages/heatmap.py": "Adoption heatmap",
    "pages/summary.py": "Company summary",
    "pages/import_people.py": "Import people",
    "pages/audit.py": "Audit log",
    "pages/board.py": "Ask and object",
    "pages/coaching.py": "Coaching",
    "pages/direction.py": "Our direction",
    "pages/learn.py": "Learn",
    "pages/campaigns.py": "Campaigns",
    "pages/modules.py": "Modules",
    "pages/translations.py": "Translations",
    "pages/privacy.py": "Privacy settings",
}


def personas(url: str) -> dict[Role, directory.Persona]:
    with Session(get_engine(url)) as s:
        return {p.role: p for p in directory.demo_personas(session=s)}


def app(email: str | None = None, language: str | None = None) -> AppTest:
    # app.py's own source, run from a temporary folder: next to our pages/ folder Streamlit's
    # test harness would fall back to its old pages-directory mode and skip app.py on reruns.
    at = AppTest.from_string(Path(APP).read_text(encoding="utf-8"), default_timeout=30)
    if email:
        at.session_state["virage.demo_email"] = email
    if language:
        at.session_state["virage.language"] = language
    return at.run()


MARKUP = re.compile(r":[a-z]+(?:-background|-badge)?\[|:material/[a-z_]+:")


def texts(at: AppTest) -> list[str]:
    """Everything a person reads on the page, element by element."""
    out: list[str] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "info",
        "warning",
        "error",
        "success",
    ):
        out.extend(str(e.value) for e in at.get(kind))
    for kind in ("button", "selectbox", "multiselect", "text_input", "radio"):
        out.extend(str(e.label) for e in at.get(kind))
    out.extend(str(t.label) for t in at.tabs)
    return out


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("spec", PAGES, ids=lambda p: p.url)
def test_every_page_as_every_role(demo_url: str, role: Role, spec: PageSpec) -> None:
    persona = personas(demo_url)[role]
    at = app(persona.email)
    assert not at.exception
    allowed = spec.roles & (
        {Role.EMPLOYEE} | {r for r in Role if directory_actor(demo_url, persona.email).has(r)}
    )
    if allowed:
        at.switch_page(str(PROJECT / spec.path)).run()
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        expected = TITLES[spec.path].format(name=persona.name)
        assert at.title[0].value == expected
    else:
        # not in this person's navigation at all...
        with pytest.raises(ValueError):
            at.switch_page(str(PROJECT / spec.path)).run()
        # ...and the page refuses even when run directly, without the menu
        direct = AppTest.from_file(str(PROJECT / spec.path), default_timeout=30)
        direct.session_state["virage.actor"] = directory_actor(demo_url, persona.email)
        direct.run()
        assert not direct.exception
        assert direct.error and "This page is for" in direct.error[0].value
        assert not direct.title


def directory_actor(url: str, email: str) -> Actor:
    with Session(get_engine(url)) as s:
        return directory.actor_for_email(session=s, email=email)


def test_demo_sign_in_offers_five_real_people_under_a_banner(demo_url: str) -> None:
    at = app()
    assert "Demo mode: no identity provider configured" in at.warning[0].value
    buttons = [b for b in at.button if b.key and b.key.startswith("virage.persona.")]
    assert len(buttons) == 5
    admin = personas(demo_url)[Role.ADMIN]
    at.button(key="virage.persona.admin").click().run()
    assert at.title[0].value == f"Hello, {admin.name}"
    assert any("Administrator" in m.value for m in at.markdown)


def test_sign_out_returns_to_the_sign_in_page(demo_url: str) -> None:
    at = app(personas(demo_url)[Role.EMPLOYEE].email)
    at.switch_page(str(PROJECT / "pages/home.py")).run()
    at.sidebar.button(key="virage.sign_out").click().run()
    assert at.title[0].value == "Welcome to Virage"
    assert "virage.demo_email" not in at.session_state


def test_language_switch_is_remembered_for_the_person(demo_url: str) -> None:
    person = personas(demo_url)[Role.EMPLOYEE]
    at = app(person.email)
    at.sidebar.selectbox(key="virage.language_picker").set_value("fr").run()
    assert at.title[0].value == f"Bonjour, {person.name}"
    assert at.sidebar.selectbox(key="virage.language_picker").label == "Langue"
    assert directory_actor(demo_url, person.email).language == "fr"
    again = app(person.email)  # another browser, another day
    assert again.title[0].value == f"Bonjour, {person.name}"


def test_unknown_email_gets_an_explanation_not_a_crash(demo_url: str) -> None:
    at = app("ghost@elsewhere.test")
    assert not at.exception
    assert at.title[0].value == "We could not sign you in"
    assert "ghost@elsewhere.test" in at.warning[0].value
    assert "company directory" in at.warning[0].value


def test_production_without_identity_provider_shows_only_a_configuration_error(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIRAGE_ENV", "production")
    monkeypatch.setenv("VIRAGE_SECRET_KEY", "a-long-enough-secret-for-production-use")
    at = app(personas(demo_url)[Role.ADMIN].email)  # a demo session cannot get in either
    assert not at.exception
    assert len(at.error) == 1 and "production mode" in at.error[0].value
    assert not at.button and not at.title


def test_misconfiguration_is_a_message(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIRAGE_MIN_GROUP_SIZE", "1")
    at = app()
    assert not at.exception
    assert "may not be below 3" in at.error[0].value


def test_saved_language_is_used_in_a_new_session(demo_url: str) -> None:
    """Switching happens in the sidebar (see the browser test); the choice is kept per person."""
    person = personas(demo_url)[Role.EMPLOYEE]
    assert app(person.email).title[0].value == f"Hello, {person.name}"
    with Session(get_engine(demo_url)) as s:
        actor = directory.actor_for_email(session=s, email=person.email)
        directory.set_language(session=s, actor=actor, language="fr")
        s.commit()
    at = app(person.email)
    assert at.title[0].value == f"Bonjour, {person.name}"
    assert at.sidebar.selectbox(key="virage.language_picker").value == "fr"


@pytest.mark.parametrize("spec", PAGES, ids=lambda p: p.url)
def test_pages_render_only_translated_text(demo_url: str, spec: PageSpec) -> None:
    """Under a pseudo-locale every string from the catalogue comes back wrapped in ⟦…⟧; what
    is left once those are removed must be data (names, departments, places), never prose."""
    admin_and_all = _person_with_every_role(demo_url)
    at = app(admin_and_all, language=PSEUDO)
    at.switch_page(str(PROJECT / spec.path)).run()
    assert not at.exception
    data_words = _data_words(demo_url)
    # innermost first: a translated template may wrap translated values (⟦⟦Mission⟧ · 8 min⟧)
    wrapped = re.compile(
        re.escape(PSEUDO_OPEN) + f"[^{PSEUDO_OPEN}{PSEUDO_CLOSE}]*" + re.escape(PSEUDO_CLOSE)
    )
    leftovers = []
    for text in texts(at):
        # Streamlit's own markup (`:green-background[…]`, `:material/…:`) is not prose
        rest, before = text, None
        while rest != before:
            before, rest = rest, wrapped.sub(" ", rest)
        rest = MARKUP.sub(" ", rest)
        words = {w for w in re.findall(r"[^\W\d_]{2,}", rest)}
        if words - data_words:
            leftovers.append((text, sorted(words - data_words)))
    assert not leftovers, leftovers
    assert any(PSEUDO_OPEN in t for t in texts(at))


def _strings(value: object) -> list[str]:
    """Every text inside a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _strings(v)]
    if isinstance(value, list):
        return [t for v in value for t in _strings(v)]
    return []


def _data_words(url: str) -> set[str]:
    """Words that come from data or content (each with its own translation), not the catalogue."""
    from engagement.coaching_guides import shipped_guides
    from engagement.models import (
        BoardItem,
        Campaign,
        CoachingLog,
        DirectionStatement,
        Market,
        ModuleVersion,
        Pulse,
        Response,
        YouSaidWeDid,
    )
    from engagement.questions import default_bank

    with Session(get_engine(url)) as s:
        values = [
            *s.exec(select(Employee.name)),
            *s.exec(select(Employee.email)),
            *s.exec(select(Employee.location)),
            *s.exec(select(Employee.job_family)),
            *s.exec(select(Department.name)),
            *s.exec(select(Market.name)),
            *s.exec(select(Pulse.name)),
            *s.exec(select(Response.comment).where(Response.comment != None)),  # noqa: E711
        ]
        values.extend(key for extra in s.exec(select(Employee.extra)) for key in extra)
        # content written by people, per language: names, market descriptions, direction statements,
        # campaigns, modules
        for row in [
            *s.exec(select(Market.names)),
            *s.exec(select(Market.descriptions)),
            *s.exec(select(Pulse.names)),
            *s.exec(select(DirectionStatement.statement)),
            *s.exec(select(DirectionStatement.note)),
            *s.exec(select(Campaign.title)),
            *s.exec(select(Campaign.message)),
            *s.exec(select(ModuleVersion.content)),
            *s.exec(select(BoardItem.answer)),
            *s.exec(select(YouSaidWeDid.heard)),
            *s.exec(select(YouSaidWeDid.changes)),
        ]:
            values.extend(_strings(row))
        # the board and coaching logs: what people wrote, in their own language
        values.extend(s.exec(select(BoardItem.body)))
        values.extend(s.exec(select(BoardItem.decline_reason)))
        values.extend(s.exec(select(BoardItem.hidden_reason)))
        for log in s.exec(select(CoachingLog)):
            values.extend((log.topic, log.notes, log.commitments))
    for guide in shipped_guides().guides.values():
        values.extend((guide.title, guide.summary))
        values.extend(text for section in guide.sections for text in (section.title, section.body))
    bank = default_bank()
    for item in bank.items.values():
        values.extend(item.text.values())
        values.extend(text for option in item.options for text in option.text.values())
    values.extend(label for labels in bank.scale.values() for label in labels)
    values.extend(language_names().values())  # each language named in itself
    # dates are formatted by Babel (locale data, not catalogue text): month and day names
    calendar = Locale.parse("en_CA")
    names = [
        *calendar.months["format"]["abbreviated"].values(),
        *calendar.months["format"]["wide"].values(),
        *calendar.days["format"]["wide"].values(),
    ]
    values.extend(names)
    return {w for v in values if v for w in re.findall(r"[^\W\d_]{2,}", v)}


def _person_with_every_role(url: str) -> str:
    """The demo administrator, given every other role too, so every page is reachable."""
    from engagement.authz import SYSTEM

    admin = personas(url)[Role.ADMIN]
    with Session(get_engine(url)) as s:
        top = s.exec(select(Department).where(Department.parent_id == None)).one()  # noqa: E711
        for role in ("hr", "leader"):
            roles.grant_role(session=s, actor=SYSTEM, email=admin.email, role=role)
        roles.grant_role(
            session=s, actor=SYSTEM, email=admin.email, role="manager", department_ids=[top.id or 0]
        )
        s.commit()
    return admin.email


def test_manager_sees_only_their_own_departments(demo_url: str) -> None:
    manager = personas(demo_url)[Role.MANAGER]
    actor = directory_actor(demo_url, manager.email)
    at = app(manager.email)
    at.switch_page(str(PROJECT / "pages/my_departments.py")).run()
    shown = {name.strip("\u2003") for name in at.dataframe[0].value["department"]}
    with Session(get_engine(demo_url)) as s:
        from engagement import org_tree

        nodes = directory.load_nodes(s)
        mine = set().union(*(org_tree.subtree_ids(nodes, d) for d in actor.managed_department_ids))
        expected = {n.name for n in nodes if n.id in mine}
    assert shown == expected and len(shown) < len(nodes)


def test_people_page_filters(demo_url: str) -> None:
    at = app(personas(demo_url)[Role.ADMIN].email)
    at.switch_page(str(PROJECT / "pages/people.py")).run()
    assert any("Showing 150 of 150 people" in c.value for c in at.caption)
    employee = personas(demo_url)[Role.EMPLOYEE]
    at.text_input(key="people.text").set_value(employee.email).run()
    assert any("Showing 1 of 1 person" in c.value for c in at.caption)
    table = at.dataframe[-1].value
    assert list(table["email"]) == [employee.email]
    at.text_input(key="people.text").set_value("zzz-no-such-person").run()
    assert any("No one matches these filters" in i.value for i in at.info)


def test_admin_grants_and_revokes_a_role(demo_url: str) -> None:
    employee = personas(demo_url)[Role.EMPLOYEE]
    at = app(personas(demo_url)[Role.ADMIN].email)
    at.switch_page(str(PROJECT / "pages/roles.py")).run()
    at.selectbox(key="roles.grant.person").set_value(employee.email)
    at.selectbox(key="roles.grant.role").set_value(Role.MANAGER).run()
    # a manager without departments is refused, and nothing changes
    at.button(key="roles.grant.submit").click().run()
    assert "at least one department" in at.error[0].value
    assert not directory_actor(demo_url, employee.email).has(Role.MANAGER)

    with Session(get_engine(demo_url)) as s:
        finance = directory.find_department(s, "Finance").id
    at.multiselect(key="roles.grant.departments").set_value([finance]).run()
    at.button(key="roles.grant.submit").click().run()
    assert not at.error
    assert "now holds the role Manager" in at.success[0].value
    assert directory_actor(demo_url, employee.email).managed_department_ids == {finance}

    grant_labels = at.selectbox(key="roles.revoke.grant").options
    index = next(i for i, label in enumerate(grant_labels) if employee.name in label)
    at.selectbox(key="roles.revoke.grant").set_value(index).run()
    at.button(key="roles.revoke.submit").click().run()
    assert "no longer holds the role Manager" in at.success[0].value
    assert not directory_actor(demo_url, employee.email).has(Role.MANAGER)


@pytest.mark.parametrize("spec", PAGES, ids=lambda p: p.url)
def test_every_page_in_french(demo_url: str, spec: PageSpec) -> None:
    """Each page runs in French without error, under its French title from the catalogue."""
    from engagement.i18n import _, language

    email = _person_with_every_role(demo_url)
    at = app(email, language="fr")
    at.switch_page(str(PROJECT / spec.path)).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    with language("fr"):
        expected = _(TITLES[spec.path]).format(name=personas(demo_url)[Role.ADMIN].name)
    assert at.title[0].value == expected
    if spec.path == "pages/heatmap.py":
        assert expected == "Carte thermique de l’adoption"
