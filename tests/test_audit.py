"""The audit log: each audited action writes one entry in its own unit of work; search; the page."""

from __future__ import annotations

import ast
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, select
from streamlit.testing.v1 import app_test

from engagement.authz import SYSTEM, Actor, Role
from engagement.db import get_engine, unit_of_work
from engagement.errors import ImportRejected, InvalidInput, NotAllowed
from engagement.i18n import language
from engagement.markets import Criteria, MarketRules
from engagement.models import AuditEntry, RoleGrant, Wave
from engagement.services import audit, directory, markets, people_import, pulses, roles
from engagement.services.pulses import PulseDraft
from tests import factories as f
from tests.test_heatmap import KeptMediaFiles, deferred_download
from tests.test_pages import app, personas

PROJECT = Path(__file__).resolve().parent.parent
MONDAY = date(2026, 11, 2)
ITEMS = ["understand_mission", "desire_success"]
HR_FILE = b"employee_id,email,name,department\r\nX1,zoe@acme.test,Zoe,Acme\r\n"


@pytest.fixture
def org(session: Session) -> dict[str, Any]:
    company = f.department(session, "Acme")
    sales = f.department(session, "Sales", company)
    admin = f.employee(session, company, "Ada", email="ada@acme.test")
    hr = f.employee(session, company, "Hana", email="hana@acme.test")
    f.employee(session, sales, "Bob", email="bob@acme.test")
    f.grant(session, admin, Role.ADMIN)
    f.grant(session, hr, Role.HR)
    session.commit()
    return {"company": company, "sales": sales}


def actor(session: Session, email: str) -> Actor:
    return directory.actor_for_email(session=session, email=email)


def entries(session: Session) -> list[AuditEntry]:
    session.expire_all()
    return list(session.exec(select(AuditEntry).order_by(AuditEntry.id)).all())  # type: ignore[arg-type]


def count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(AuditEntry)).one())


def test_granting_and_revoking_a_role_each_write_one_entry_with_before_and_after(
    session: Session, org: dict[str, Any]
) -> None:
    ada = actor(session, "ada@acme.test")
    sales = org["sales"].id
    kwargs = {"session": session, "actor": ada, "email": "bob@acme.test", "role": "manager"}
    roles.grant_role(**kwargs, department_ids=[sales])
    session.commit()
    [grant] = entries(session)
    assert (grant.actor, grant.action, grant.target) == (
        "ada@acme.test",
        "role.grant",
        "Bob <bob@acme.test>",
    )
    assert grant.before == {"roles": [], "departments": []}
    assert grant.after == {"roles": ["manager"], "departments": ["Acme > Sales"]}
    assert grant.at.tzinfo is not None and (datetime.now(UTC) - grant.at).total_seconds() < 60

    roles.grant_role(**kwargs, department_ids=[sales])  # already so: nothing changed, no entry
    session.commit()
    assert count(session) == 1

    roles.revoke_role(**kwargs)
    session.commit()
    revoke = entries(session)[-1]
    assert (revoke.action, revoke.before, revoke.after) == (
        "role.revoke",
        grant.after,
        {"roles": [], "departments": []},
    )
    assert count(session) == 2


def test_a_failed_action_writes_no_entry_and_rolls_back_with_its_unit_of_work(
    database_url: str, session: Session, org: dict[str, Any]
) -> None:
    ada = actor(session, "ada@acme.test")
    with pytest.raises(InvalidInput, match="needs at least one department"):
        roles.grant_role(session=session, actor=ada, email="bob@acme.test", role="manager")
    session.rollback()
    assert count(session) == 0
    # an entry already recorded goes with the rest of its unit of work when a later step fails
    with pytest.raises(InvalidInput), unit_of_work(get_engine(database_url)) as work:
        roles.grant_role(session=work, actor=ada, email="bob@acme.test", role="leader")
        assert work.exec(select(func.count()).select_from(AuditEntry)).one() == 1
        roles.grant_role(session=work, actor=ada, email="bob@acme.test", role="manager")
    assert count(session) == 0
    assert not session.exec(select(RoleGrant).where(RoleGrant.role == "leader")).first()


