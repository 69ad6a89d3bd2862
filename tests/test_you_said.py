"""You said, we did: HR and leaders publish, everyone reads it in their language."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from engagement.authz import Role
from engagement.errors import InvalidInput, NotAllowed, NotFound
from engagement.i18n import language
from engagement.models import AuditEntry, Pulse, Wave
from engagement.services import directory, you_said
from tests import factories as f


@pytest.fixture
def people(session: Session) -> None:
    company = f.department(session, "Acme")
    f.grant(session, f.employee(session, company, "Hugo Hr", email="hugo@acme.test"), Role.HR)
    f.grant(session, f.employee(session, company, "Lea Leader", email="lea@acme.test"), Role.LEADER)
    f.grant(
        session,
        f.employee(session, company, "Mo Manager", email="mo@acme.test"),
        Role.MANAGER,
        (company,),
    )
    f.employee(session, company, "Eve Employee", email="eve@acme.test")
    session.commit()


def test_publish_and_read_in_my_language_with_the_fallback_flag(
    session: Session, people: None
) -> None:
    hr = directory.actor_for_email(session=session, email="hugo@acme.test")
    pulse = Pulse(name="Weekly change pulse", start_date=date(2026, 11, 2))
    session.add(pulse)
    session.flush()
    wave = Wave(
        pulse_id=pulse.id or 0, number=4, opens_on=date(2026, 11, 2), closes_on=date(2026, 11, 6)
    )
    session.add(wave)
    session.commit()
    first = you_said.publish_you_said(
        session=session,
        actor=hr,
        heard={
            "en": "Our targets still count volumes, not customers.",
            "fr": "Nos cibles comptent des volumes.",
        },
        changes={"en": "Team targets add a customer measure in January."},
        wave_id=wave.id,
        pillar="strategy",
    )
    session.commit()
    eve = directory.actor_for_email(session=session, email="eve@acme.test")
    [post] = you_said.list_you_said(session=session, actor=eve)
    assert post.id == first and post.heard.startswith("Our targets") and not post.fell_back
    assert (post.pulse, post.wave_number, post.published_by) == (
        "Weekly change pulse",
        4,
        "Hugo Hr",
    )
    assert post.missing == ["fr"]
    with language("fr"):
        [post] = you_said.list_you_said(session=session, actor=eve)
    assert post.heard == "Nos cibles comptent des volumes." and post.fell_back
    entry = session.exec(select(AuditEntry)).one()
    assert (entry.action, entry.actor, entry.target) == (
        "you_said.publish",
        "hugo@acme.test",
        "Weekly change pulse #4",
    )


@pytest.mark.parametrize("who", ["eve@acme.test", "mo@acme.test"])
def test_only_hr_and_leaders_publish(session: Session, people: None, who: str) -> None:
    actor = directory.actor_for_email(session=session, email=who)
    with pytest.raises(NotAllowed):
        you_said.publish_you_said(
            session=session, actor=actor, heard={"en": "x"}, changes={"en": "y"}
        )


def test_bad_input_is_refused(session: Session, people: None) -> None:
    lea = directory.actor_for_email(session=session, email="lea@acme.test")
    with pytest.raises(InvalidInput, match="What we heard: Write it in English or in French"):
        you_said.publish_you_said(session=session, actor=lea, heard={}, changes={"en": "y"})
    with pytest.raises(InvalidInput, match="What will change: Keep it under 4000"):
        you_said.publish_you_said(
            session=session, actor=lea, heard={"en": "x"}, changes={"fr": "y" * 4001}
        )
    with pytest.raises(NotFound):
        you_said.publish_you_said(
            session=session, actor=lea, heard={"en": "x"}, changes={"en": "y"}, wave_id=999
        )
    with pytest.raises(InvalidInput, match="Unknown pillar"):
        you_said.publish_you_said(
            session=session, actor=lea, heard={"en": "x"}, changes={"en": "y"}, pillar="vibes"
        )
    assert you_said.list_you_said(session=session, actor=lea) == []
