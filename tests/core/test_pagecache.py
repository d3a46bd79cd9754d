"""Cached public pages: shared by anonymous visitors, never stale after a change, never personal."""
from contextlib import contextmanager

import pytest
from flask import template_rendered

from portal.core.pagecache import PageStore
from portal.extensions import db, page_cache
from portal.submissions.models import Submission
from portal.submissions.services import change_status
from tests.helpers import query_plan


@contextmanager
def rendered_templates(app):
    """Names of the templates rendered while the block runs."""
    names = []

    def record(_sender, template, context, **_extra):
        names.append(template.name)
    template_rendered.connect(record, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(record, app)


@pytest.fixture
def published(app, make_submission):
    """A published submission; returns (id, code)."""
    with app.app_context():
        row = make_submission(publish=True, title="Lamp dark by the ferry gate",
                              body="The lamp by gate 3 has been dark for a week.")
        return row.id, row.code


def move_to(app, submission_id, status):
    with app.app_context():
        change_status(db.session.get(Submission, submission_id), status, actor="test")
        db.session.commit()


@pytest.mark.parametrize("lang", ["zh", "zh_Hant", "en"])
def test_second_anonymous_visit_is_served_without_rendering(app, client, published, lang):
    first = client.get(f"/submissions/{published[0]}?lang={lang}")
    with rendered_templates(app) as names:
        second = client.get(f"/submissions/{published[0]}?lang={lang}")
    assert second.status_code == 200
    assert second.get_data() == first.get_data()
    assert names == []
    # Every response still carries the security headers, cached or not.
    assert second.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert second.headers["X-Frame-Options"] == "DENY"


def test_each_language_gets_its_own_page(client, published):
    english = client.get(f"/submissions/{published[0]}?lang=en").get_data(as_text=True)
    chinese = client.get(f"/submissions/{published[0]}?lang=zh").get_data(as_text=True)
    assert 'lang="en"' in english and "Received" in english
    assert 'lang="zh-Hans"' in chinese and "已收到" in chinese
    # The language cookie set by ?lang= picks the language of a later page without it.
    assert 'lang="zh-Hans"' in client.get(f"/submissions/{published[0]}").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/submissions/{id}?lang=en", "/track/{code}?lang=en",
                                  "/?lang=en", "/submissions?lang=en"])
def test_a_change_shows_at_once_on_every_cached_page(app, client, published, path):
    url = path.format(id=published[0], code=published[1])
    assert "Accepted" not in client.get(url).get_data(as_text=True)
    move_to(app, published[0], "accepted")
    assert "Accepted" in client.get(url).get_data(as_text=True)


def test_a_not_found_page_is_not_kept(app, client, make_submission):
    with app.app_context():
        row = make_submission()
        submission_id = row.id
    assert client.get(f"/submissions/{submission_id}?lang=en").status_code == 404
    with app.app_context():
        from portal.submissions.services import set_publication
        row = db.session.get(Submission, submission_id)
        set_publication(row, True, actor="test", public_title="Now public",
                        public_body=row.body)
        db.session.commit()
    page = client.get(f"/submissions/{submission_id}?lang=en")
    assert page.status_code == 200 and "Now public" in page.get_data(as_text=True)


def test_signed_in_staff_get_their_own_page_and_it_is_not_shared(app, client, published,
                                                                 login):
    url = f"/submissions/{published[0]}?lang=en"
    assert ">Staff</a>" not in client.get(url).get_data(as_text=True)  # cached anonymously
    moderator = login("moderator", lang="en", browser=app.test_client())
    with rendered_templates(app) as names:
        staff_page = moderator.get(url).get_data(as_text=True)
    assert names, "a signed-in user's page is rendered for them"
    assert ">Staff</a>" in staff_page
    assert ">Staff</a>" not in app.test_client().get(url).get_data(as_text=True)


def test_a_page_that_makes_a_csrf_token_is_never_shared(app, client):
    first = client.get("/submit?lang=en")
    other = app.test_client().get("/submit?lang=en")
    assert first.status_code == other.status_code == 200
    assert first.get_data() != other.get_data()  # each visitor gets a token of their own


def test_cache_can_be_switched_off(app, client, published, monkeypatch):
    monkeypatch.setitem(app.config, "PORTAL_PAGE_CACHE", False)
    client.get(f"/submissions/{published[0]}?lang=en")
    with rendered_templates(app) as names:
        client.get(f"/submissions/{published[0]}?lang=en")
    assert names


def test_a_cached_search_finds_what_the_index_took_in_since(app, client):
    from tests.search.helpers import drain

    url = "/search?q=ferry+bollard&lang=en"
    drain(app)
    assert "1 result." not in client.get(url).get_data(as_text=True)
    with rendered_templates(app) as names:
        client.get(url)
    assert names == []  # the same search again: served as it was
    with app.app_context():
        from portal.submissions.services import create_submission, set_publication
        row = create_submission(kind="issue", category_code="other", area_code="daqiao",
                                title="Ferry bollard knocked over",
                                body="The bollard at the ferry gate lies on the path.").submission
        set_publication(row, True, actor="test", public_title=row.title, public_body=row.body)
        db.session.commit()
        row_id = row.id
    drain(app)  # the worker indexes it; this process's searcher reopens
    page = client.get(url).get_data(as_text=True)
    assert "1 result." in page and f'href="/submissions/{row_id}"' in page


