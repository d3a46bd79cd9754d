"""Every resident-written field shown publicly (title, text, place) is masked and editable.

The attack: a place typed as "Lane 5, call Mr Li 13812345678" was published as typed, on the
public page, in Open311's `address` (JSON and XML) and in public search.
"""
import json
import xml.etree.ElementTree as ET

import pytest

from portal.extensions import db
from portal.search.services import search
from portal.submissions.models import Submission
from tests.moderation.helpers import post_from
from tests.search.helpers import drain

PHONE = "13812345678"
MASKED = "138****5678"
PLACE = f"杨树浦路5弄，找李先生 {PHONE}"


def accept_and_publish(moderator, submission_id):
    url = f"/staff/submissions/{submission_id}"
    assert post_from(moderator, url, url + "/decide", {"action": "accept"}).status_code == 303
    assert post_from(moderator, url, url + "/publish", {"published": "1"}).status_code == 303


@pytest.fixture
def published_place(make_record, moderator):
    """A submission whose place holds a phone number, accepted and published in one step."""
    record = make_record(place=PLACE)
    accept_and_publish(moderator, record.id)
    return record


def test_one_step_publication_masks_the_place_on_the_public_page(app, client, published_place):
    page = client.get(f"/submissions/{published_place.id}").get_data(as_text=True)
    assert PHONE not in page
    assert f"杨树浦路5弄，找李先生 {MASKED}" in page
    with app.app_context():
        row = db.session.get(Submission, published_place.id)
        assert row.place == PLACE  # the original stays for staff and the platform
        assert row.public_place == f"杨树浦路5弄，找李先生 {MASKED}"


def test_review_page_finds_personal_data_in_the_place_and_lets_the_moderator_edit_it(
        app, client, make_record, moderator):
    record = make_record(place=PLACE)
    url = f"/staff/submissions/{record.id}"
    html = moderator.get(url + "?lang=en").get_data(as_text=True)
    assert 'name="place"' in html and "Public place" in html
    assert f'value="{PHONE}"' in html  # listed among the findings, to keep or mask
    assert MASKED in html  # the preview of what the public will see
    assert post_from(moderator, url, url + "/decide", {"action": "accept"}).status_code == 303
    response = post_from(moderator, url, url + "/public", {
        "title": "路灯不亮", "body": "杨树浦路 100 号门口的路灯坏了一周。",
        "place": "杨树浦路5弄", "publish": "publish"})
    assert response.status_code == 303
    page = client.get(f"/submissions/{record.id}").get_data(as_text=True)
    assert "杨树浦路5弄" in page and "李先生" not in page and "5678" not in page
    with app.app_context():
        row = db.session.get(Submission, record.id)
        assert row.place == PLACE and row.public_place == "杨树浦路5弄"


def test_a_place_typed_by_the_moderator_is_masked_too(app, client, make_record, moderator):
    record = make_record(place="滨江")
    url = f"/staff/submissions/{record.id}"
    post_from(moderator, url, url + "/decide", {"action": "accept"})
    post_from(moderator, url, url + "/public", {
        "title": "路灯不亮", "body": "杨树浦路 100 号门口的路灯坏了一周。",
        "place": f"滨江 {PHONE}", "publish": "publish"})
    page = client.get(f"/submissions/{record.id}").get_data(as_text=True)
    assert PHONE not in page and f"滨江 {MASKED}" in page


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_address_carries_the_masked_place(client, published_place, fmt):
    for ident in (published_place.id, published_place.code):  # public id and tracking code
        response = client.get(f"/open311/v2/requests/{ident}.{fmt}")
        assert response.status_code == 200
        assert PHONE.encode() not in response.data
        if fmt == "json":
            address = json.loads(response.data)[0]["address"]
        else:
            address = ET.fromstring(response.data).findtext("request/address")
        assert address == f"杨树浦路5弄，找李先生 {MASKED}"
    listed = client.get(f"/open311/v2/requests.{fmt}")
    assert PHONE.encode() not in listed.data and MASKED.encode() in listed.data


def test_json_api_never_shows_the_unmasked_place(client, published_place):
    tracking = client.get(f"/api/v1/submissions/{published_place.code}").get_json()
    assert tracking["place"] == f"杨树浦路5弄，找李先生 {MASKED}"
    assert PHONE not in json.dumps(tracking, ensure_ascii=False)


def test_the_tracking_page_masks_personal_data_the_resident_wrote(client, make_record):
    """A guessed tracking code must not hand out a phone number, even the resident's own."""
    record = make_record(body=f"路灯坏了，请打 {PHONE}。", place=PLACE)
    page = client.get(f"/track/{record.code}").get_data(as_text=True)
    assert PHONE not in page and MASKED in page and "杨树浦路5弄" in page
    data = client.get(f"/api/v1/submissions/{record.code}").get_json()
    assert PHONE not in json.dumps(data, ensure_ascii=False)
    assert data["body"] == f"路灯坏了，请打 {MASKED}。"


