"""The kiosk's "this is my problem too": similar published submissions after the title, support
instead of a new submission (Flask client; SQLite and PostgreSQL)."""
import pytest

from portal.extensions import db
from portal.submissions.models import ChangeLog, Submission
from portal.submissions.services import set_publication
from tests.kiosk.helpers import draft, enrol_link, redeem, send_json, support_json

# (visit language, a title typed at the kiosk, what the screen says, status, area as shown)
LANGS = {
    "zh": ("路灯坏了", "是否已有人反映过这个问题？", "已收到", "大桥街道",
           "谢谢，已记下您的声音", "已有 1 位居民表示“我也遇到了”。"),
    "en": ("street light broken", "Has someone already reported this?", "Received",
           "Daqiao Subdistrict", "Thank you, your voice was added",
           "1 resident added their voice."),
}


def _similar(client, q, lang):
    response = client.get("/kiosk/similar", query_string={"q": q, "lang": lang})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()["results"]


def _support_state(app, sid):
    with app.app_context():
        row = db.session.get(Submission, sid)
        changes = [c.change for c in db.session.query(ChangeLog).filter_by(submission_id=sid)
                   .order_by(ChangeLog.id)]
        return row.support_count, changes, db.session.query(Submission).count()


@pytest.fixture
def published(publish, index_now):
    """A Chinese and an English published submission, searchable."""
    ids = {"zh": publish("滨江步道路灯坏了"),
           "en": publish("Street light broken at the ferry",
                         "The street light by gate 3 is broken. Please fix it.")}
    publish("垃圾桶满了")
    index_now()
    return ids


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_describe_step_is_followed_by_a_similar_screen(kiosk_client, lang):
    html = kiosk_client.get(f"/kiosk?lang={lang}").get_data(as_text=True)
    heading = LANGS[lang][1]
    assert 'data-step="similar"' in html and heading in html
    assert 'data-similar-url="/kiosk/similar"' in html
    assert 'data-support-url="/kiosk/support"' in html
    assert ("我也遇到了" if lang == "zh" else "This is my problem too") in html
    assert ("都不是，继续" if lang == "zh" else "None of these — continue") in html
    assert "<script>" not in html and " style=" not in html


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_similar_published_submissions_are_shown_for_a_matching_title(kiosk_client, published,
                                                                       lang):
    title, _heading, status, area = LANGS[lang][:4]
    results = _similar(kiosk_client, title, lang)
    assert results[0]["id"] == published[lang]
    assert set(results[0]) == {"id", "title", "status", "area"}
    assert results[0]["status"] == status and results[0]["area"] == area
    assert len(results) <= 5
    # Traditional script finds the Simplified title too (the search analyzer folds scripts).
    assert published["zh"] in [r["id"] for r in _similar(kiosk_client, "路燈壞了", "zh_Hant")]


def test_at_most_five_are_shown(kiosk_client, publish, index_now):
    for n in range(7):
        publish(f"路灯坏了第{n}盏")
    index_now()
    assert len(_similar(kiosk_client, "路灯坏了", "zh")) == 5


