"""Administrators manage stations (any venue), categories and areas; seeding keeps their changes."""
import pytest

from portal.accounts.models import AuditEntry
from portal.extensions import db
from portal.stations.models import Area, Category, Station
from portal.stations.services import load_reference_file, seed_reference_data
from tests.helpers import VALID_FORM, submit_form

VENUE = {
    "code": "internet-party-building-base", "kind": "party_building_base",
    "name_zh": "互联网党建基地", "name_en": "Internet Party-Building Base", "area": "riverside",
    "address_zh": "杨树浦路 1 号", "address_en": "1 Yangshupu Road",
    "hours_zh": "周一至周五 9:00–17:00", "hours_en": "Mon–Fri 9:00–17:00",
    "sort_order": "20", "active": "y",
}


def _row(app, model, **key):
    with app.app_context():
        row = db.session.execute(db.select(model).filter_by(**key)).scalar_one_or_none()
        if row is not None:
            db.session.expunge(row)
        return row


def _audits(app, action):
    with app.app_context():
        return db.session.execute(db.select(AuditEntry).filter_by(action=action)).scalars().all()


@pytest.mark.parametrize("lang, name", [("en", "Internet Party-Building Base"),
                                        ("zh", "互联网党建基地")])
def test_an_administrator_adds_a_venue_that_residents_then_see(app, client, login, lang, name):
    login("administrator", lang=lang)
    response = submit_form(client, "/staff/reference/stations/new", VENUE, lang=lang)
    assert response.status_code == 303
    overview = client.get(f"/staff/reference?lang={lang}").get_data(as_text=True)
    assert name in overview
    stations_page = app.test_client().get(f"/stations?lang={lang}").get_data(as_text=True)
    assert name in stations_page
    station = _row(app, Station, slug="internet-party-building-base")
    assert station.kind == "party_building_base" and station.edited_at is not None
    [entry] = _audits(app, "reference_station")
    assert entry.actor == "user:administrator" and entry.before is None
    assert entry.after["name_zh"] == "互联网党建基地" and entry.after["area"] == "riverside"


def test_a_retired_station_leaves_the_public_lists_but_stays_for_staff(app, client, login):
    login("administrator", lang="en")
    before = app.test_client().get("/stations?lang=en").get_data(as_text=True)
    station = _row(app, Station, slug="service-station-1")
    assert station.name_en in before
    response = submit_form(client, "/staff/reference/stations/service-station-1", {
        "kind": station.kind, "name_zh": station.name_zh, "name_en": station.name_en,
        "area": "riverside", "sort_order": "1"}, lang="en")  # "active" unticked
    assert response.status_code == 303
    after = app.test_client().get("/stations?lang=en").get_data(as_text=True)
    assert station.name_en not in after
    retired = _row(app, Station, slug="service-station-1")
    assert retired is not None and not retired.active
    assert "Retired" in client.get("/staff/reference?lang=en").get_data(as_text=True)
    [entry] = _audits(app, "reference_station")
    assert entry.before["active"] is True and entry.after["active"] is False


@pytest.mark.parametrize("lang, changes, message", [
    ("en", {"name_zh": ""}, "Enter a name in both languages."),
    ("zh", {"name_zh": ""}, "请用两种语言填写名称"),
    ("en", {"code": "Bad Slug!"}, "lowercase letters, digits and hyphens"),
    ("en", {"code": "service-station-1"}, "This code is already used."),
    ("zh", {"code": "service-station-1"}, "此代码已被使用"),
    ("en", {"area": "atlantis"}, "Choose an area from the list."),
    ("en", {"kind": "castle"}, "Choose a kind from the list."),
    ("en", {"name_en": "x" * 161}, "At most 160 characters."),
    ("en", {"sort_order": "many"}, "between -10000 and 10000"),
    ("zh", {"sort_order": "many"}, "之间的整数"),
    ("en", {"sort_order": "99999"}, "between -10000 and 10000"),
])
def test_bad_station_input_is_refused_next_to_the_field(app, client, login, lang, changes,
                                                        message):
    login("administrator", lang=lang)
    response = submit_form(client, "/staff/reference/stations/new", {**VENUE, **changes},
                           lang=lang)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _row(app, Station, slug="internet-party-building-base") is None
    assert _audits(app, "reference_station") == []