def test_public_search_never_matches_the_unmasked_place(app, client, published_place,
                                                         make_record):
    unpublished = make_record(title="井盖丢了", body="码头边的井盖不见了。",
                              place=f"渔人码头 {PHONE}")
    drain(app)
    with app.app_context():
        assert search(PHONE).hits == []
        assert search("渔人码头").hits == []  # unpublished: never in public results
        assert [h.submission.id for h in search(MASKED).hits + search("杨树浦路5弄").hits] \
            == [published_place.id, published_place.id]
        staff_ids = {h.submission.id for h in search(PHONE, staff=True).hits}
        assert staff_ids == {published_place.id, unpublished.id}
    page = client.get(f"/search?q={PHONE}").get_data(as_text=True)
    assert f"/submissions/{published_place.id}" not in page and MASKED not in page
    assert client.get(f"/api/v1/search?q={PHONE}").get_json()["total"] == 0
    found = client.get("/api/v1/search?q=杨树浦路5弄").get_json()["results"]
    assert [r["id"] for r in found] == [published_place.id]


def test_staff_api_publishes_an_edited_place(app, client, make_record, staff_token):
    record = make_record(place=PLACE)
    token = staff_token("moderator", username="api-mod")
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/staff/submissions/{record.code}/decision"
    assert client.post(url, json={"action": "accept"}, headers=headers).status_code == 200
    response = client.post(url, headers=headers, json={
        "action": "publish", "public_title": "路灯不亮", "public_body": "门口的路灯坏了一周。",
        "public_place": f"杨树浦路5弄 {PHONE}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["public_place"] == f"杨树浦路5弄 {MASKED}"
    assert PHONE not in client.get(f"/submissions/{record.id}").get_data(as_text=True)


def test_every_public_field_is_editable_stored_and_described():
    """A field added to PUBLIC_FIELDS without its column, form input or API schema fails here."""
    from portal.api.openapi import SCHEMAS
    from portal.moderation.forms import PublicVersionForm
    from portal.submissions.public_text import PUBLIC_FIELDS

    for f in PUBLIC_FIELDS:
        assert f.public in Submission.__table__.columns, f.name
        assert hasattr(PublicVersionForm, f.name), f.name
        assert f.name in SCHEMAS["Tracking"]["properties"], f.name
        assert f.public in SCHEMAS["StaffSubmission"]["properties"], f.name
        assert f.public in SCHEMAS["Decision"]["properties"], f.name


def test_the_review_page_labels_the_public_place_in_chinese(make_record, moderator):
    record = make_record(place=PLACE)
    html = moderator.get(f"/staff/submissions/{record.id}?lang=zh").get_data(as_text=True)
    assert "公开地点" in html and MASKED in html


def test_upgrade_gives_existing_public_versions_a_masked_place(monkeypatch, tmp_path):
    """Rows published before the place had a public copy get it masked; others get none."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from portal import create_app
    from portal.core.migrations import bind_migrations

    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path / 'old.db'}")
    app = create_app({"TESTING": True})
    bind_migrations(app)
    with app.app_context():
        upgrade(revision="0006")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO area (id, code, kind, name_zh, name_en, overlaps, sort_order, active)"
                " VALUES (1, 'riverside', 'grid', '滨江', 'Riverside', '', 1, 1)"))
            connection.execute(text(
                "INSERT INTO category (id, code, name_zh, name_en, team, urgent, sort_order,"
                " active) VALUES (1, 'other', '其他', 'Other', 'operations_center', 0, 1, 1)"))
            for number, public_title in ((1, "'路灯不亮'"), (2, "NULL")):
                connection.execute(text(
                    "INSERT INTO submission (id, code, kind, channel, language, status,"
                    " category_id, area_id, title, body, place, public_title, public_body,"
                    " published, support_count, screening_score, screening_reasons,"
                    " created_at, updated_at) VALUES"
                    f" ({number}, 'CODE{number}', 'issue', 'web', 'zh', 'accepted', 1, 1,"
                    f" '路灯不亮', '路灯坏了一周。', :place, {public_title}, {public_title},"
                    f" {2 - number}, 0, 0, '[]', '2026-11-01', '2026-11-01')"),
                    {"place": PLACE})
        upgrade()
        with db.engine.connect() as connection:
            rows = dict(connection.execute(text(
                "SELECT id, public_place FROM submission ORDER BY id")).all())
            changes = connection.execute(text(
                "SELECT submission_id, change FROM change_log")).all()
        db.engine.dispose()
    assert rows == {1: f"杨树浦路5弄，找李先生 {MASKED}", 2: None}
    assert [tuple(c) for c in changes] == [(1, "edited")]  # the published one is reindexed


def test_a_place_the_moderator_removed_stays_removed(app, client, make_record, moderator):
    record = make_record(place=PLACE)
    url = f"/staff/submissions/{record.id}"
    post_from(moderator, url, url + "/decide", {"action": "accept"})
    post_from(moderator, url, url + "/public", {
        "title": "路灯不亮", "body": "杨树浦路 100 号门口的路灯坏了一周。", "place": "",
        "publish": "publish"})
    for published in ("0", "1"):  # unpublish, then publish again in one step
        post_from(moderator, url, url + "/publish", {"published": published})
    assert "李先生" not in client.get(f"/submissions/{record.id}").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Submission, record.id).public_place is None
