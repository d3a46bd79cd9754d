"""Atom feeds: every feed parses as Atom, lists only published cases with their public text,
escapes what residents wrote, and is linked from the pages it concerns."""
import xml.etree.ElementTree as ET

import pytest

from portal.extensions import db
from portal.submissions.models import Submission
from portal.submissions.services import add_official_reply, change_status, set_publication

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}") is not None, name
    assert root.find(f"{ATOM}author/{ATOM}name") is not None
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{name}") is not None, name
    return root, response.get_data(as_text=True)


def titles(root):
    return [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]


@pytest.fixture
def cases(app, make_submission):
    with app.app_context():
        lamp = make_submission(publish=True, title="路灯 <script>alert(1)</script> & \"坏\"",
                               contact={"email": "owner@example.org", "phone": "13800138000",
                                        "consent": True})
        litter = make_submission(publish=True, title="垃圾堆放", category_code="food-safety",
                                 area_code="wujiaochang", station_slug="service-station-1")
        hidden = make_submission(title="未公开的问题")
        masked = make_submission(title="电话", body="请打 13912345678 联系我")
        set_publication(masked, True, actor="test", public_title="有人留了电话",
                        public_body="请打 139****5678 联系我")
        db.session.commit()
        return {"lamp": lamp.id, "litter": litter.id, "hidden": hidden.id,
                "masked": masked.id, "lamp_code": lamp.code}


def test_all_and_filtered_feeds_list_published_cases_only(client, cases):
    root, text = parse(client, "/feeds/submissions.atom?lang=en")
    assert len(titles(root)) == 3 and "未公开的问题" not in text
    assert titles(root)[0] == "有人留了电话"  # newest first
    root, _text = parse(client, "/feeds/submissions.atom?area=wujiaochang&lang=en")
    assert titles(root) == ["垃圾堆放"]
    assert "Wujiaochang" in root.find(f"{ATOM}title").text
    root, _text = parse(client, "/feeds/submissions.atom?station=service-station-1")
    assert titles(root) == ["垃圾堆放"]
    root, _text = parse(client, "/feeds/submissions.atom?category=public-management")
    assert "垃圾堆放" not in titles(root) and len(titles(root)) == 2
    root, _text = parse(client, "/feeds/submissions.atom?category=public-safety")
    assert titles(root) == ["垃圾堆放"]
    root, _text = parse(client, "/feeds/submissions.atom?category=food-safety&area=riverside")
    assert titles(root) == []
    assert client.get("/feeds/submissions.atom?area=atlantis").status_code == 404


def test_feeds_escape_text_and_carry_no_personal_data(client, cases):
    root, text = parse(client, "/feeds/submissions.atom")
    assert "路灯 <script>alert(1)</script> & \"坏\"" in titles(root)
    assert "<script>" not in text and "&lt;script&gt;" in text
    for private in ("owner@example.org", "13800138000", "13912345678", cases["lamp_code"]):
        assert private not in text
    assert "139****5678" in text


def test_a_case_feed_is_its_public_timeline(app, client, cases):
    with app.app_context():
        case = db.session.get(Submission, cases["lamp"])
        change_status(case, "accepted", actor="user:moderator")
        add_official_reply(case, actor="user:moderator", text="已修复 <b>", text_en="Fixed")
        db.session.commit()
    root, text = parse(client, f"/feeds/submissions/{cases['lamp']}.atom?lang=en")
    assert "Official reply" in titles(root)
    assert any("Accepted" in t for t in titles(root))
    contents = [e.find(f"{ATOM}content").text for e in root.findall(f"{ATOM}entry")]
    assert "Fixed" in contents
    root, text = parse(client, f"/feeds/submissions/{cases['lamp']}.atom?lang=zh")
    assert "已修复 <b>" in [e.find(f"{ATOM}content").text for e in root.findall(f"{ATOM}entry")]
    assert "owner@example.org" not in text
    assert client.get(f"/feeds/submissions/{cases['hidden']}.atom").status_code == 404
    assert client.get("/feeds/submissions/999999.atom").status_code == 404


def test_an_unpublished_case_leaves_the_feeds(app, client, cases):
    parse(client, "/feeds/submissions.atom")  # now in the page cache
    with app.app_context():
        set_publication(db.session.get(Submission, cases["litter"]), False, actor="test")
        db.session.commit()
    root, _text = parse(client, "/feeds/submissions.atom")
    assert "垃圾堆放" not in titles(root)
    assert client.get(f"/feeds/submissions/{cases['litter']}.atom").status_code == 404


def test_pages_announce_their_feeds(client, cases):
    detail = client.get(f"/submissions/{cases['lamp']}?lang=en").get_data(as_text=True)
    assert ('<link rel="alternate" type="application/atom+xml"' in detail
            and f"/feeds/submissions/{cases['lamp']}.atom" in detail)
    listing = client.get("/submissions").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml"' in listing
