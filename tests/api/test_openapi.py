"""The OpenAPI document matches the running API: every route documented, real answers valid."""
import json
import re

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from portal.extensions import db
from portal.submissions.services import add_official_reply, change_status, set_publication
from tests.api.helpers import VALID


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _flask_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_every_route_under_api_v1_is_documented_and_nothing_else(app, document):
    routes = {(method.lower(), _flask_path(rule.rule)[len("/api/v1"):])
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(method, path) for path, item in document["paths"].items() for method in item}
    assert routes == documented


def test_the_document_is_openapi_3_1_with_valid_schemas(document):
    assert document["openapi"].startswith("3.1")
    assert document["servers"][0]["url"].endswith("/api/v1")
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    for ref in set(re.findall(r'"\$ref": "#/components/(\w+)/(\w+)"', json.dumps(document))):
        assert ref[1] in document["components"][ref[0]], ref


def _absolute_refs(schema):
    """Point local references at the registered document."""
    return json.loads(json.dumps(schema).replace('"#/components', '"urn:openapi#/components'))


class Checker:
    """Validates real responses against the schema the document gives for their status."""

    def __init__(self, document):
        self.document = document
        self.registry = Registry().with_resource(
            "urn:openapi", Resource.from_contents(document, default_specification=DRAFT202012))
        self.seen = set()

    def __call__(self, response, path, method="get"):
        operation = self.document["paths"][path][method]
        status = str(response.status_code)
        assert status in operation["responses"], f"{method} {path} answered undocumented {status}"
        answer = operation["responses"][status]
        if "$ref" in answer:
            answer = self.document["components"]["responses"][answer["$ref"].split("/")[-1]]
        assert response.mimetype in answer["content"]  # JSON, or GeoJSON for the map's data
        validator = Draft202012Validator(
            _absolute_refs(answer["content"][response.mimetype]["schema"]),
            registry=self.registry, format_checker=FormatChecker())
        errors = sorted(validator.iter_errors(response.get_json()), key=str)
        assert not errors, f"{method} {path} {status}: {errors[0].message}"
        self.seen.add((method, path, status))
        return response