def test_an_import_writes_one_entry_with_its_counts_but_a_dry_run_or_rejection_none(
    session: Session, org: dict[str, Any]
) -> None:
    run = {"session": session, "actor": SYSTEM, "file_name": "hr-2026.csv"}
    people_import.import_people(**run, data=HR_FILE, dry_run=True)
    session.commit()
    with pytest.raises(ImportRejected):
        people_import.import_people(**run, data=b"email\r\nnot-an-email\r\n")
    session.rollback()
    assert count(session) == 0
    people_import.import_people(**run, data=HR_FILE)
    session.commit()
    [entry] = entries(session)
    assert (entry.actor, entry.action, entry.target, entry.before) == (
        "cli",
        "people.import",
        "hr-2026.csv",
        None,
    )
    assert entry.after == {
        "rows": 1,
        "created": 1,
        "updated": 0,
        "deactivated": 0,
        "unchanged": 0,
        "full": False,
    }


def test_saving_a_market_records_its_name_and_rules_before_and_after(
    session: Session, org: dict[str, Any]
) -> None:
    hana = actor(session, "hana@acme.test")
    first = MarketRules(Criteria(customer_facing=True))
    market_id = markets.save_market(session=session, actor=hana, name="Front line", rules=first)
    session.commit()
    markets.save_market(
        session=session,
        actor=hana,
        name="Front desk",
        descriptions={"en": "The reception desk.", "fr": "L’accueil."},
        market_id=market_id,
        rules=MarketRules(Criteria(locations=["Montréal"])),
    )
    session.commit()
    created, renamed = entries(session)
    assert (created.action, created.target, created.before) == ("market.save", "Front line", None)
    assert created.after == {
        "name": "Front line",
        "names": {"en": "Front line"},
        "descriptions": {},
        "rules": first.to_json(),
    }
    assert renamed.before == created.after
    assert renamed.after is not None and renamed.after["name"] == "Front desk"
    assert renamed.after["names"] == {"en": "Front desk"}
    assert renamed.after["descriptions"] == {"en": "The reception desk.", "fr": "L’accueil."}
    assert renamed.after["rules"] == MarketRules(Criteria(locations=["Montréal"])).to_json()


def _pulse(session: Session, **kw: Any) -> int:
    draft = PulseDraft(**{"name": "Weekly pulse", "item_ids": ITEMS, "start_date": MONDAY, **kw})
    pulse_id = pulses.create_pulse(
        session=session, actor=actor(session, "hana@acme.test"), draft=draft
    )
    session.commit()
    return pulse_id


def test_creating_a_pulse_records_its_questions_and_target_markets(
    session: Session, org: dict[str, Any]
) -> None:
    hana = actor(session, "hana@acme.test")
    rules = MarketRules(Criteria(department_ids=[org["sales"].id]))
    market_id = markets.save_market(session=session, actor=hana, name="Sales", rules=rules)
    session.commit()
    with pytest.raises(InvalidInput):  # an unknown market: nothing created, nothing recorded
        pulses.create_pulse(
            session=session,
            actor=hana,
            draft=PulseDraft(name="Bad", item_ids=ITEMS, start_date=MONDAY, market_ids=[999]),
        )
    session.rollback()
    assert count(session) == 1
    _pulse(session, market_ids=[market_id])
    entry = entries(session)[-1]
    assert (entry.actor, entry.action, entry.target) == (
        "hana@acme.test",
        "pulse.create",
        "Weekly pulse",
    )
    assert entry.after is not None
    assert entry.after["item_ids"] == ITEMS and entry.after["markets"] == ["Sales"]
    assert entry.after["start_date"] == "2026-11-02" and entry.after["cadence"] == "weekly"
    assert entry.after["names"] == {"en": "Weekly pulse"}


def test_renaming_a_pulse_records_its_names_before_and_after(
    session: Session, org: dict[str, Any]
) -> None:
    pulse_id = _pulse(session)
    names = {"en": "Weekly pulse", "fr": "Sondage de la semaine"}
    pulses.rename_pulse(
        session=session, actor=actor(session, "hana@acme.test"), pulse_id=pulse_id, names=names
    )
    session.commit()
    entry = entries(session)[-1]
    assert (entry.action, entry.target) == ("pulse.rename", "Weekly pulse")
    assert entry.before == {"name": "Weekly pulse", "names": {"en": "Weekly pulse"}}
    assert entry.after == {"name": "Weekly pulse", "names": names}