@pytest.mark.parametrize("role", ["moderator", "dispatcher", "viewer"])
def test_only_administrators_change_reference_data(client, login, role):
    login(role)
    assert client.get("/staff/reference").status_code == 403
    assert client.get("/staff/reference/stations/new").status_code == 403


def test_an_unknown_row_is_a_404(client, login):
    login("administrator")
    assert client.get("/staff/reference/stations/no-such-station").status_code == 404
    assert client.get("/staff/reference/categories/no-such").status_code == 404


def test_a_category_moves_to_another_team_and_residents_still_file_under_it(app, client, login):
    login("administrator", lang="en")
    category = _row(app, Category, code="street-lighting")
    parent = _row(app, Category, id=category.parent_id)
    response = submit_form(client, "/staff/reference/categories/street-lighting", {
        "name_zh": category.name_zh, "name_en": "Street lamps", "parent": parent.code,
        "team": "property", "urgent": "y", "sort_order": "3", "active": "y"}, lang="en")
    assert response.status_code == 303
    changed = _row(app, Category, code="street-lighting")
    assert (changed.team, changed.urgent, changed.name_en) == ("property", True, "Street lamps")
    form_page = app.test_client().get("/submit?lang=en").get_data(as_text=True)
    assert "Street lamps" in form_page
    assert submit_form(app.test_client(), "/submit", VALID_FORM, lang="en").status_code in (
        302, 303)


def test_a_category_with_sub_categories_stays_at_the_top(app, client, login):
    login("administrator", lang="en")
    child = _row(app, Category, code="street-lighting")
    top = _row(app, Category, id=child.parent_id)
    other_top = next(c for c in _all(app, Category) if c.parent_id is None and c.id != top.id)
    response = submit_form(client, f"/staff/reference/categories/{top.code}", {
        "name_zh": top.name_zh, "name_en": top.name_en, "parent": other_top.code,
        "team": top.team, "sort_order": "1", "active": "y"}, lang="en")
    assert response.status_code == 422
    assert "stays at the top level" in response.get_data(as_text=True)
    assert _row(app, Category, code=top.code).parent_id is None


def _all(app, model):
    with app.app_context():
        rows = db.session.execute(db.select(model)).scalars().all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_an_area_renamed_shows_on_the_form_and_the_seed_keeps_the_change(app, client, login):
    login("administrator", lang="en")
    area = _row(app, Area, code="riverside")
    response = submit_form(client, "/staff/reference/areas/riverside", {
        "kind": area.kind, "name_zh": area.name_zh, "name_en": "Riverside Grid (East)",
        "sort_order": str(area.sort_order), "active": "y"}, lang="en")
    assert response.status_code == 303
    assert "Riverside Grid (East)" in app.test_client().get("/submit?lang=en").get_data(
        as_text=True)
    with app.app_context():
        seed_reference_data(load_reference_file())
        db.session.commit()
    assert _row(app, Area, code="riverside").name_en == "Riverside Grid (East)"
    # rows nobody edited are still refreshed from the file
    shipped = {a["code"]: a for a in load_reference_file()["areas"]}
    assert _row(app, Area, code="dinghai-road").name_en == shipped["dinghai-road"]["name_en"]


def test_pages_render_in_every_language(client, login):
    login("administrator")
    for lang, word in (("en", "Stations and venues"), ("zh", "驿站与场所"),
                       ("zh_Hant", "驛站與場所")):
        page = client.get(f"/staff/reference?lang={lang}")
        assert page.status_code == 200 and word in page.get_data(as_text=True)
        form = client.get(f"/staff/reference/categories/new?lang={lang}")
        assert form.status_code == 200
