"""The register of adopted ideas as Atom: only published adopted or partly adopted ideas, with
their responsible team, answer, planned steps and latest progress, in the reader's language,
escaped, without residents' names, linked from the register page and kept in the page cache."""
import xml.etree.ElementTree as ET

import pytest

from portal.extensions import db
from portal.submissions.models import Submission
from portal.submissions.services import set_publication
from tests.participation.helpers import post_from

ATOM = "{http://www.w3.org/2005/Atom}"
FEED = "/feeds/ideas/adopted.atom"


def _answer(browser, idea_id, outcome, reason="理由：预算已安排。", reason_en="Budget found."):
    response = post_from(browser, f"/staff/ideas/{idea_id}", f"/staff/ideas/{idea_id}/answer",
                         {"outcome": outcome, "reason": reason, "reason_en": reason_en})
    assert response.status_code == 303


def _progress(browser, idea_id, **data):
    response = post_from(browser, f"/staff/ideas/{idea_id}?lang=en",
                         f"/staff/ideas/{idea_id}/progress?lang=en", data)
    assert response.status_code == 303


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}") is not None, name
    entries = {}
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated", "published"):
            assert entry.find(f"{ATOM}{name}") is not None, name
        entries[entry.find(f"{ATOM}title").text] = entry.find(f"{ATOM}content").text
    return root, entries


@pytest.fixture
def register(app, make_idea, make_submission, moderator):
    """A partly adopted idea with a planned step and progress, a named resident's adopted idea
    with markup in its title, an idea not adopted and an unanswered one."""
    trees = make_idea("多种些树", category_code="greenery")
    _answer(moderator, trees.id, "partly_adopted")
    _progress(moderator, trees.id, stage="planned", percent="0", note="先选好树种。",
              note_en="Choose the species first.")
    _progress(moderator, trees.id, stage="in_progress", percent="40", note="树苗已订购。",
              note_en="Saplings ordered.")
    with app.app_context():
        named = make_submission(
            publish=True, kind="idea", category_code="greenery", area_code="riverside",
            title="<b>长椅</b> & 遮阳", body="希望多放长椅。",
            contact={"name": "王小明", "phone": "13912345678", "email": "", "show_name": True})
        named_id = named.id
    _answer(moderator, named_id, "adopted")
    refused = make_idea("拆掉步道")
    _answer(moderator, refused.id, "not_adopted")
    make_idea("还没有回答的建议")
    return {"trees": trees.id, "named": named_id}


@pytest.mark.parametrize("lang, title, words", [
    ("en", "Adopted ideas", ["Partly adopted", "Responsible: Property management", "Budget found.",
                             "Choose the species first.", "In progress · 40%",
                             "Saplings ordered."]),
    ("zh", "已采纳的建议", ["部分采纳", "理由：预算已安排。", "先选好树种。", "40%",
                          "树苗已订购。"]),
    ("zh_Hant", "已採納的建議", ["部分採納", "預算已安排", "樹苗已訂購。"]),
])
def test_the_feed_lists_adopted_ideas_with_their_progress(client, register, lang, title, words):
    root, entries = parse(client, f"{FEED}?lang={lang}")
    assert root.find(f"{ATOM}title").text == title
    assert list(entries) == ["<b>长椅</b> & 遮阳", "多种些树"]  # newest answer first
    for word in words:
        assert word in entries["多种些树"], word
    assert "拆掉步道" not in entries and "还没有回答的建议" not in entries


def test_the_feed_escapes_and_names_nobody(client, register):
    response = client.get(f"{FEED}?lang=en")
    text = response.get_data(as_text=True)
    assert "<b>长椅</b>" not in text and "&lt;b&gt;长椅&lt;/b&gt; &amp; 遮阳" in text
    assert "王小明" not in text and "13912345678" not in text
    assert f"/ideas/{register['named']}" in text


def test_an_unpublished_or_hidden_idea_leaves_the_feed(app, client, register):
    parse(client, FEED)  # now in the page cache
    with app.app_context():
        set_publication(db.session.get(Submission, register["trees"]), False, actor="test")
        db.session.commit()
    _root, entries = parse(client, FEED)
    assert "多种些树" not in entries and "<b>长椅</b> & 遮阳" in entries


def test_a_progress_update_reaches_the_cached_feed(client, register, moderator):
    parse(client, f"{FEED}?lang=en")
    _progress(moderator, register["trees"], stage="done", percent="100", note="种好了。",
              note_en="All planted.")
    _root, entries = parse(client, f"{FEED}?lang=en")
    assert "Done · 100%" in entries["多种些树"] and "All planted." in entries["多种些树"]


def test_an_empty_register_is_a_valid_feed(client):
    _root, entries = parse(client, f"{FEED}?lang=zh")
    assert entries == {}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_register_page_announces_its_feed(client, lang):
    page = client.get(f"/ideas/adopted?lang={lang}").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert f'href="{FEED}"' in page
