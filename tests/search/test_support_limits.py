""""This is my problem too" on the public pages: once per visitor, once per retried request,
and only so many voices from one address, however many fresh sessions it opens."""
import re

import pytest

from portal.extensions import db
from portal.submissions.models import Submission, Support
from tests.helpers import csrf_token

KEY_INPUT = re.compile(r'name="idempotency_key" value="([^"]+)"')


@pytest.fixture
def searchable(publish, index_now):
    sid = publish("路灯坏了")
    index_now()
    return sid


def _count(app, sid):
    with app.app_context():
        return db.session.get(Submission, sid).support_count


def _search_page(browser):
    html = browser.get("/search?q=路灯&lang=en").get_data(as_text=True)
    return csrf_token(html), KEY_INPUT.search(html).group(1)


def _fresh_browser(app, address):
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


@pytest.mark.parametrize("lang,message", [
    ("zh", "您所在的网络今天已为这条反映添加了很多声音"),
    ("en", "Many voices were added to this report from your network today")])
def test_twenty_fresh_sessions_from_one_address_are_capped(app, searchable, lang, message):
    statuses = []
    for _ in range(20):
        browser = _fresh_browser(app, "192.0.2.40")
        token, key = _search_page(browser)
        response = browser.post(f"/submissions/{searchable}/support?lang={lang}",
                                data={"csrf_token": token, "idempotency_key": key})
        statuses.append(response.status_code)
    assert statuses == [303] * 5 + [429] * 15
    assert message in response.get_data(as_text=True)
    assert _count(app, searchable) == 5
    # Residents elsewhere are still counted.
    browser = _fresh_browser(app, "192.0.2.41")
    token, key = _search_page(browser)
    assert browser.post(f"/submissions/{searchable}/support",
                        data={"csrf_token": token, "idempotency_key": key}).status_code == 303
    assert _count(app, searchable) == 6
    with app.app_context():
        hashes = {s.address_hash for s in db.session.query(Support)}
        assert len(hashes) == 2 and not any("192.0.2" in h for h in hashes)


def test_a_retried_support_counts_once_even_when_its_answer_was_lost(app, searchable):
    browser = _fresh_browser(app, "192.0.2.42")
    token, key = _search_page(browser)
    before = browser.get_cookie("session").value  # what the browser holds before posting
    data = {"csrf_token": token, "idempotency_key": key}
    assert browser.post(f"/submissions/{searchable}/support", data=data).status_code == 303
    # The answer (and the cookie it set) never arrived: the browser posts the form again.
    browser.set_cookie("session", before)
    response = browser.post(f"/submissions/{searchable}/support", data=data)
    assert response.status_code == 303
    assert _count(app, searchable) == 1
    # A new page view (a new key) from the same lost-cookie state is a new request.
    browser.set_cookie("session", before)
    token, key = _search_page(browser)
    assert key != data["idempotency_key"]


def test_each_view_of_the_cached_search_page_gets_its_own_key(app, searchable):
    keys = {_search_page(_fresh_browser(app, f"192.0.2.{50 + n}"))[1] for n in range(3)}
    assert len(keys) == 3


def test_a_malformed_key_is_refused_and_nothing_counted(app, client, searchable):
    token, _key = _search_page(client)
    for bad in ("short", "x" * 65, "web:abc/def-0123456789"):
        response = client.post(f"/submissions/{searchable}/support",
                               data={"csrf_token": token, "idempotency_key": bad})
        assert response.status_code == 400
    assert _count(app, searchable) == 0
