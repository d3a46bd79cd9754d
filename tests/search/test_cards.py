"""Result cards made from kept shapes: the same page as a fresh render, after every kind of
change a card shows, in every language and on both search pages."""
import re

import pytest

from portal.core.text import to_traditional
from portal.extensions import db
from portal.stations.models import Area, Category
from portal.submissions.models import Submission
from portal.submissions.services import change_status
from tests.helpers import csrf_token

# A form's key is new on each page, and its CSRF token is signed with the time.
PER_RESPONSE = re.compile(r'name="(idempotency_key|csrf_token)" value="[^"]*"')


@pytest.fixture
def app_config():
    # Pages are rendered on every request here: what is compared is the cards, not the pages.
    return {"PORTAL_PAGE_CACHE": False}


def _page(client, path, **query):
    response = client.get(path, query_string=query)
    assert response.status_code == 200
    return PER_RESPONSE.sub(r'name="\1" value=""', response.get_data(as_text=True))


def _kept_and_fresh(app, client, path, **query):
    """The page with the shapes kept so far, then the same page with none kept."""
    kept = _page(client, path, **query)
    app.extensions["portal_search_card_shapes"].clear()
    return kept, _page(client, path, **query)


def _rename(app, model, code, **names):
    with app.app_context():
        row = db.session.execute(db.select(model).filter_by(code=code)).scalar_one()
        for field, value in names.items():
            setattr(row, field, value)
        db.session.commit()


def _set(app, submission_id, **values):
    with app.app_context():
        db.session.execute(db.update(Submission).where(Submission.id == submission_id)
                           .values(**values))
        db.session.commit()


def _to_status(app, submission_id, status):
    with app.app_context():
        change_status(db.session.get(Submission, submission_id), status, actor="user:test")
        db.session.commit()


CHANGES = {
    "status": (lambda app, sid: _to_status(app, sid, "accepted"),
               ('status-accepted">已受理', 'status-accepted">Accepted')),
    "one voice": (lambda app, sid: _set(app, sid, support_count=1),
                  ("已有 1 位居民", "1 resident added their voice.")),
    "two voices": (lambda app, sid: _set(app, sid, support_count=2),
                   ("已有 2 位居民", "2 residents added their voice.")),
    "category renamed": (lambda app, sid: _rename(app, Category, "other", name_zh="其他事项",
                                                  name_en="Anything else"),
                         ("其他事项", "Anything else")),
    "area renamed": (lambda app, sid: _rename(app, Area, "daqiao", name_zh="大桥片区",
                                              name_en="Bridge quarter"),
                     ("大桥片区", "Bridge quarter")),
}


LANGUAGES = ("zh", "zh_Hant", "en")


def _cards(page: str) -> str:
    """The result list alone (the filter lists show labels and names too)."""
    return page[page.index('<ol class="cards">'):page.index("</ol>")]


@pytest.mark.parametrize("change", CHANGES)
def test_after_each_change_a_card_is_what_a_fresh_render_shows(app, client, login, publish,
                                                               index_now, change):
    """Cards are made from shapes kept since earlier pages (in every language); each change a
    card shows gives the page a fresh render of every card gives, on the public and the staff
    page, in each language."""
    changed = publish("路灯坏了")
    publish("路灯太暗")
    index_now()
    before = {lang: _page(client, "/search", q="路灯", lang=lang) for lang in LANGUAGES}
    apply, (chinese, english) = CHANGES[change]
    apply(app, changed)
    index_now()
    kept = {lang: _page(client, "/search", q="路灯", lang=lang) for lang in LANGUAGES}
    app.extensions["portal_search_card_shapes"].clear()
    for lang in LANGUAGES:
        assert kept[lang] == _page(client, "/search", q="路灯", lang=lang) != before[lang]
        # Traditional Chinese labels and names are derived from the Simplified ones.
        assert {"zh": chinese, "zh_Hant": to_traditional(chinese),
                "en": english}[lang] in _cards(kept[lang])
    login("viewer")
    kept = {lang: _page(client, "/staff/search", q="路灯", lang=lang) for lang in LANGUAGES}
    app.extensions["portal_search_card_shapes"].clear()
    for lang in LANGUAGES:
        assert kept[lang] == _page(client, "/staff/search", q="路灯", lang=lang)


def test_a_card_follows_publication_and_the_visitor_s_own_support(app, client, login, publish,
                                                                  index_now):
    """Unpublished: gone from the public page, "not published" on the staff page; supported by
    this visitor: the thanks instead of the button, for this visitor only."""
    first, second = publish("路灯坏了"), publish("路灯太暗")
    index_now()
    page = _page(client, "/search", q="路灯", lang="en")
    assert page.count(">This is my problem too</button>") == 2
    token = csrf_token(client.get("/search?q=路灯").get_data(as_text=True))
    response = client.post(f"/submissions/{first}/support", data={"csrf_token": token})
    assert response.status_code == 303
    kept, fresh = _kept_and_fresh(app, client, "/search", q="路灯", lang="en")
    assert kept == fresh and kept.count(">This is my problem too</button>") == 1
    assert "You added your voice to this one." in _cards(kept)
    other = app.test_client()
    kept, fresh = _kept_and_fresh(app, other, "/search", q="路灯", lang="en")
    assert kept == fresh and kept.count(">This is my problem too</button>") == 2
    _set(app, second, published=False)
    index_now()
    kept, fresh = _kept_and_fresh(app, other, "/search", q="路灯", lang="en")
    assert kept == fresh and kept.count(">This is my problem too</button>") == 1
    own = _page(client, "/search", q="路灯", lang="en")  # every card shown is supported
    assert ">This is my problem too</button>" not in own and "You added your voice" in _cards(own)
    login("viewer")
    kept, fresh = _kept_and_fresh(app, client, "/staff/search", q="路灯", lang="en")
    assert kept == fresh
    assert kept.count(" · Not published</span>") == 1 and kept.count(" · Published</span>") == 1


def test_names_in_cards_are_escaped_and_no_marker_is_left(app, client, publish, index_now):
    """A category's name goes into a card as text, never as markup, and every marker a shape
    holds is replaced."""
    publish("路灯坏了")
    index_now()
    _rename(app, Category, "other", name_en='<b onclick="x()">Other</b>')
    page = _page(client, "/search", q="路灯", lang="en")
    assert "&lt;b onclick=&#34;x()&#34;&gt;Other&lt;/b&gt;" in _cards(page)
    assert "<b onclick" not in page
    assert "\ue000" not in page and "\ue001" not in page