@pytest.mark.parametrize("lang,title", [("zh", "电梯停运"), ("en", "elevator out of service")])
def test_nothing_is_shown_when_nothing_matches(kiosk_client, published, lang, title):
    assert _similar(kiosk_client, title, lang) == []
    assert _similar(kiosk_client, "", lang) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_unpublished_submissions_and_private_text_are_never_shown(kiosk_client, app,
                                                                  make_submission, index_now,
                                                                  lang):
    with app.app_context():
        make_submission(title="路灯坏了 street light broken", body="尚未发布的路灯问题。",
                        contact={"name": "王阿姨", "phone": "021 5555 1234", "consent": True})
        redacted = make_submission(title="王阿姨家门口路灯坏了 street light broken",
                                   body="王阿姨家门口的路灯坏了。电话 021 5555 1234。",
                                   contact={"name": "王阿姨", "phone": "021 5555 1234"})
        set_publication(redacted, True, actor="moderator",
                        public_title="路灯坏了 street light broken（已隐去住址）",
                        public_body="某处的路灯坏了。")
        db.session.commit()
        redacted_id = redacted.id
    index_now()
    response = kiosk_client.get("/kiosk/similar", query_string={"q": LANGS[lang][0], "lang": lang})
    results = response.get_json()["results"]
    assert [r["id"] for r in results] == [redacted_id]
    assert results[0]["title"] == "路灯坏了 street light broken（已隐去住址）"
    raw = response.get_data(as_text=True)
    for private in ("王阿姨", "5555", "尚未发布", "家门口"):
        assert private not in raw
    # Unpublished later: gone from the suggestions (the database decides, not the index).
    with app.app_context():
        set_publication(db.session.get(Submission, redacted_id), False, actor="moderator")
        db.session.commit()
    assert _similar(kiosk_client, LANGS[lang][0], lang) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_my_problem_too_records_support_and_no_new_submission(kiosk_client, app, published, lang):
    sid = published[lang]
    before = _support_state(app, sid)
    response = support_json(kiosk_client, sid, lang=lang)
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"supported_url": f"/kiosk/supported?lang={lang}"}
    count, changes, total = _support_state(app, sid)
    assert count == before[0] + 1 == 1
    assert changes[-1] == "support" and len(changes) == len(before[1]) + 1
    assert total == before[2]  # no new submission
    page = kiosk_client.get(f"/kiosk/supported?lang={lang}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    thanks, voices = LANGS[lang][4:]
    assert thanks in html and voices in html and LANGS[lang][2] in html
    with app.app_context():
        assert db.session.get(Submission, sid).public_title in html
    assert f"/submissions/{sid}" in html and "<svg" in html  # QR code of the public page
    assert 'data-receipt="60"' in html and 'data-action="reset"' in html
    # A second tap in the same visit counts once.
    assert support_json(kiosk_client, sid, lang=lang).status_code == 201
    assert _support_state(app, sid)[0] == 1


def test_the_next_visit_may_add_its_voice_again_and_the_confirmation_ends_with_the_visit(
        kiosk_client, app, published):
    sid = published["zh"]
    support_json(kiosk_client, sid)
    assert kiosk_client.post("/kiosk/reset").status_code == 204
    assert kiosk_client.get("/kiosk/supported?lang=zh").status_code == 302
    assert support_json(kiosk_client, sid).status_code == 201
    assert _support_state(app, sid)[0] == 2


def test_only_published_submissions_can_be_supported(kiosk_client, app, make_submission):
    with app.app_context():
        hidden = make_submission().id
    response = support_json(kiosk_client, hidden)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert support_json(kiosk_client, 999999).status_code == 404
    token = kiosk_client.get("/kiosk/csrf").get_json()["csrf_token"]
    for payload in ({}, {"submission": "1"}, {"submission": True}, []):
        response = kiosk_client.post("/kiosk/support", json=payload, headers={"X-CSRFToken": token})
        assert response.status_code == 400
    assert _support_state(app, hidden)[0] == 0
    assert kiosk_client.get("/kiosk/supported?lang=zh").status_code == 302


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_continuing_after_the_suggestions_creates_the_submission(kiosk_client, app, published,
                                                                 lang):
    assert _similar(kiosk_client, LANGS[lang][0], lang)
    response = send_json(kiosk_client, draft(title=LANGS[lang][0] + " 3号门", lang=lang))
    assert response.status_code == 201
    with app.app_context():
        row = db.session.query(Submission).filter_by(channel="kiosk").one()
        assert row.language == lang and row.station.slug == "service-station-1"
        assert db.session.get(Submission, published[lang]).support_count == 0


def test_a_browser_that_is_not_an_enrolled_kiosk_is_refused(app, client, published):
    sid = published["zh"]
    response = client.get("/kiosk/similar?q=路灯坏了&lang=zh")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "kiosk_not_enrolled"
    # A valid CSRF token of the public site does not make it a kiosk.
    from tests.helpers import csrf_token
    token = csrf_token(client.get("/submit?lang=zh").get_data(as_text=True))
    response = support_json(client, sid, token=token)
    assert response.status_code == 403
    assert client.get("/kiosk/supported?lang=zh").status_code == 403
    assert _support_state(app, sid)[0] == 0


def test_a_revoked_kiosk_is_refused(app, published):
    from portal.kiosk.models import Kiosk
    from portal.kiosk.services import revoke_kiosk
    kiosk_id, path = enrol_link(app)
    device = app.test_client()
    redeem(device, path)
    token = device.get("/kiosk/csrf").get_json()["csrf_token"]
    with app.app_context():
        revoke_kiosk(db.session.get(Kiosk, kiosk_id), actor="test")
        db.session.commit()
    answer = device.get("/kiosk/similar?q=路灯&lang=zh").get_json()
    assert answer["error"]["code"] == "kiosk_revoked"
    assert support_json(device, published["zh"], token=token).status_code == 403
    assert _support_state(app, published["zh"])[0] == 0


def test_support_needs_the_csrf_token(kiosk_client, app, published):
    sid = published["zh"]
    response = kiosk_client.post("/kiosk/support", json={"submission": sid, "lang": "zh"})
    assert response.status_code == 400
    assert support_json(kiosk_client, sid, token="forged").status_code == 400
    assert _support_state(app, sid)[0] == 0


@pytest.mark.parametrize("app_config", [{"PORTAL_RATE_LIMITS": "on",
                                         "PORTAL_RATE_LIMIT_KIOSK": "2 per minute"}])
def test_support_is_limited_per_device(kiosk_client, app, published):
    statuses = [support_json(kiosk_client, published["zh"]).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    response = support_json(kiosk_client, published["zh"])
    assert response.get_json()["error"]["code"] == "rate_limited"


def _support_with_key(device, submission_id, draft_key):
    token = device.get("/kiosk/csrf").get_json()["csrf_token"]
    return device.post("/kiosk/support", headers={"X-CSRFToken": token},
                       json={"submission": submission_id, "lang": "zh", "draft_key": draft_key})


@pytest.mark.parametrize("app_config", [{"PORTAL_SUPPORTS_PER_DEVICE": 3}])
def test_supports_are_capped_per_device_not_per_station_address(app, published):
    sid = published["zh"]
    devices = []
    for label in ("left", "right"):
        _kiosk_id, path = enrol_link(app, label=label)
        device = app.test_client()
        device.environ_base["REMOTE_ADDR"] = "192.0.2.90"  # one station, one address
        assert redeem(device, path).status_code == 303
        devices.append(device)
    statuses = []
    for _visit in range(5):  # five visits in a row, each ended by the reset
        statuses.append(support_json(devices[0], sid).status_code)
        assert devices[0].post("/kiosk/reset").status_code == 204
    assert statuses == [201, 201, 201, 429, 429]
    refused = support_json(devices[0], sid)
    assert refused.get_json()["error"]["code"] == "support_limited"
    assert _support_state(app, sid)[0] == 3
    # The other kiosk at the same station (same address) has its own count.
    assert support_json(devices[1], sid).status_code == 201
    assert _support_state(app, sid)[0] == 4


def test_a_retried_support_with_the_same_draft_key_counts_once(kiosk_client, app, published):
    sid, key = published["zh"], "a" * 32
    assert _support_with_key(kiosk_client, sid, key).status_code == 201
    # The answer was lost and the screen's visit with it; the retry carries the same draft key.
    assert kiosk_client.post("/kiosk/reset").status_code == 204
    assert _support_with_key(kiosk_client, sid, key).status_code == 201
    assert _support_state(app, sid)[0] == 1
    # The next resident's draft has a new key.
    assert kiosk_client.post("/kiosk/reset").status_code == 204
    assert _support_with_key(kiosk_client, sid, "b" * 32).status_code == 201
    assert _support_state(app, sid)[0] == 2
