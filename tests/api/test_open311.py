"""Open311 GeoReport v2: every resource in XML and JSON, as the specification writes them."""
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from portal.extensions import db
from portal.submissions.models import Submission
from portal.submissions.services import (
    add_official_reply,
    change_status,
    find_by_code,
    set_publication,
)
from tests.api.helpers import NOTHING, stored

W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
FORMATS = ["xml", "json"]
POST = {"service_code": "litter", "lat": "31.2541", "long": "121.5112",
        "description": "Bins overflow every weekend near the ferry pier.",
        "attribute[area]": "riverside", "first_name": "Li", "last_name": "Ming",
        "email": "li@example.org", "phone": "021 5555 1234", "attribute[consent]": "true"}


def parse(response, fmt):
    """The body as Python data: JSON as is, XML as (root tag, [child elements])."""
    if fmt == "json":
        assert response.mimetype == "application/json"
        assert response.content_type.endswith("charset=utf-8")
        return json.loads(response.data)
    assert response.mimetype == "text/xml" and response.content_type.endswith("charset=utf-8")
    assert response.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.data)


def rows(data, fmt):
    """A list response as a list of dicts (XML elements flattened one level)."""
    if fmt == "json":
        return data
    return [{child.tag: (child.text or "") if len(child) == 0 else child for child in item}
            for item in data]