def test_heatmap_exports_are_recorded_for_those_who_may_export(
    session: Session, org: dict[str, Any]
) -> None:
    _pulse(session)
    pulses.open_due_waves(session, today=MONDAY)
    session.commit()
    wave_id = session.exec(select(Wave.id)).one()
    hana = actor(session, "hana@acme.test")
    audit.record_export(session=session, actor=hana, kind="heatmap_png", wave_id=wave_id)
    session.commit()
    entry = entries(session)[-1]
    assert (entry.actor, entry.action, entry.target) == (
        "hana@acme.test",
        "export.heatmap_png",
        "Weekly pulse #1",
    )
    assert entry.after == {"wave": 1, "market": None}
    with pytest.raises(NotAllowed):
        audit.record_export(
            session=session,
            actor=actor(session, "bob@acme.test"),
            kind="heatmap_csv",
            wave_id=wave_id,
        )
    with pytest.raises(InvalidInput):
        audit.record_export(session=session, actor=hana, kind="everything", wave_id=wave_id)
    session.rollback()
    assert [e.action for e in entries(session)] == ["pulse.create", "export.heatmap_png"]


def _entry(session: Session, day: date, who: str, action: str, target: str) -> None:
    at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    session.add(AuditEntry(at=at, actor=who, action=action, target=target))


def test_search_filters_by_text_actions_and_days_newest_first(
    session: Session, org: dict[str, Any]
) -> None:
    _entry(session, date(2026, 10, 1), "ada@acme.test", "role.grant", "Bob <bob@acme.test>")
    _entry(session, date(2026, 10, 5), "cli", "people.import", "hr_100%.csv")
    _entry(session, date(2026, 10, 9), "hana@acme.test", "market.save", "Front line")
    session.commit()
    ada = actor(session, "ada@acme.test")

    def search(**kw: Any) -> list[str]:
        return [r.target for r in audit.search_audit(session=session, actor=ada, **kw).rows]

    assert search() == ["Front line", "hr_100%.csv", "Bob <bob@acme.test>"]
    assert search(text="  HANA ") == ["Front line"]  # who, any case
    assert search(text="bob") == ["Bob <bob@acme.test>"]  # what
    assert search(text="100%") == ["hr_100%.csv"]  # LIKE wildcards are plain text
    assert search(text="hr%csv") == [] and search(text="b_b") == []
    assert search(actions=["role.grant", "market.save"]) == ["Front line", "Bob <bob@acme.test>"]
    assert search(since=date(2026, 10, 5)) == ["Front line", "hr_100%.csv"]
    assert search(until=date(2026, 10, 5)) == ["hr_100%.csv", "Bob <bob@acme.test>"]
    assert search(since=date(2026, 10, 2), until=date(2026, 10, 8)) == ["hr_100%.csv"]
    page = audit.search_audit(session=session, actor=ada, limit=2)
    assert (len(page.rows), page.total) == (2, 3)
    with pytest.raises(InvalidInput):
        search(since=date(2026, 10, 9), until=date(2026, 10, 1))


def test_only_admins_may_read_the_audit_log(session: Session, org: dict[str, Any]) -> None:
    for email in ("hana@acme.test", "bob@acme.test"):
        with pytest.raises(NotAllowed):
            audit.search_audit(session=session, actor=actor(session, email))


def test_entries_cannot_be_changed_or_deleted_through_a_session(
    session: Session, org: dict[str, Any]
) -> None:
    audit.record(session, actor=SYSTEM, action="role.grant", target="x", after={"roles": []})
    session.commit()
    [entry] = entries(session)
    entry.target = "y"
    with pytest.raises(PermissionError):
        session.flush()
    session.rollback()
    session.delete(entries(session)[0])
    with pytest.raises(PermissionError):
        session.flush()
    session.rollback()
    assert [e.target for e in entries(session)] == ["x"]


def test_no_code_in_the_app_updates_or_deletes_audit_entries() -> None:
    """Only the model and the audit service name AuditEntry, and the service only adds."""
    allowed = {
        "engagement/models/__init__.py",
        "engagement/models/audit.py",
        "engagement/services/audit.py",
    }
    users = {
        p.relative_to(PROJECT).as_posix()
        for p in [*(PROJECT / "engagement").rglob("*.py"), *(PROJECT / "pages").glob("*.py")]
        if "AuditEntry" in p.read_text(encoding="utf-8")
    }
    assert users == allowed
    tree = ast.parse((PROJECT / "engagement/services/audit.py").read_text(encoding="utf-8"))
    names = {
        n.attr if isinstance(n, ast.Attribute) else n.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute | ast.Name)
    }
    assert not names & {"delete", "update", "merge", "execute", "bulk_update_mappings"}


