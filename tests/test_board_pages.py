"""Ask and object, Coaching and “you said, we did” as people use them (AppTest, demo company)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, func, select
from streamlit.testing.v1 import AppTest

from engagement import org_tree
from engagement.authz import Actor, Role
from engagement.db import get_engine
from engagement.i18n import _, language
from engagement.models import AuditEntry, BoardItem, BoardVote, Campaign, CoachingLog, Department
from engagement.services import directory
from tests.shown import shown
from tests.test_pages import app, personas

PROJECT = Path(__file__).resolve().parent.parent
BOARD = str(PROJECT / "pages" / "board.py")
COACHING = str(PROJECT / "pages" / "coaching.py")


def open_page(email: str, page: str) -> AppTest:
    at = app(email)
    return at.switch_page(page).run()


def items_with(url: str, text: str) -> list[BoardItem]:
    with Session(get_engine(url)) as s:
        return list(s.exec(select(BoardItem).where(BoardItem.body == text)).all())


def votes_on(url: str, item_id: str) -> int:
    with Session(get_engine(url)) as s:
        return int(
            s.exec(
                select(func.count()).select_from(BoardVote).where(BoardVote.item_id == item_id)
            ).one()
        )


def post(at: AppTest, body: str, *, anonymous: bool, kind: str = "question") -> None:
    at.radio(key="board.post.kind").set_value(kind)
    at.selectbox(key="board.post.about").set_value("pillar:strategy")
    at.text_area(key="board.post.body").set_value(body)
    at.toggle(key="board.post.anonymous").set_value(anonymous)
    next(b for b in at.button if b.label == "Post").click().run()
    assert not at.exception, at.exception


def test_an_employee_posts_anonymously_and_by_name_and_upvotes_once(demo_url: str) -> None:
    employee = personas(demo_url)[Role.EMPLOYEE]
    at = open_page(employee.email, BOARD)
    assert not at.exception and at.title[0].value == "Ask and object"
    secret = "Will the new targets also count customer feedback for Inside Sales?"
    post(at, secret, anonymous=True)
    assert "Posted anonymously: no name was stored." in at.success[0].value
    [anonymous] = items_with(demo_url, secret)
    assert anonymous.anonymous and anonymous.author_id is None
    signed = "Can we get the customer visit notes from Field Sales before our calls?"
    post(at, signed, anonymous=False)
    assert "Posted under your name." in at.success[0].value
    [named] = items_with(demo_url, signed)
    assert named.author_id == directory_id(demo_url, employee.email)
    # on the board: by name with the name, anonymous without
    bylines = [c.value for c in at.caption]
    assert any(c.startswith(f"{employee.name} · ") for c in bylines)
    # a too-short post is refused with a message, and nothing is stored
    before = count(demo_url, BoardItem)
    post(at, "Why?", anonymous=False)
    assert "at least 10 characters" in at.error[0].value
    assert count(demo_url, BoardItem) == before
    # upvote once only
    vote = at.button(key=f"board.{named.id}.vote")
    assert vote.label == "0 upvotes" and not vote.disabled
    vote.click().run()
    assert votes_on(demo_url, named.id) == 1
    again = at.button(key=f"board.{named.id}.vote")
    assert again.label == "1 upvote" and again.disabled
    second_tab = open_page(employee.email, BOARD)
    assert second_tab.button(key=f"board.{named.id}.vote").disabled
    assert votes_on(demo_url, named.id) == 1


def test_a_leader_answers_and_resolves(demo_url: str) -> None:
    employee, leader = personas(demo_url)[Role.EMPLOYEE], personas(demo_url)[Role.LEADER]
    question = "Who decides which customer requests the plant can say no to?"
    post(open_page(employee.email, BOARD), question, anonymous=True)
    [item] = items_with(demo_url, question)
    at = open_page(leader.email, BOARD)
    key = f"board.{item.id}.answer"
    at.text_area(key=f"{key}.en").set_value("Plant managers, with **Customer Service**, weekly.")
    at.checkbox(key=f"{key}.resolve").check()
    next(b for b in at.button if b.key == f"FormSubmitter:{key}-Publish the answer").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "Answer published." in at.success[0].value
    with Session(get_engine(demo_url)) as s:
        stored = s.get(BoardItem, item.id)
        assert stored is not None and stored.status == "resolved"
        assert stored.answer == {"en": "Plant managers, with **Customer Service**, weekly."}
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "board.answer")).all()[-1]
        assert entry.actor == leader.email and employee.email not in str(entry.after)
    # the employee reads the answer, in English, and a French reader gets the notice
    reader = open_page(employee.email, BOARD)
    assert any("Plant managers, with **Customer Service**" in m.value for m in reader.markdown)
    french = app(employee.email, language="fr")
    french.switch_page(BOARD).run()
    with language("fr"):
        notice = _("Not yet written in your language: shown in the language it was written in.")
    assert any(c.value == notice for c in french.caption)


def test_employees_cannot_answer_and_do_not_see_hidden_items(demo_url: str) -> None:
    employee = personas(demo_url)[Role.EMPLOYEE]
    at = open_page(employee.email, BOARD)
    assert not [e for e in at.expander if e.label == "Answer and triage"]
    assert not any("clowns" in m.value for m in at.markdown)
    hr = open_page(personas(demo_url)[Role.HR].email, BOARD)
    hr.toggle(key="board.filter.hidden").set_value(True).run()
    assert any("clowns" in m.value for m in hr.markdown)
    assert any("Hidden from the board" in w.value for w in hr.warning)


def test_a_manager_sees_only_their_own_teams_and_another_manager_cannot_read_the_log(
    demo_url: str,
) -> None:
    manager = personas(demo_url)[Role.MANAGER]
    actor = directory_actor(demo_url, manager.email)
    at = open_page(manager.email, COACHING)
    assert not at.exception and not at.error, [e.value for e in at.error]
    teams = at.selectbox(key="coaching.team")
    with Session(get_engine(demo_url)) as s:
        nodes = directory.load_nodes(s)
        mine = set().union(*(org_tree.subtree_ids(nodes, d) for d in actor.managed_department_ids))
        names = {n.id: n.name for n in nodes}
    assert {o.strip("\u2003") for o in teams.options} == {names[d] for d in mine} and len(
        mine
    ) < len(nodes)
    # the team's measures come from the heatmap rows, then the guide and the log
    assert any("arrier point" in m.value for m in at.markdown) or any(
        "figures are not shown" in w.value for w in at.warning
    )
    assert [t.label for t in at.tabs][:4] and at.selectbox(key="coaching.guide")
    topic = "Private: how the team feels about the quote form"
    at.text_input(key="coaching.log.topic").set_value(topic)
    at.text_area(key="coaching.log.notes").set_value("Two people are worried about targets.")
    next(b for b in at.button if b.label == "Save to my coaching log").click().run()
    assert not at.exception and "Saved to your coaching log." in at.success[0].value
    assert any(topic in shown(e.label) for e in at.expander)
    with Session(get_engine(demo_url)) as s:
        log = s.exec(select(CoachingLog).where(CoachingLog.topic == topic)).one()
    # another manager: not in their teams, nowhere on their page
    other = another_manager(demo_url, exclude=manager.email)
    theirs = open_page(other, COACHING)
    assert not theirs.exception
    assert log.department_id not in {
        d for d in directory_actor(demo_url, other).managed_department_ids
    }
    assert not any(topic in e.label for e in theirs.expander)
    assert not any(topic in m.value for m in theirs.markdown)


def test_hr_partners_read_the_logs_of_their_departments_only(demo_url: str) -> None:
    admin, hr = personas(demo_url)[Role.ADMIN], personas(demo_url)[Role.HR]
    at = open_page(admin.email, str(PROJECT / "pages" / "roles.py"))
    assert any(s.value == "HR partners" for s in at.subheader)
    with Session(get_engine(demo_url)) as s:
        finance = s.exec(select(Department).where(Department.name == "Finance")).one().id
    at.selectbox(key="roles.partner.person").set_value(hr.email)
    at.selectbox(key="roles.partner.department").set_value(finance).run()
    at.button(key="roles.partner.assign").click().run()
    assert not at.error and "HR partner assigned" in at.success[0].value
    with Session(get_engine(demo_url)) as s:
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "hr_partner.assign")).all()
    # the demo HR persona partners Sales: the Field Sales manager's logs are readable to them
    page = open_page(hr.email, COACHING)
    assert not page.exception and not page.error
    labels = [e.label for e in page.expander]
    assert labels and all(
        "Sales" in label or "Operations" in label or "Finance" in label for label in labels
    )


def test_you_said_we_did_is_published_and_shown_on_home(demo_url: str) -> None:
    hr, employee = personas(demo_url)[Role.HR], personas(demo_url)[Role.EMPLOYEE]
    at = open_page(hr.email, BOARD)
    at.text_area(key="you_said.heard.en").set_value("You said the CRM is slow on site.")
    at.text_area(key="you_said.changes.en").set_value("We are piloting an offline CRM.")
    next(b for b in at.button if b.label == "Publish to everyone").click().run()
    assert not at.error and "everyone sees it on Home" in at.success[0].value
    home = app(employee.email)
    assert any(s.value == "You said, we did" for s in home.subheader)
    assert any("You said the CRM is slow on site." in shown(m.value) for m in home.markdown)
    subheaders = [s.value for s in home.subheader]
    assert subheaders.index("You said, we did") < subheaders.index("For you today")


def test_the_company_summary_counts_the_board(demo_url: str) -> None:
    at = open_page(personas(demo_url)[Role.LEADER].email, str(PROJECT / "pages" / "summary.py"))
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Open"]) >= 1 and int(metrics["Resolved"]) >= 1
    assert metrics["Median time to answer"].endswith("days")


def directory_id(url: str, email: str) -> int | None:
    return directory_actor(url, email).employee_id


def directory_actor(url: str, email: str) -> Actor:
    with Session(get_engine(url)) as s:
        return directory.actor_for_email(session=s, email=email)


def another_manager(url: str, exclude: str) -> str:
    from engagement.models import Employee, ManagerScope

    with Session(get_engine(url)) as s:
        plant = s.exec(select(Department).where(Department.name == "Assembly Line A")).one()
        person = s.exec(
            select(Employee)
            .join(ManagerScope, ManagerScope.employee_id == Employee.id)
            .where(ManagerScope.department_id == plant.id)
        ).first()
        assert person is not None and person.email and person.email != exclude
        return person.email


def count(url: str, model: type) -> int:
    with Session(get_engine(url)) as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def test_hr_turns_an_answer_into_a_draft_campaign(demo_url: str) -> None:
    hr = personas(demo_url)[Role.HR]
    with Session(get_engine(demo_url)) as s:
        answered = s.exec(
            select(BoardItem).where(BoardItem.status == "resolved", BoardItem.campaign_id != None)  # noqa: E711
        ).first()
        assert answered is not None
        before = count(demo_url, Campaign)
    at = open_page(hr.email, BOARD)
    at.button(key=f"board.{answered.id}.campaign").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Campaigns"
    assert "A draft campaign now carries this question" in at.success[0].value
    assert count(demo_url, Campaign) == before + 1
    with Session(get_engine(demo_url)) as s:
        draft = s.exec(select(Campaign).order_by(Campaign.id.desc())).first()  # type: ignore[union-attr]
        assert draft is not None and draft.status == "draft"
        assert draft.title["en"].startswith("You asked:")
    assert at.selectbox(key="campaigns.choice").value == draft.id
