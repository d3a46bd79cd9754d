"""Bad input on the JSON API: a clear 4xx in the one error shape, and nothing stored."""
import json

import pytest

from tests.api.helpers import NOTHING, VALID, stored

URL = "/api/v1/submissions"


def _post(client, data, content_type="application/json", lang="en"):
    return client.post(f"{URL}?lang={lang}", data=data, content_type=content_type)


CASES = [
    # (raw body, content type, status, error code)
    (b'{"kind": "issue",', "application/json", 400, "invalid_json"),
    (b"", "application/json", 400, "invalid_json"),
    (b"[1, 2, 3]", "application/json", 400, "invalid_json"),
    (b'"just a string"', "application/json", 400, "invalid_json"),
    (b'{"kind": NaN}', "application/json", 400, "invalid_json"),
    (b'{"title": "\xff\xfe broken"}', "application/json", 400, "invalid_encoding"),
    (b'{"title": "\\ud800 lone surrogate"}', "application/json", 400, "invalid_encoding"),
    (json.dumps({**VALID, "area": "\x00"}).encode(), "application/json", 400,
     "invalid_encoding"),
    (b"[" * 100_000 + b"]" * 100_000, "application/json", 413, "413"),
    (b"<submission><kind>issue</kind></submission>", "application/xml", 415,
     "unsupported_media_type"),
    (b"<submission><kind>issue</kind></submission>", "text/xml", 415, "unsupported_media_type"),
    (b"kind=issue&title=Lamp", "application/x-www-form-urlencoded", 415,
     "unsupported_media_type"),
    (json.dumps(VALID).encode(), "text/plain", 415, "unsupported_media_type"),
    (json.dumps({**VALID, "body": "x" * 70_000}).encode(), "application/json", 413, "413"),
]


@pytest.mark.parametrize("raw,content_type,status,code", CASES)
def test_malformed_bodies_are_refused_clearly(client, app, raw, content_type, status, code):
    response = _post(client, raw, content_type)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code and error["message"]
    assert stored(app) == NOTHING


@pytest.mark.parametrize("changes,field,english,chinese", [
    ({"colour": "red"}, "colour", "Unknown field.", "未知字段。"),
    ({"title": 42}, "title", "Expected text.", "应为文字。"),
    ({"lat": "31.2", "lon": 121.5}, "lat", "Expected a number.", "应为数字。"),
    ({"lat": True, "lon": 121.5}, "lat", "Expected a number.", "应为数字。"),
    ({"consent": "yes"}, "consent", "Expected true or false.", "应为 true 或 false。"),
    ({"contact": "li@example.org"}, "contact", "Expected an object.", "应为对象。"),
    ({"contact": {"fax": "123"}}, "contact.fax", "Unknown field.", "未知字段。"),
    ({"kind": None}, "kind", "This field is required.", "此项必填。"),
    ({"category": ["street-lighting"]}, "category", "Expected text.", "应为文字。"),
    ({"language": "fr"}, "language", "Choose one of: zh, zh_Hant, en.",
     "请从以下选项中选择：zh, zh_Hant, en。"),
])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_unknown_fields_and_wrong_types_are_422_per_field(client, app, changes, field, english,
                                                          chinese, lang):
    response = _post(client, json.dumps({**VALID, **changes}), lang=lang)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"][field] == (english if lang == "en" else chinese)
    assert stored(app) == NOTHING


def test_a_missing_body_field_is_required(client, app):
    body = {k: v for k, v in VALID.items() if k != "body"}
    response = _post(client, json.dumps(body))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"body": "This field is required."}


def test_an_overlong_idempotency_key_is_400(client, app):
    response = client.post(URL, json=VALID, headers={"Idempotency-Key": "k" * 65})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_header"
    assert stored(app) == NOTHING


@pytest.mark.parametrize("query,field", [("page=0", "page"), ("page=abc", "page"),
                                         ("per_page=1000", "per_page"), ("kind=complaint", "kind"),
                                         ("status=lost", "status"), ("q=" + "x" * 201, "q")])
def test_bad_search_parameters_are_400(client, query, field):
    response = client.get(f"/api/v1/search?{query}")
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("url", ["/api/v1/search?area=%00", "/api/v1/search?q=a%00b",
                                 "/api/v1/categories?lang=%00"])
def test_nul_characters_anywhere_are_400(client, url):
    """PostgreSQL cannot hold NUL even in a lookup: refused before any query."""
    response = client.get(url)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_encoding"


def test_nul_in_a_path_matches_no_route(client):
    """The app's converters for path parts take no control characters: no route, no query."""
    response = client.get("/api/v1/submissions/ABC%00")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "404"