def test_a_search_page_marked_with_my_support_is_mine_alone(app, client, published):
    from tests.search.helpers import drain

    drain(app)
    url = "/search?q=ferry+gate&lang=en"
    anonymous = client.get(url).get_data(as_text=True)
    supporter = app.test_client()
    with supporter.session_transaction() as session:
        session["supported"] = [published[0]]
    mine = supporter.get(url).get_data(as_text=True)
    assert mine != anonymous
    assert _without_form_keys(client.get(url).get_data(as_text=True)) == \
        _without_form_keys(anonymous)


def _without_form_keys(page: str) -> str:
    """The page without its per-response form idempotency keys (see the test below) and CSRF
    tokens (signed with the time: two renders a second apart differ)."""
    import re

    return re.sub(r'name="(?:idempotency_key|csrf_token)" value="[^"]+"', "", page)


def test_a_search_page_with_forms_is_shared_but_each_visitor_gets_their_own_token(app,
                                                                                   published):
    """Search results carry "this is my problem too" forms: the page is rendered once, and the
    CSRF token in it is filled in per visitor (a token is never served to someone else)."""
    import re

    from tests.search.helpers import drain

    drain(app)
    url = "/search?q=ferry+gate&lang=en"
    first, second = app.test_client(), app.test_client()
    first_page = first.get(url).get_data(as_text=True)
    with rendered_templates(app) as names:
        second_page = second.get(url).get_data(as_text=True)
    assert names == []  # the second visitor got the stored page
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    first_token, second_token = token.search(first_page)[1], token.search(second_page)[1]
    assert first_token != second_token
    assert _without_form_keys(first_page.replace(first_token, "")) == \
        _without_form_keys(second_page.replace(second_token, ""))
    assert app.extensions["portal_csrf_hole"] not in second_page
    # The forms' idempotency keys are filled in per response too (one page view, one key).
    key = re.compile(r'name="idempotency_key" value="([^"]+)"')
    assert key.search(first_page)[1] != key.search(second_page)[1]
    assert app.extensions["portal_nonce_hole"] not in second_page
    action = f"/submissions/{published[0]}/support?lang=en"
    assert second.post(action, data={"csrf_token": first_token}).status_code == 400
    assert second.post(action, data={"csrf_token": second_token}).status_code == 303


def _another_process(app):
    """The same database through an engine of its own, as another web or worker process has:
    its commits do not reach this process's engine."""
    from sqlalchemy import create_engine

    return create_engine(app.config["SQLALCHEMY_DATABASE_URI"])


def _retitle_elsewhere(app, submission_id, title):
    """A change committed by another process: the public title and its change-log row (what any
    change to a submission writes), in one transaction."""
    from portal.submissions.models import ChangeLog

    engine = _another_process(app)
    with engine.begin() as connection:
        connection.execute(db.update(Submission).where(Submission.id == submission_id)
                           .values(public_title=title))
        connection.execute(db.insert(ChangeLog).values(
            submission_id=submission_id, change="published", status="received", public=True))
    engine.dispose()


def test_versions_read_once_equal_a_fresh_read_until_a_write(app, client, published):
    from portal.core.pagecache import data_versions, read_data_versions

    with app.test_request_context("/"):
        first = data_versions()
        assert (first, data_versions(every_change=False)) == read_data_versions()
        assert app.extensions["portal_page_versions_read"][1] == first  # kept for the next page
        assert data_versions() == first
    kept = app.extensions["portal_page_versions_read"]
    assert client.get("/stations?lang=en").status_code == 200  # rendered: a read-only commit
    assert app.extensions["portal_page_versions_read"] is kept
    move_to(app, published[0], "accepted")  # a write committed here clears what it read
    assert app.extensions["portal_page_versions_read"] is None
    with app.test_request_context("/"):
        assert (data_versions(), data_versions(every_change=False)) == read_data_versions()
        assert data_versions() != first


def test_another_process_change_shows_within_the_versions_age(app, client, published,
                                                               monkeypatch):
    url = f"/submissions/{published[0]}?lang=en"
    monkeypatch.setitem(app.config, "PORTAL_PAGE_VERSIONS_SECONDS", 3600)
    assert "Lamp dark by the ferry gate" in client.get(url).get_data(as_text=True)
    _retitle_elsewhere(app, published[0], "Lamp mended by the ferry gate")
    kept = client.get(url).get_data(as_text=True)
    assert "Lamp dark by the ferry gate" in kept  # within the age: the page kept for them
    monkeypatch.setitem(app.config, "PORTAL_PAGE_VERSIONS_SECONDS", 0)
    fresh = client.get(url).get_data(as_text=True)
    assert "Lamp mended by the ferry gate" in fresh and "Lamp dark" not in fresh