def test_real_responses_match_the_documented_schemas(client, app, document, make_submission,
                                                     staff_token, api_key):
    check = Checker(document)
    token = {"Authorization": f"Bearer {staff_token('moderator')}"}
    viewer = {"Authorization": f"Bearer {staff_token('viewer')}"}
    with app.app_context():
        replied = make_submission(commit=False)
        change_status(replied, "accepted", actor="test")
        add_official_reply(replied, actor="test", text="已处理。", text_en="Done.")
        set_publication(replied, True, actor="test", public_title="Lamp",
                        public_body="The lamp is dark.")
        db.session.commit()
        code = replied.code

    for lang in ("en", "zh", "zh_Hant"):
        for resource in ("categories", "areas", "stations"):
            check(client.get(f"/api/v1/{resource}?lang={lang}"), f"/{resource}")
        check(client.get(f"/api/v1/submissions/{code}?lang={lang}"), "/submissions/{code}")
        check(client.get(f"/api/v1/search?q=lamp&lang={lang}"), "/search")
        check(client.get(f"/api/v1/submissions.geojson?lang={lang}"), "/submissions.geojson")
    check(client.get("/api/v1/openapi.json"), "/openapi.json")
    check(client.get("/api/v1/submissions/NOPE"), "/submissions/{code}")
    check(client.get("/api/v1/search?page=0"), "/search")
    check(client.get("/api/v1/submissions.geojson?bbox=1,2"), "/submissions.geojson")

    post = "/submissions"
    created = check(client.post("/api/v1/submissions", json={
        **VALID, "contact": {"name": "Li", "phone": None}, "lat": 31.2, "lon": 121.5,
        "station": None, "consent": False}, headers={"X-API-Key": api_key}), post, "post")
    assert created.status_code == 201
    check(client.post("/api/v1/submissions", data="{", content_type="application/json"), post,
          "post")
    check(client.post("/api/v1/submissions", json=VALID, headers={"X-API-Key": "pk_x"}), post,
          "post")
    check(client.post("/api/v1/submissions", data="x" * 70_000,
                      content_type="application/json"), post, "post")
    check(client.post("/api/v1/submissions", data="<a/>", content_type="application/xml"),
          post, "post")
    check(client.post("/api/v1/submissions", json={"kind": 1}), post, "post")

    staff = "/staff/submissions"
    check(client.get("/api/v1/staff/submissions?status=accepted", headers=viewer), staff)
    check(client.get("/api/v1/staff/submissions"), staff)
    check(client.get("/api/v1/staff/submissions?status=lost", headers=viewer), staff)
    decision = "/staff/submissions/{code}/decision"
    new_code = created.get_json()["code"]
    url = f"/api/v1/staff/submissions/{new_code}/decision"
    check(client.post(url, json={"action": "accept"}, headers=token), decision, "post")
    check(client.post(url, json={"action": "accept"}, headers=token), decision, "post")  # 409
    check(client.post(url, json={"action": "accept"}, headers=viewer), decision, "post")
    check(client.post(url, json={"action": "accept"}), decision, "post")
    check(client.post(url, json={"action": "reject"}, headers=token), decision, "post")
    check(client.post(url, data="[", content_type="application/json", headers=token), decision,
          "post")
    check(client.post(url, data="a=b", content_type="application/x-www-form-urlencoded",
                      headers=token), decision, "post")
    check(client.post("/api/v1/staff/submissions/NOPE/decision", json={"action": "accept"},
                      headers=token), decision, "post")

    events = "/platform/events"
    check(client.post("/api/v1/platform/events", json={}), events, "post")  # not configured
    app.config["PORTAL_PLATFORM_SECRET"] = "platform-secret"
    check(client.post("/api/v1/platform/events", json={}), events, "post")  # unsigned
    from portal.forwarding.payload import sign
    for body in ({"event_id": "e1", "reference": code, "status": "in_progress",
                  "occurred_at": "2026-11-26T10:00:00+08:00",
                  "reply": {"zh": "处理中", "en": "On it"}},
                 {"event_id": "e2", "reference": code, "status": "finished"}):
        raw = json.dumps(body).encode()
        check(client.post("/api/v1/platform/events", data=raw, content_type="application/json",
                          headers=sign("platform-secret", raw)), events, "post")

    with app.app_context():
        idea = make_submission(kind="idea", category_code="greenery", commit=False)
        set_publication(idea, True, actor="test", public_title="Trees", public_body="More trees.")
        db.session.commit()
        idea_id = idea.id
    for lang in ("en", "zh", "zh_Hant"):
        check(client.get(f"/api/v1/ideas?lang={lang}&sort=newest"), "/ideas")
        check(client.get(f"/api/v1/ideas/{idea_id}?lang={lang}"), "/ideas/{idea_id}")
    check(client.get("/api/v1/ideas?sort=x"), "/ideas")
    check(client.get("/api/v1/ideas/999999"), "/ideas/{idea_id}")
    supports = "/ideas/{idea_id}/supports"
    keyed = {"X-API-Key": api_key, "Idempotency-Key": "fan-1"}
    check(client.post(f"/api/v1/ideas/{idea_id}/supports", headers=keyed), supports, "post")
    check(client.post(f"/api/v1/ideas/{idea_id}/supports", headers=keyed), supports, "post")
    check(client.post("/api/v1/ideas/999999/supports"), supports, "post")
    check(client.post(f"/api/v1/ideas/{idea_id}/supports", headers={"X-API-Key": "pk_x"}),
          supports, "post")

    statuses = {(m, p): set() for p, item in document["paths"].items() for m in item}
    for method, path, status in check.seen:
        statuses[(method, path)].add(status)
    assert all(statuses.values()), f"operations never exercised: {statuses}"
    assert {"200", "400", "401", "403", "404", "409", "422"} <= statuses[("post", decision)]
    assert {"201", "400", "401", "413", "415", "422"} <= statuses[("post", post)]