def test_summary_says_what_changed() -> None:
    before = {"roles": ["hr"], "departments": []}
    after = {"roles": ["hr", "manager"], "departments": ["Acme > Sales"]}
    assert audit.summary(before, after) == (
        "roles: hr → hr, manager; departments: — → Acme > Sales"
    )
    assert audit.summary(None, {"rows": 1200, "full": True}) == "rows: 1,200; full import: yes"
    assert audit.summary(after, after) == ""
    texts = {"descriptions": {"en": "Night staff."}}
    assert audit.summary(None, texts) == (
        'descriptions in English and French: {"en": "Night staff."}'
    )
    with language("fr"):
        assert audit.summary(None, texts).startswith("descriptions en anglais et en français")


def test_admin_searches_the_audit_log_page(demo_url: str) -> None:
    admin = personas(demo_url)[Role.ADMIN]
    employee = personas(demo_url)[Role.EMPLOYEE]
    at = app(admin.email).switch_page(str(PROJECT / "pages/audit.py")).run()
    assert not at.exception and at.title[0].value == "Audit log"
    # the demo's own history (campaigns launched, modules published) is there; no role change
    assert "Campaign status changed" in set(at.dataframe[0].value["action"])
    at.multiselect(key="audit.actions").set_value(["role.grant", "role.revoke"]).run()
    assert not at.dataframe and "No entry matches these filters" in at.info[0].value
    with Session(get_engine(demo_url)) as s:
        me = actor(s, admin.email)
        roles.grant_role(session=s, actor=me, email=employee.email, role="leader")
        roles.revoke_role(session=s, actor=me, email=employee.email, role="leader")
        s.commit()
    at.run()
    assert not at.info and not at.text_input(key="audit.text").disabled
    table = at.dataframe[0].value
    assert list(table["action"]) == ["Role revoked", "Role granted"]
    assert set(table["actor"]) == {admin.email}
    assert list(table["change"]) == ["roles: leader → —", "roles: — → leader"]
    at.multiselect(key="audit.actions").set_value(["role.grant"]).run()
    assert list(at.dataframe[0].value["action"]) == ["Role granted"]
    at.text_input(key="audit.text").set_value("nobody-like-this").run()
    assert "No entry matches these filters" in at.info[0].value
    at.text_input(key="audit.text").set_value(employee.email).run()
    at.date_input(key="audit.period").set_value((date(2020, 1, 1), date(2020, 1, 31))).run()
    assert not at.dataframe and "No entry matches" in at.info[0].value
    at.date_input(key="audit.period").set_value((date(2020, 1, 1), date(2100, 1, 1))).run()
    assert len(at.dataframe[0].value) == 1
    at.selectbox(key="audit.entry").set_value(0).run()
    assert [json.loads(str(j.value)) for j in at.json] == [
        {"roles": [], "departments": []},
        {"roles": ["leader"], "departments": []},
    ]
    # nothing on the page can change an entry
    assert not at.main.button and not at.get("data_editor")


def test_non_admins_cannot_open_the_audit_log(demo_url: str) -> None:
    for role in (Role.EMPLOYEE, Role.MANAGER, Role.HR, Role.LEADER):
        at = app(personas(demo_url)[role].email)
        with pytest.raises(ValueError):
            at.switch_page(str(PROJECT / "pages/audit.py")).run()


def test_downloading_the_heatmap_is_recorded_once_the_file_is_made(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_test, "MediaFileManager", KeptMediaFiles)
    hr = personas(demo_url)[Role.HR]
    at = app(hr.email).switch_page(str(PROJECT / "pages/heatmap.py")).run()
    wave_id = at.selectbox(key="heatmap.wave").value
    at.get("download_button")[0].click().run()  # the click alone: no file made yet
    assert not at.exception and not at.error
    with Session(get_engine(demo_url)) as s:
        assert not [e for e in entries(s) if e.action.startswith("export.")]
    assert deferred_download(at, KeptMediaFiles.kept[-1], "heatmap.csv")
    with Session(get_engine(demo_url)) as s:
        [entry] = [e for e in entries(s) if e.action.startswith("export.")]
        wave = s.get(Wave, wave_id)
    assert (entry.actor, entry.action) == (hr.email, "export.heatmap_csv")
    assert wave is not None and entry.after == {"wave": wave.number, "market": None}


def test_an_empty_audit_log_says_so(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    with Session(get_engine(sqlite_url)) as s:
        acme = f.department(s, "Acme")
        f.grant(s, f.employee(s, acme, "Ada Admin", email="ada@acme.test"), Role.ADMIN)
        s.commit()
    at = app("ada@acme.test").switch_page(str(PROJECT / "pages/audit.py")).run()
    assert not at.exception and "Nothing has been recorded yet" in at.info[0].value