@pytest.mark.parametrize("path", ["/?lang=en", "/submissions?lang=en", "/submissions/{id}?lang=en",
                                  "/map?lang=en", "/ideas?lang=en", "/stations?lang=en"])
def test_a_report_waiting_for_review_leaves_the_public_pages_kept(app, client, published,
                                                                   make_submission, path):
    url = path.format(id=published[0])
    first = client.get(url)
    assert first.status_code == 200
    with app.app_context():
        waiting = make_submission(title="Bins overflowing on Dinghai Road")
        change_status(waiting, "accepted", actor="test")  # and a change to it
        db.session.commit()
    with rendered_templates(app) as names:
        second = client.get(url)
    assert names == [] and second.get_data() == first.get_data()


def test_a_tracking_page_follows_every_change_of_its_unpublished_case(app, client,
                                                                      make_submission):
    with app.app_context():
        waiting = make_submission(title="Bins overflowing on Dinghai Road")
        submission_id, code = waiting.id, waiting.code
    url = f"/track/{code}?lang=en"
    assert "Accepted" not in client.get(url).get_data(as_text=True)
    move_to(app, submission_id, "accepted")
    assert "Accepted" in client.get(url).get_data(as_text=True)


def test_public_versions_move_with_public_changes_and_the_deadlines_applied_to_them(
        app, published, make_submission):
    from portal.core.pagecache import read_data_versions
    from portal.servicelevels.deadlines import consume_changes

    def versions():
        with app.test_request_context("/"):
            return read_data_versions()

    def deadlines():
        with app.app_context():
            consume_changes()
            db.session.commit()

    with app.app_context():
        waiting = make_submission(title="Bins overflowing on Dinghai Road").id
    deadlines()
    every, public = versions()
    move_to(app, waiting, "accepted")
    deadlines()
    assert versions()[0] != every and versions()[1] == public  # not shown without the code
    every, public = versions()
    move_to(app, published[0], "accepted")
    assert versions()[1] != public
    public = versions()[1]
    deadlines()  # the due date the task computed for it shows on public lists
    assert versions()[1] != public
    public = versions()[1]
    with app.app_context():
        from portal.submissions.services import set_publication

        set_publication(db.session.get(Submission, published[0]), False, actor="test")
        db.session.commit()
    assert versions()[1] != public  # taken off the public pages


def test_the_newest_public_change_is_read_from_its_own_index(app, published):
    """Every process reads the page versions a few times a second: the newest public change
    must come from the public changes' index, not from a backward scan over every change,
    even when thousands of newer changes are not public and no statistics were gathered."""
    from portal.core.pagecache import page_versions_query, read_data_versions
    from portal.submissions.models import ChangeLog

    with app.app_context():
        db.session.execute(db.insert(ChangeLog), [
            {"submission_id": published[0], "change": "edited", "public": False}] * 3000)
        db.session.commit()
        plan = query_plan(page_versions_query())
    # Two versions read public changes: the newest, and the newest the deadlines task applied.
    assert plan.count("ix_change_log_public") == 2, plan
    with app.test_request_context("/"):
        public = read_data_versions()[1]
    with app.app_context():
        newest = db.session.execute(db.select(db.func.max(ChangeLog.id)).filter_by(
            public=True)).scalar()
    assert public.split(":")[0] == str(newest)


def test_the_page_store_lets_the_least_recently_served_page_go_first():
    """Full, the store drops the page served longest ago, not one just served."""
    store = PageStore(threshold=3, default_timeout=60)
    for key in ("a", "b", "c"):
        assert store.set(key, f"page {key}")
    assert store.get("a") == "page a"  # served again: now the most recent
    store.set("d", "page d")
    assert (store.get("a"), store.get("b"), store.get("c"), store.get("d")) == (
        "page a", None, "page c", "page d")
    assert not store.add("c", "other") and store.get("c") == "page c"
    assert store.delete("c") and not store.has("c") and not store.delete("c")


def test_a_kept_entry_expires_after_its_timeout():
    """No page outlives PORTAL_PAGE_CACHE_SECONDS, served or not; an entry kept with a timeout
    of its own (the wall screen's figures) outlives that one by none; 0 keeps it until it is
    pushed out."""
    now = [1000.0]
    store = PageStore(threshold=10, default_timeout=60, timer=lambda: now[0])
    store.set("home", "old home")
    store.set("wall", {"open": 3}, timeout=5)
    store.set("forever", "kept", timeout=0)
    now[0] += 4
    assert store.get("wall") == {"open": 3}
    now[0] += 2
    assert store.get("wall") is None and store.get("home") == "old home"
    now[0] += 55
    assert store.get("home") is None and not store.has("home")
    now[0] += 10 ** 6
    assert store.get("forever") == "kept"


def test_the_application_keeps_its_pages_in_the_page_store(app):
    """The pages the decorator keeps go to this store, bounded by PORTAL_PAGE_CACHE_ENTRIES."""
    store = page_cache.cache
    assert isinstance(store, PageStore)
    assert store._entries.maxsize == app.config["PORTAL_PAGE_CACHE_ENTRIES"]
