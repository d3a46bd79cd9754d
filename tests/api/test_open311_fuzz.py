"""Property-based fuzzing of Open311 (no OpenAPI document there): no 5xx, errors in the
specification's format, and a refused request stores nothing."""
import json
import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.extensions import db
from portal.submissions.models import Submission

FIELDS = ["api_key", "service_code", "lat", "long", "address_string", "address_id",
          "description", "email", "phone", "first_name", "last_name", "media_url",
          "attribute[area]", "attribute[kind]", "attribute[title]", "attribute[station]",
          "attribute[consent]", "jurisdiction_id", "device_id", "account_id", "locale"]
GOOD = {"service_code": "litter", "lat": "31.25", "long": "121.51",
        "description": "Bins overflow near the pier.", "attribute[area]": "riverside"}
TEXT = st.text(max_size=300) | st.sampled_from(
    ["", "litter", "riverside", "31.25", "NaN", "1e999", "-91", "true", "<x>&</x>",
     "\u202e", "\x00", "a" * 6000])
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def _count(app):
    with app.app_context():
        count = db.session.query(Submission).count()
        db.session.remove()
        return count


def _errors_ok(response, fmt):
    if fmt == "json":
        errors = json.loads(response.data)
        assert errors and all(e["code"] == response.status_code and e["description"]
                              for e in errors)
    else:
        root = ET.fromstring(response.data)
        assert root.tag == "errors"
        assert root.findtext("error/code") == str(response.status_code)


def test_fuzzed_posts_never_fail_on_our_side(app, api_key):
    client = app.test_client()

    @given(fields=st.dictionaries(st.sampled_from(FIELDS), TEXT, max_size=12),
           base=st.booleans(), keyed=st.booleans(), fmt=st.sampled_from(["json", "xml"]),
           content_type=st.sampled_from(["application/x-www-form-urlencoded",
                                         "multipart/form-data"]))
    @SETTINGS
    def run(fields, base, keyed, fmt, content_type):
        data = {**(GOOD if base else {}), **fields}
        if keyed:
            data["api_key"] = api_key
        before = _count(app)
        response = client.post(f"/open311/v2/requests.{fmt}", data=data,
                               content_type=content_type)
        assert response.status_code in (201, 400, 403)
        if response.status_code == 201:
            assert _count(app) == before + 1
        else:
            _errors_ok(response, fmt)
            assert _count(app) == before

    run()


def test_fuzzed_queries_never_fail_on_our_side(app):
    client = app.test_client()
    params = ["service_request_id", "service_code", "start_date", "end_date", "status", "page",
              "page_size", "extensions", "locale"]

    @given(query=st.dictionaries(st.sampled_from(params), TEXT, max_size=6),
           fmt=st.sampled_from(["json", "xml"]))
    @SETTINGS
    def run(query, fmt):
        response = client.get(f"/open311/v2/requests.{fmt}", query_string=query)
        assert response.status_code in (200, 400, 414)  # 414: a URL past gunicorn's limit
        if response.status_code != 200:
            _errors_ok(response, fmt)

    run()


def test_wrong_method_is_405_in_the_error_format(client):
    response = client.delete("/open311/v2/requests.json")
    assert response.status_code == 405
    assert json.loads(response.data)[0]["code"] == 405


def test_a_too_large_post_is_413_in_the_error_format(app, api_key):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = app.test_client().post("/open311/v2/requests.xml",
                                      data={**GOOD, "api_key": api_key,
                                            "description": "x" * 20_000})
    assert response.status_code == 413
    assert ET.fromstring(response.data).findtext("error/code") == "413"


def test_nul_characters_are_400_before_any_lookup(client, api_key):
    in_path = client.get("/open311/v2/services/litter%00.json")  # no route takes a NUL
    assert in_path.status_code == 404 and json.loads(in_path.data)[0]["code"] == 404
    assert client.get("/open311/v2/requests.xml?service_code=%00").status_code == 400
    response = client.post("/open311/v2/requests.json",
                           data={**GOOD, "api_key": api_key, "attribute[area]": "\x00"})
    assert response.status_code == 400 and json.loads(response.data)[0]["code"] == 400
