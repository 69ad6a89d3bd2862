"""Emails compared as mail systems do: a battery of look-alikes, each decided, none of them
reaching another person's account (real SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import unicodedata

import pytest
from sqlmodel import Session

from engagement.emails import normalize_email, sign_in_key
from engagement.errors import NotFound
from engagement.people_import.values import BadValue, parse_email
from engagement.services import directory
from tests import factories as f

KEVIN = "kevin.leblanc@laurentia.example"
OLIVIER = "olivier.roy@laurentia.example"
ZOE = "zoé.gagnon@laurentia.example"  # a real address with a letter outside ASCII
LOOKS_ALIKE = "only look like ordinary letters"

# (what the identity provider sends, whose account it opens or None, why)
BATTERY = [
    pytest.param(KEVIN, KEVIN, id="the address itself"),
    pytest.param("Kevin.Leblanc@Laurentia.Example", KEVIN, id="ASCII upper case is folded"),
    pytest.param("KEVIN.LEBLANC@LAURENTIA.EXAMPLE", KEVIN, id="all upper case"),
    pytest.param(f"  {KEVIN}\t", KEVIN, id="surrounding spaces are trimmed"),
    pytest.param(f"\u00a0{KEVIN}\u3000", KEVIN, id="surrounding Unicode spaces are trimmed"),
    pytest.param("\u212aevin.leblanc@laurentia.example", None, id="Kelvin sign K"),
    pytest.param("\u212a" + KEVIN[1:].upper(), None, id="Kelvin sign in upper case"),
    pytest.param("ｋｅｖｉｎ.leblanc@laurentia.example", None, id="full-width letters"),
    pytest.param("kevin.leblanc＠laurentia.example", None, id="full-width at sign"),
    pytest.param("kev\u0131n.leblanc@laurentia.example", None, id="dotless i"),
    pytest.param("KEV\u0130N.LEBLANC@LAURENTIA.EXAMPLE", None, id="capital I with dot"),
    pytest.param("kevin.lebl\u0430nc@laurentia.example", None, id="Cyrillic a"),
    pytest.param("k\u0435vin.leblanc@laurentia.example", None, id="Cyrillic e"),
    pytest.param("\u043elivier.roy@laurentia.example", None, id="Cyrillic o"),
    pytest.param("olivier.roy@laurentia.ex\u0430mple", None, id="Cyrillic a in the domain"),
    pytest.param("kevin.leblanc.@laurentia.example", None, id="trailing dot in the local part"),
    pytest.param("kevin.leblanc@laurentia.example.", None, id="trailing dot after the domain"),
    pytest.param("kevin.leblanc+virage@laurentia.example", None, id="plus-addressing"),
    pytest.param("kevinleblanc@laurentia.example", None, id="dots are not ignored"),
    pytest.param("kevin\u200b.leblanc@laurentia.example", None, id="zero-width space"),
    pytest.param("ﬁ@laurentia.example", None, id="ligature"),
    pytest.param(ZOE, ZOE, id="a non-ASCII address held exactly by the directory"),
    pytest.param("zoe\u0301.gagnon@laurentia.example", ZOE, id="the same é, decomposed"),
    pytest.param("ZOé.GAGNON@laurentia.example", ZOE, id="its ASCII letters in upper case"),
    pytest.param("ZOÉ.GAGNON@laurentia.example", ZOE, id="É is é in upper case"),
    pytest.param("zoe.gagnon@laurentia.example", None, id="é is not folded onto e"),
]


@pytest.fixture
def people(session: Session) -> dict[str, int]:
    company = f.department(session, "Laurentia")
    found = {}
    for address in (KEVIN, OLIVIER, ZOE, "kevın.leblanc@laurentia.example"):
        person = f.employee(session, company, email=normalize_email(address))
        assert person.id is not None
        found[person.email or ""] = person.id
    return found


@pytest.mark.parametrize(("sent", "owner"), BATTERY)
def test_each_look_alike_opens_only_the_account_it_names(
    session: Session, people: dict[str, int], sent: str, owner: str | None
) -> None:
    if sent.startswith("kev\u0131n"):
        owner = "kevın.leblanc@laurentia.example"  # the directory holds exactly that one
    if owner is None:
        with pytest.raises(NotFound) as refused:
            directory.actor_for_email(session=session, email=sent)
        looks_alike = sign_in_key(sent) is None
        assert (LOOKS_ALIKE in str(refused.value)) is looks_alike
        return
    actor = directory.actor_for_email(session=session, email=sent)
    assert actor.employee_id == people[owner] and actor.email == owner
    # the only folding allowed: trimming, canonical equivalence and case
    written = unicodedata.normalize("NFC", sent.strip())
    assert written.lower() == owner.lower() and len(written) == len(owner)


def test_a_dotless_i_reaches_only_the_person_written_with_it(
    session: Session, people: dict[str, int]
) -> None:
    actor = directory.actor_for_email(session=session, email="kev\u0131n.leblanc@laurentia.example")
    assert actor.employee_id != people[KEVIN]


@pytest.mark.parametrize(("sent", "owner"), BATTERY)
def test_no_two_distinct_mailboxes_share_a_key(sent: str, owner: str | None) -> None:
    key = sign_in_key(sent)
    if owner is not None and not sent.startswith("kev\u0131n"):
        assert key == owner
    elif key is not None:
        assert key not in (KEVIN, OLIVIER, ZOE)


def test_no_letter_outside_ascii_becomes_an_ascii_one() -> None:
    """Case is folded for every letter (É is é), and yet no character that sign-in accepts
    turns into plain ASCII: an address with a letter outside ASCII can only ever match an
    address with that letter (İ gives i + a combining dot, never a bare i)."""
    for code in range(0x80, 0x110000):
        char = chr(code)
        key = sign_in_key(f"a{char}b@laurentia.example")
        assert key is None or not key.partition("@")[0].isascii(), hex(code)


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("  Kevin.Leblanc@Laurentia.Example ", KEVIN),
        ("ｋｅｖｉｎ.leblanc@laurentia.example", KEVIN),  # typed on a full-width keyboard
        ("\u212aevin.leblanc@laurentia.example", KEVIN),
        ("Zoé.Gagnon@laurentia.example", ZOE),
        ("zoe\u0301.gagnon@laurentia.example", ZOE),
    ],
)
def test_the_import_stores_what_the_sign_in_compares(written: str, stored: str) -> None:
    """HR's file is the directory's own word: its addresses are normalised (NFKC) into the one
    form sign-in compares, so a full-width address in the file still signs its person in."""
    assert parse_email(written) == stored
    assert sign_in_key(stored) == stored


def test_the_import_still_refuses_what_is_no_address() -> None:
    with pytest.raises(BadValue, match="is not an email address"):
        parse_email("kevin leblanc at laurentia")
