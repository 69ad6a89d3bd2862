"""The internal-markets page: HR builds with a live size, leaders read, bad input is refused."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, func, select

from engagement.authz import Role
from engagement.db import get_engine
from engagement.i18n import language
from engagement.models import Market
from engagement.services import directory
from tests.shown import shown
from tests.test_pages import app, personas

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "markets.py")


def open_markets(url: str, role: Role):  # type: ignore[no-untyped-def]
    at = app(personas(url)[role].email)
    return at.switch_page(PAGE).run()


def market_count(url: str) -> int:
    with Session(get_engine(url)) as s:
        return int(s.exec(select(func.count()).select_from(Market)).one())


def test_hr_builds_a_market_with_a_live_size_and_saves_it(demo_url: str) -> None:
    before = market_count(demo_url)
    at = open_markets(demo_url, Role.HR)
    assert not at.exception
    assert len(at.dataframe[0].value) == before  # the demo markets, listed
    at.selectbox(key="markets.pick").set_value(0).run()  # a new market
    assert at.metric[0].value == "150"  # no rule yet: everyone
    at.multiselect(key="markets.edit.new.inc.locations").set_value(["Québec"]).run()
    with Session(get_engine(demo_url)) as s:
        from engagement.models import Employee

        in_quebec = s.exec(
            select(func.count()).select_from(Employee).where(Employee.location == "Québec")
        ).one()
    assert at.metric[0].value == str(in_quebec)
    at.text_input(key="markets.edit.new.name.en").set_value("Québec sites").run()
    at.button(key="markets.edit.new.save").click().run()
    assert not at.exception and not at.error
    assert "Saved “Québec sites”" in at.success[0].value
    assert market_count(demo_url) == before + 1


def test_a_small_market_warns_that_results_will_be_hidden(demo_url: str) -> None:
    at = open_markets(demo_url, Role.HR)
    at.selectbox(key="markets.pick").set_value(0).run()
    with Session(get_engine(demo_url)) as s:
        tiny = directory.find_department(s, "HR Systems").id
    at.multiselect(key="markets.edit.new.inc.departments").set_value([tiny]).run()
    assert any("fewer than 5 people" in w.value for w in at.warning)


def test_saving_without_a_name_is_refused_and_saves_nothing(demo_url: str) -> None:
    before = market_count(demo_url)
    at = open_markets(demo_url, Role.HR)
    at.selectbox(key="markets.pick").set_value(0).run()
    at.button(key="markets.edit.new.save").click().run()
    assert "Give the market a name" in at.error[0].value
    assert market_count(demo_url) == before


def test_leaders_read_markets_but_cannot_edit_them(demo_url: str) -> None:
    at = open_markets(demo_url, Role.LEADER)
    assert not at.exception
    assert 0 not in at.selectbox(key="markets.pick").options  # no “new market”
    assert not [b for b in at.button if b.key and b.key.endswith(".save")]
    picker = at.selectbox(key="markets.pick")
    labels = list(picker.options)  # AppTest lists the options as shown
    picker.select_index(next(i for i, o in enumerate(labels) if "customer-facing" in o)).run()
    assert any("customer-facing" in m.value for m in at.markdown)  # the rules, in words


def test_in_french_the_list_picker_and_profile_show_the_french_names(demo_url: str) -> None:
    with language("fr"):  # AppTest formats the picked option in this thread
        at = app(personas(demo_url)[Role.HR].email, language="fr").switch_page(PAGE).run()
        assert not at.exception and not at.error
        listed = list(at.dataframe[0].value["name"])
        assert "Quart de nuit" in listed and "Ventes et marketing" in listed
        assert "Night shift" not in listed
        picker = at.selectbox(key="markets.pick")
        assert "Première ligne — en contact avec la clientèle" in picker.options
        picker.select_index(list(picker.options).index("Quart de nuit")).run()
        assert not at.exception and not at.error
        assert [s.value for s in at.subheader][:1] == ["Quart de nuit"]
    with Session(get_engine(demo_url)) as s:
        night = s.exec(select(Market.id).where(Market.name == "Night shift")).one()
    # the editor holds both names, ready to change
    assert at.text_input(key=f"markets.edit.{night}.name.fr").value == "Quart de nuit"
    assert at.text_input(key=f"markets.edit.{night}.name.en").value == "Night shift"


def test_in_french_the_list_and_profile_show_the_french_description(demo_url: str) -> None:
    with Session(get_engine(demo_url)) as s:
        night = s.exec(select(Market).where(Market.name == "Night shift")).one()
        french, english = night.descriptions["fr"], night.descriptions["en"]
    with language("fr"):
        at = app(personas(demo_url)[Role.HR].email, language="fr").switch_page(PAGE).run()
        assert not at.exception and not at.error
        table = at.dataframe[0].value
        listed = dict(zip(table["name"], table["description"], strict=True))
        assert listed["Quart de nuit"] == french != english
        picker = at.selectbox(key="markets.pick")
        picker.select_index(list(picker.options).index("Quart de nuit")).run()
        assert not at.exception and not at.error
        assert french in [shown(m.value) for m in at.markdown]
        assert english not in [shown(m.value) for m in at.markdown]
        assert not [c for c in at.caption if "Pas encore traduit" in c.value]  # no fallback
    # the editor holds the description in both languages, each in its tab
    assert at.text_area(key=f"markets.edit.{night.id}.description.fr").value == french
    assert at.text_area(key=f"markets.edit.{night.id}.description.en").value == english


def test_hr_describes_a_market_in_both_languages_and_a_french_reader_is_told_of_a_fallback(
    demo_url: str,
) -> None:
    at = open_markets(demo_url, Role.HR)
    at.selectbox(key="markets.pick").set_value(0).run()
    at.text_input(key="markets.edit.new.name.en").set_value("Québec sites")
    at.text_area(key="markets.edit.new.description.en").set_value("Everyone at our Québec sites.")
    at.text_area(key="markets.edit.new.description.fr").set_value("Nos sites de Québec.").run()
    at.button(key="markets.edit.new.save").click().run()
    assert not at.exception and not at.error
    with Session(get_engine(demo_url)) as s:
        saved = s.exec(select(Market).where(Market.name == "Québec sites")).one()
        assert saved.descriptions == {
            "en": "Everyone at our Québec sites.",
            "fr": "Nos sites de Québec.",
        }
    # the French description removed: French readers see the English one, with the notice
    at = app(personas(demo_url)[Role.HR].email).switch_page(PAGE)
    at.query_params["market"] = str(saved.id)
    at.run()
    key = f"markets.edit.{saved.id}"
    assert at.text_area(key=f"{key}.description.fr").value == "Nos sites de Québec."
    at.text_area(key=f"{key}.description.fr").set_value("").run()
    at.button(key=f"{key}.save").click().run()
    assert not at.exception and not at.error
    with Session(get_engine(demo_url)) as s:
        stored = s.get(Market, saved.id)
        assert stored is not None and stored.descriptions == {"en": "Everyone at our Québec sites."}
    with language("fr"):
        at = app(personas(demo_url)[Role.HR].email, language="fr").switch_page(PAGE)
        at.query_params["market"] = str(saved.id)
        at.run()
        assert not at.exception and not at.error
        assert "Everyone at our Québec sites." in [shown(m.value) for m in at.markdown]
        assert any("Pas encore traduit dans votre langue" in c.value for c in at.caption)


def test_a_name_taken_in_the_other_language_is_refused_and_what_was_typed_stays(
    demo_url: str,
) -> None:
    before = market_count(demo_url)
    at = open_markets(demo_url, Role.HR)
    at.selectbox(key="markets.pick").set_value(0).run()
    at.text_input(key="markets.edit.new.name.en").set_value("Night crew")
    at.text_input(key="markets.edit.new.name.fr").set_value("quart de NUIT").run()
    at.button(key="markets.edit.new.save").click().run()
    assert not at.exception
    assert [shown(e.value) for e in at.error] == [
        "The French name “quart de NUIT” is already used by the internal market “Night shift”. "
        "Choose another French name."
    ]
    assert at.text_input(key="markets.edit.new.name.en").value == "Night crew"
    assert at.text_input(key="markets.edit.new.name.fr").value == "quart de NUIT"
    assert market_count(demo_url) == before
    at.text_input(key="markets.edit.new.name.fr").set_value("Équipe de nuit").run()
    at.button(key="markets.edit.new.save").click().run()
    assert not at.exception and not at.error
    assert "Saved “Night crew”" in at.success[0].value
    with Session(get_engine(demo_url)) as s:
        saved = s.exec(select(Market).where(Market.name == "Night crew")).one()
        assert saved.names == {"en": "Night crew", "fr": "Équipe de nuit"}


def test_a_market_named_in_french_only_is_saved_under_that_name(demo_url: str) -> None:
    at = open_markets(demo_url, Role.HR)
    at.selectbox(key="markets.pick").set_value(0).run()
    at.text_input(key="markets.edit.new.name.fr").set_value("Sites de Québec").run()
    at.button(key="markets.edit.new.save").click().run()
    assert not at.exception and not at.error
    assert "Saved “Sites de Québec”" in at.success[0].value
    # English readers see the French name until someone adds the English one
    assert "Sites de Québec" in list(at.dataframe[0].value["name"])
