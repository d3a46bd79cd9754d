"""Reference data (categories, areas, stations) and the search endpoint."""
import pytest

from portal.extensions import db
from portal.stations.services import load_reference_file
from portal.submissions.services import set_publication

REFERENCE = load_reference_file()


@pytest.mark.parametrize("resource,key,rows", [
    ("categories", "code", REFERENCE["categories"]), ("areas", "code", REFERENCE["areas"]),
    ("stations", "slug", REFERENCE["stations"])])
def test_reference_lists_have_stable_codes_and_names_in_every_language(client, resource, key,
                                                                       rows):
    items = client.get(f"/api/v1/{resource}?lang=en").get_json()[resource]
    assert [item["code"] for item in items] == [row[key] for row in rows]
    for item, row in zip(items, rows, strict=True):
        assert item["name"] == row["name_en"]
        assert item["names"]["zh"] == row["name_zh"] and item["names"]["en"] == row["name_en"]
        assert item["names"]["zh_Hant"]
    zh = client.get(f"/api/v1/{resource}?lang=zh").get_json()[resource]
    assert [item["name"] for item in zh] == [row["name_zh"] for row in rows]


def test_categories_say_which_are_selectable_and_codes_work_in_a_post(client):
    categories = client.get("/api/v1/categories").get_json()["categories"]
    riverside = client.get("/api/v1/areas").get_json()["areas"][0]
    station = client.get("/api/v1/stations").get_json()["stations"][0]
    tops = [c for c in categories if not c["selectable"]]
    assert {c["code"] for c in tops} == {"public-management", "public-safety", "public-service"}
    assert all(c["parent"] in {t["code"] for t in tops} for c in categories if c["selectable"])
    safety = next(c for c in categories if c["code"] == "safety-hazard")
    assert safety["urgent"] is True and safety["names"]["zh_Hant"]
    assert riverside["kind"] == "grid" and "dinghai-road" in riverside["overlaps"]
    response = client.post("/api/v1/submissions", json={
        "kind": "idea", "category": safety["code"], "area": riverside["code"],
        "station": station["code"], "title": "More lifebuoys", "body": "Add lifebuoys along the "
                                                                     "riverside walk."})
    assert response.status_code == 201


@pytest.fixture
def published(app, make_submission, index_now):
    """Three published submissions and one unpublished, with redacted public text, indexed."""
    with app.app_context():
        lamp = make_submission(title="Lamp 138 0000 0000", body="Call 138 0000 0000 lamp dark")
        set_publication(lamp, True, actor="test", public_title="Lamp out at gate 3",
                        public_body="The lamp at gate 3 <b>is</b> dark; lamp posts need work.")
        bins = make_submission(category_code="litter", area_code="daqiao",
                               title="Bins", body="Bins overflow every weekend.", kind="idea")
        set_publication(bins, True, actor="test", public_title="More bins",
                        public_body="Bins overflow every weekend near the pier.")
        hidden = make_submission(title="Lamp secret", body="Unpublished lamp text here.")
        db.session.commit()
        ids = {"lamp": lamp.id, "bins": bins.id, "hidden": hidden.id}
    index_now()
    return ids


def test_search_finds_published_submissions_with_highlighted_snippets(client, published):
    body = client.get("/api/v1/search?q=lamp&lang=en").get_json()
    assert body["total"] == 1 and body["page"] == 1
    result = body["results"][0]
    assert result["id"] == published["lamp"] and result["title"] == "Lamp out at gate 3"
    assert "<mark>lamp</mark>" in result["snippet_html"]
    assert "&lt;b&gt;is&lt;/b&gt;" in result["snippet_html"]  # resident text stays escaped
    assert "<b>" in result["snippet"] and "<mark>" not in result["snippet"]
    assert "138 0000" not in str(body)  # only the moderated public text
    assert result["url"].endswith(f"/submissions/{published['lamp']}")


def test_search_filters_and_pages(client, published):
    assert client.get("/api/v1/search?kind=idea").get_json()["total"] == 1
    assert client.get("/api/v1/search?category=litter&area=daqiao").get_json()["total"] == 1
    assert client.get("/api/v1/search?category=litter&area=riverside").get_json()["total"] == 0
    assert client.get("/api/v1/search?status=received").get_json()["total"] == 2
    assert client.get("/api/v1/search?status=closed").get_json()["total"] == 0
    page2 = client.get("/api/v1/search?per_page=1&page=2").get_json()
    assert page2["total"] == 2 and len(page2["results"]) == 1 and page2["per_page"] == 1
    assert client.get("/api/v1/search?q=100%25").get_json()["total"] == 0  # % is literal
    # any case, all words
    assert client.get("/api/v1/search?q=BINS%20pier").get_json()["total"] == 1


def test_search_uses_the_full_text_index_once_it_is_built(app, client, make_submission):
    """Through the API as on the search page: Traditional finds Simplified, snippets marked."""
    from portal.search.indexer import apply_changes
    from portal.search.searchers import refresh_searcher
    with app.app_context():
        make_submission(title="滨江步道路灯不亮", body="滨江步道的路灯晚上不亮，很危险。",
                        publish=True)
        make_submission(title="Bench broken", body="The bench by the wharf is broken.",
                        area_code="yinhang", category_code="other",
                        publish=True)
        while apply_changes():
            pass
        refresh_searcher()
    body = client.get("/api/v1/search?q=濱江 路燈").get_json()
    assert body["total"] == 1
    assert body["results"][0]["title"] == "滨江步道路灯不亮"
    assert "<mark>" in body["results"][0]["snippet_html"]


@pytest.mark.parametrize("lang,message", [
    ("en", "Search is being prepared. Please try again in a minute."),
    ("zh", "搜索正在准备中，请一分钟后再试。")])
def test_search_answers_503_with_retry_after_until_the_index_exists(client, app,
                                                                    make_submission, lang,
                                                                    message):
    """No second search engine: before the first index is built the API says when to retry,
    in its error shape and the caller's language, instead of answering from the database."""
    with app.app_context():
        make_submission(title="Lamp dark", body="The lamp is dark.", publish=True)
    for url in ("/api/v1/search?q=lamp", "/api/v1/search", "/api/v1/search?kind=issue"):
        response = client.get(f"{url}{'&' if '?' in url else '?'}lang={lang}")
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) > 0
        error = response.get_json()["error"]
        assert error["code"] == "search_unavailable" and error["fields"] == {}
        assert error["message"] == message