@pytest.mark.parametrize("prefix", ["/open311", "/open311/v2"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(client, fmt, prefix):
    data = parse(client.get(f"{prefix}/discovery.{fmt}"), fmt)
    if fmt == "json":
        endpoint = data["endpoints"][0]
        assert W3C.match(data["changeset"]) and data["contact"] and data["key_service"]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"].endswith("/open311/v2") and endpoint["type"] == "production"
        assert endpoint["formats"] == ["text/xml", "application/json"]
    else:
        assert data.tag == "discovery" and W3C.match(data.findtext("changeset"))
        endpoint = data.find("endpoints/endpoint")
        assert endpoint.findtext("url").endswith("/open311/v2")
        assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml",
                                                                        "application/json"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("locale,name,group", [("en", "Litter and sanitation", "Public management"),
                                               ("zh", None, "公共管理"),
                                               ("zh_Hant", None, "公共管理")])
def test_services_are_the_sub_categories(client, fmt, locale, name, group):
    data = parse(client.get(f"/open311/v2/services.{fmt}?locale={locale}"), fmt)
    services = rows(data, fmt) if fmt == "json" else rows(data, fmt)
    litter = next(s for s in services if s["service_code"] == "litter")
    assert isinstance(litter["service_code"], str)
    if name:
        assert litter["service_name"] == name
    assert litter["group"] == group and litter["type"] == "realtime"
    assert litter["metadata"] in (True, "true") and "litter" in litter["keywords"]
    codes = {s["service_code"] for s in services}
    assert "public-management" not in codes and "safety-hazard" in codes


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_lists_the_area_with_values(client, fmt):
    data = parse(client.get(f"/open311/v2/services/litter.{fmt}?locale=en"), fmt)
    if fmt == "json":
        assert data["service_code"] == "litter"
        area = next(a for a in data["attributes"] if a["code"] == "area")
        assert area["required"] is True and area["variable"] is True
        assert area["datatype"] == "singlevaluelist" and area["order"] == 1
        assert {"key": "riverside", "name": "Riverside Grid"} in area["values"]
    else:
        assert data.tag == "service_definition" and data.findtext("service_code") == "litter"
        area = next(a for a in data.findall("attributes/attribute") if a.findtext("code") == "area")
        assert area.findtext("required") == "true"
        assert area.findtext("datatype") == "singlevaluelist"
        values = {v.findtext("key"): v.findtext("name") for v in area.findall("values/value")}
        assert values["riverside"] == "Riverside Grid"


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_is_404_in_the_specification_error_format(client, fmt):
    response = client.get(f"/open311/v2/services/teleport.{fmt}?locale=en")
    assert response.status_code == 404
    data = parse(response, fmt)
    if fmt == "json":
        assert data == [{"code": 404, "description": "No service has the code teleport."}]
    else:
        assert data.tag == "errors" and data.findtext("error/code") == "404"


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_creates_a_submission_like_any_other(client, app, api_key, fmt):
    response = client.post(f"/open311/v2/requests.{fmt}?locale=en", data={**POST,
                                                                          "api_key": api_key})
    assert response.status_code == 201
    data = parse(response, fmt)
    item = rows(data, fmt)[0]
    code = item["service_request_id"]
    assert "service_notice" in item and "account_id" in item
    assert code in item["service_notice"].replace("-", "")
    with app.app_context():
        submission = find_by_code(code)
        assert submission.channel == "open311" and submission.status == "received"
        assert submission.category.code == "litter" and submission.area.code == "riverside"
        assert submission.latitude == pytest.approx(31.2541)
        assert submission.contact.name == "Li Ming" and submission.contact.consent is True
        assert submission.title.startswith("Bins overflow")
        assert submission.language == "en"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("key", [None, "", "pk_wrong"])
def test_post_without_a_valid_key_is_403(client, app, fmt, key):
    data = dict(POST) if key is None else {**POST, "api_key": key}
    response = client.post(f"/open311/v2/requests.{fmt}", data=data)
    assert response.status_code == 403
    errors = parse(response, fmt)
    assert (errors[0]["code"] if fmt == "json" else errors.findtext("error/code")) in (403, "403")
    assert stored(app) == NOTHING


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("changes,expected", [
    ({"service_code": ""}, "service_code is required."),
    ({"service_code": "teleport"}, "No service has the code teleport."),
    ({"lat": "", "long": ""}, "A location is required: lat and long, or address_string."),
    ({"attribute[area]": "atlantis"}, "attribute[area]: Choose an area from the list."),
    ({"description": ""}, "description: This field is required."),
    ({"email": "nope"}, "email: Please enter a valid e-mail address."),
    ({"lat": "north"}, "lat: Give both latitude and longitude as numbers, or neither."),
])
def test_post_with_bad_fields_is_400_with_descriptions(client, app, api_key, fmt, changes,
                                                        expected):
    response = client.post(f"/open311/v2/requests.{fmt}?locale=en",
                           data={**POST, **changes, "api_key": api_key})
    assert response.status_code == 400
    data = parse(response, fmt)
    descriptions = ([e["description"] for e in data] if fmt == "json"
                    else [e.findtext("description") for e in data.findall("error")])
    assert expected in descriptions
    assert stored(app) == NOTHING


def test_post_error_descriptions_follow_the_locale(client, api_key):
    response = client.post("/open311/v2/requests.json?locale=zh",
                           data={**POST, "attribute[area]": "atlantis", "api_key": api_key})
    assert json.loads(response.data)[0]["description"] == "attribute[area]: 请从列表中选择区域。"


def test_post_json_body_is_refused(client, app, api_key):
    response = client.post("/open311/v2/requests.json", json={**POST, "api_key": api_key})
    assert response.status_code == 400 and stored(app) == NOTHING


def test_post_with_an_address_string_and_a_media_upload(client, app, api_key):
    image = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(image, "JPEG")
    data = {**POST, "lat": "", "long": "", "address_string": "Yangshupu Road 100",
            "api_key": api_key, "media": (io.BytesIO(image.getvalue()), "bins.jpg")}
    response = client.post("/open311/v2/requests.json", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 201
    code = json.loads(response.data)[0]["service_request_id"]
    with app.app_context():
        submission = find_by_code(code)
        assert submission.place == "Yangshupu Road 100" and len(submission.photos) == 1


@pytest.fixture
def requests_data(app, make_submission):
    """Published requests: open, closed with an official reply, an old one; one unpublished."""
    with app.app_context():
        def publish(submission, title):
            set_publication(submission, True, actor="test", public_title=title,
                            public_body=f"{title} (public text)")
            return submission

        lamp = publish(make_submission(commit=False), "Lamp dark")
        bins = publish(make_submission(category_code="litter", title="Bins", commit=False,
                                       body="Bins 13800000000 overflow"), "Bins overflow")
        change_status(bins, "accepted", actor="test")
        add_official_reply(bins, actor="test", text="已清运。", text_en="Collected.")
        change_status(bins, "resolved", actor="test")
        old = publish(make_submission(commit=False), "Old lamp")
        old.created_at = datetime.now(UTC) - timedelta(days=120)
        hidden = make_submission(title="Hidden", body="Unpublished text, never listed.",
                                 commit=False)
        db.session.commit()
        return {"lamp": lamp, "bins": bins, "old": old, "hidden": hidden,
                "ids": {k: (v.id, v.code) for k, v in locals().items()
                        if isinstance(v, Submission)}}


def _ids(response, fmt):
    return [r["service_request_id"] for r in rows(parse(response, fmt), fmt)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_requests_lists_published_ones_in_the_90_day_window(client, requests_data, fmt):
    ids = requests_data["ids"]
    listed = _ids(client.get(f"/open311/v2/requests.{fmt}"), fmt)
    assert sorted(listed) == sorted([str(ids["lamp"][0]), str(ids["bins"][0])])
    assert ids["hidden"][1] not in str(listed)
    start = (datetime.now(UTC) - timedelta(days=200)).strftime("%Y-%m-%dT%H:%M:%SZ")
    wider = _ids(client.get(f"/open311/v2/requests.{fmt}?start_date={start}"), fmt)
    assert str(ids["old"][0]) in wider and len(wider) == 3


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_requests_filters(client, requests_data, fmt):
    ids = requests_data["ids"]
    bins = str(ids["bins"][0])
    assert _ids(client.get(f"/open311/v2/requests.{fmt}?status=closed"), fmt) == [bins]
    assert bins not in _ids(client.get(f"/open311/v2/requests.{fmt}?status=open"), fmt)
    assert len(_ids(client.get(f"/open311/v2/requests.{fmt}?status=open,closed"), fmt)) == 2
    assert _ids(client.get(f"/open311/v2/requests.{fmt}?service_code=litter"), fmt) == [bins]
    assert len(_ids(client.get(
        f"/open311/v2/requests.{fmt}?service_code=litter,street-lighting"), fmt)) == 2
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert _ids(client.get(f"/open311/v2/requests.{fmt}",
                           query_string={"start_date": future}), fmt) == []
    page1 = _ids(client.get(f"/open311/v2/requests.{fmt}?page_size=1"), fmt)
    page2 = _ids(client.get(f"/open311/v2/requests.{fmt}?page_size=1&page=2"), fmt)
    assert len(page1) == len(page2) == 1 and page1 != page2
    # service_request_id overrides every other argument; tracking codes work too.
    both = _ids(client.get(f"/open311/v2/requests.{fmt}?status=open&service_request_id="
                           f"{bins},{ids['hidden'][1]}"), fmt)
    assert both == [bins, ids["hidden"][1]]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("query", ["start_date=yesterday", "end_date=2026-13-01T00:00:00Z",
                                   "status=pending", "page=0", "page_size=5000"])
def test_get_requests_with_bad_parameters_is_400(client, fmt, query):
    response = client.get(f"/open311/v2/requests.{fmt}?{query}")
    assert response.status_code == 400
    data = parse(response, fmt)
    assert (data[0]["code"] if fmt == "json" else data.findtext("error/code")) in (400, "400")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_closed_request_carries_the_official_reply_as_status_notes(client, requests_data, fmt):
    bins_id = requests_data["ids"]["bins"][0]
    item = rows(parse(client.get(f"/open311/v2/requests/{bins_id}.{fmt}?locale=en"), fmt), fmt)[0]
    assert item["status"] == "closed" and item["status_notes"] == "Collected."
    assert item["service_code"] == "litter" and item["description"] == "Bins overflow (public text)"
    assert "13800000000" not in str(item)
    assert W3C.match(item["requested_datetime"]) and W3C.match(item["updated_datetime"])
    zh = rows(parse(client.get(f"/open311/v2/requests/{bins_id}.{fmt}?locale=zh"), fmt), fmt)[0]
    assert zh["status_notes"] == "已清运。" and zh["service_name"] == "垃圾与环境卫生"
    assert item["agency_responsible"] == "Cleaning" and zh["agency_responsible"] == "保洁"


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_by_tracking_code_shows_the_residents_view(client, requests_data, fmt):
    code = requests_data["ids"]["hidden"][1]
    item = rows(parse(client.get(f"/open311/v2/requests/{code}.{fmt}"), fmt), fmt)[0]
    assert item["service_request_id"] == code and item["status"] == "open"
    assert item["description"] == "Unpublished text, never listed."


@pytest.mark.parametrize("fmt", FORMATS)
def test_unpublished_request_is_not_found_by_public_id(client, requests_data, fmt):
    hidden_id = requests_data["ids"]["hidden"][0]
    response = client.get(f"/open311/v2/requests/{hidden_id}.{fmt}")
    assert response.status_code == 404
    assert client.get(f"/open311/v2/requests/NOPE.{fmt}").status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_extensions_add_extended_attributes_and_notes(client, requests_data, fmt):
    bins_id = requests_data["ids"]["bins"][0]
    response = client.get(f"/open311/v2/requests/{bins_id}.{fmt}?extensions=true&locale=en")
    if fmt == "json":
        item = json.loads(response.data)[0]
        extended = item["extended_attributes"]
        assert extended["channel"] == "web" and extended["detailed_status"] == "resolved"
        assert extended["area"] == "riverside"
        assert [n["status"] for n in item["notes"]][-1] == "resolved"
        assert any(n["description"] == "Collected." for n in item["notes"])
    else:
        item = ET.fromstring(response.data).find("request")
        assert item.findtext("extended_attributes/detailed_status") == "resolved"
        assert item.findtext("extended_attributes/station") == ""
        assert "Collected." in [n.findtext("description") for n in item.findall("notes/note")]
    plain = client.get(f"/open311/v2/requests/{bins_id}.{fmt}")
    assert b"extended_attributes" not in plain.data


@pytest.mark.parametrize("fmt", FORMATS)
def test_tokens(client, requests_data, fmt):
    code = requests_data["ids"]["lamp"][1]
    item = rows(parse(client.get(f"/open311/v2/tokens/{code}.{fmt}"), fmt), fmt)[0]
    assert item == {"service_request_id": code, "token": code}
    assert client.get(f"/open311/v2/tokens/NOTATOKEN1.{fmt}").status_code == 404


def test_xml_escapes_what_residents_write(client, app, api_key):
    hostile = 'Bins & <script>alert("x")</script> ]]> overflow'
    response = client.post("/open311/v2/requests.xml", data={
        **POST, "description": hostile, "api_key": api_key})
    code = ET.fromstring(response.data).findtext("request/service_request_id")
    fetched = client.get(f"/open311/v2/requests/{code}.xml")
    assert b"<script>" not in fetched.data
    assert ET.fromstring(fetched.data).findtext("request/description") == hostile


@pytest.mark.parametrize("path", ["/open311/v2/nothing.json", "/open311/v2/services.csv",
                                  "/open311/v2/requests/1.yaml"])
def test_unknown_resources_are_404_in_the_error_format(client, path):
    response = client.get(path)
    assert response.status_code == 404
    if path.endswith(".json"):
        assert json.loads(response.data)[0]["code"] == 404
    else:
        assert ET.fromstring(response.data).tag == "errors"
