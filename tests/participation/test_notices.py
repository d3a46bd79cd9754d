"""Category notices before the forms, and emergency-only categories: the notice and the numbers
instead of the form (web and kiosk), refused by every channel; the staff page is audited."""
import json
import re

import pytest

from portal.accounts.models import AuditEntry
from portal.extensions import db
from portal.stations.models import CategoryNotice
from portal.submissions.models import Submission
from tests.api.helpers import VALID
from tests.helpers import VALID_FORM, submit_form
from tests.kiosk.helpers import draft, enrol_link, redeem, send_json
from tests.participation.helpers import post_from

NOTICE_ZH = "火警请拨 119，治安报警请拨 110；夜间无人值守本表。"
NOTICE_EN = "For a fire call 119, for a crime 110; this form is not watched at night."


def _set_notice(browser, category, emergency=False, text_zh=NOTICE_ZH, text_en=NOTICE_EN):
    data = {"category": category, "text_zh": text_zh, "text_en": text_en}
    if emergency:
        data["emergency_only"] = "y"
    return post_from(browser, "/staff/ideas/notices", "/staff/ideas/notices", data)


def _count(app):
    with app.app_context():
        return db.session.query(Submission).count()


@pytest.mark.parametrize("lang, notice", [("en", NOTICE_EN), ("zh", NOTICE_ZH)])
def test_an_administrator_attaches_a_notice_shown_before_the_web_form(app, login, lang, notice):
    admin = login("administrator", lang=lang)
    assert _set_notice(admin, "street-lighting").status_code == 303
    with app.app_context():
        audit = db.session.query(AuditEntry).filter_by(action="category.notice").one()
        assert audit.target_id == "street-lighting" and audit.after["text_zh"] == NOTICE_ZH
    browser = app.test_client()
    html = browser.get(f"/submit?lang={lang}").get_data(as_text=True)
    assert notice in html and html.index(notice) < html.index("<form method=\"post\"")
    chosen = browser.get(f"/submit?category=street-lighting&lang={lang}").get_data(as_text=True)
    assert notice in chosen
    assert re.search(r'<option[^>]*\bselected\b[^>]*value="street-lighting"'
                     r'|<option[^>]*value="street-lighting"[^>]*\bselected\b', chosen)
    # An ordinary notice does not stop the form.
    assert submit_form(browser, "/submit", VALID_FORM, lang=lang).status_code == 303


def test_only_administrators_set_notices(app, login):
    moderator = login("moderator")
    assert moderator.get("/staff/ideas/notices").status_code == 403
    with app.app_context():
        assert db.session.query(CategoryNotice).count() == 0


@pytest.mark.parametrize("lang, instead", [("en", "not handled through this form"),
                                           ("zh", "不通过本表受理")])
def test_an_emergency_only_category_shows_the_notice_instead_of_the_form(app, login, lang,
                                                                         instead):
    admin = login("administrator")
    assert _set_notice(admin, "street-lighting", emergency=True).status_code == 303
    browser = app.test_client()
    page = browser.get(f"/submit?category=street-lighting&lang={lang}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and instead in html and "119" in html
    assert 'name="title"' not in html
    # Posted anyway (an old page, a crafted form): refused with the notice, nothing stored.
    refused = submit_form(browser, "/submit", VALID_FORM, lang=lang)
    assert refused.status_code == 422 and "119" in refused.get_data(as_text=True)
    assert _count(app) == 0


def test_the_api_and_open311_refuse_an_emergency_only_category(app, login, api_key):
    admin = login("administrator")
    _set_notice(admin, "street-lighting", emergency=True)
    client = app.test_client()
    response = client.post("/api/v1/submissions?lang=en",
                           json={**VALID, "category": "street-lighting"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert "110" in error["fields"]["category"] and NOTICE_EN in error["fields"]["category"]
    open311 = client.post("/open311/v2/requests.json?lang=zh", data={
        "api_key": api_key, "service_code": "street-lighting", "description": "路灯坏了一周了。",
        "attribute[area]": "riverside", "lat": "31.25", "long": "121.52"})
    assert open311.status_code in (400, 422)
    assert "119" in json.dumps(open311.get_json(), ensure_ascii=False)
    assert _count(app) == 0


@pytest.mark.parametrize("lang, notice", [("en", NOTICE_EN), ("zh", NOTICE_ZH)])
def test_the_kiosk_shows_notices_and_an_emergency_screen(app, login, lang, notice):
    admin = login("administrator")
    _set_notice(admin, "street-lighting")
    _set_notice(admin, "greenery", emergency=True, text_zh="绿化紧急情况请拨 12345。",
                text_en="For urgent greenery matters call 12345.")
    kiosk_id, path = enrol_link(app)
    kiosk = app.test_client()
    assert redeem(kiosk, path).status_code == 303
    html = kiosk.get(f"/kiosk?lang={lang}").get_data(as_text=True)
    assert 'data-notice-for="street-lighting"' in html and notice in html
    assert 'data-category="greenery" data-emergency="1"' in html
    assert 'data-emergency-for="greenery"' in html and "12345" in html
    sent = send_json(kiosk, draft(category="greenery", lang=lang))
    assert sent.status_code == 422 and "12345" in json.dumps(sent.get_json(),
                                                             ensure_ascii=False)
