"""API keys: the command, the administrator page (issue, revoke), and what a revoked key gets."""
import re

import pytest

from portal.api.models import ApiKey
from portal.extensions import db
from tests.api.helpers import VALID
from tests.helpers import csrf_token

OPEN311_POST = {"service_code": "litter", "address_string": "Gate 3, Yangpu riverside",
                "description": "Bins overflow every weekend.", "attribute[area]": "riverside"}


def test_create_api_key_command_prints_a_key_that_works(app, client):
    result = app.test_cli_runner().invoke(args=["portal", "create-api-key", "District app"])
    key = result.output.strip()
    assert result.exit_code == 0 and key.startswith("pk_")
    with app.app_context():
        row = db.session.query(ApiKey).one()
        assert row.name == "District app" and row.key_hash != key and key not in row.prefix + "x"
    response = client.post("/open311/v2/requests.json", data={**OPEN311_POST, "api_key": key})
    assert response.status_code == 201
    with app.app_context():
        assert db.session.query(ApiKey).one().last_used_at is not None


def test_the_page_is_for_administrators_only(client, login):
    assert client.get("/staff/api-keys").status_code == 302  # to the login page
    login("moderator")
    assert client.get("/staff/api-keys").status_code == 403


@pytest.mark.parametrize("lang,texts", [
    ("en", ("API keys", "Copy it now: it is shown only once", "Revoke", "Active")),
    ("zh", ("API 密钥", "请立即复制：它只显示这一次", "停用", "使用中"))])
def test_administrator_issues_and_revokes_a_key(client, app, login, lang, texts):
    login("administrator")
    page = client.get(f"/staff/api-keys?lang={lang}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and texts[0] in html
    assert page.headers["Cache-Control"] == "no-store"
    issued = client.post("/staff/api-keys", data={"csrf_token": csrf_token(html),
                                                  "name": "Hotline <Open311>"})
    html = issued.get_data(as_text=True)
    assert issued.status_code == 201 and texts[1] in html
    assert "Hotline &lt;Open311&gt;" in html
    secret = re.search(r"(pk_[A-Za-z0-9_\-]+)", html).group(1)
    assert client.get("/staff/api-keys").get_data(as_text=True).count(secret) == 0  # shown once
    assert client.post("/api/v1/submissions", json=VALID,
                       headers={"X-API-Key": secret}).status_code == 201
    with app.app_context():
        key_id = db.session.query(ApiKey).one().id
    assert texts[2] in html and texts[3] in html
    revoked = client.post(f"/staff/api-keys/{key_id}/revoke", data={"csrf_token": csrf_token(html)})
    assert revoked.status_code == 303
    assert client.post("/api/v1/submissions", json=VALID,
                       headers={"X-API-Key": secret}).status_code == 401
    refused = client.post("/open311/v2/requests.xml", data={**OPEN311_POST, "api_key": secret})
    assert refused.status_code == 403 and b"<code>403</code>" in refused.data


def test_revoking_needs_the_csrf_token(client, app, login, api_key):
    login("administrator")
    with app.app_context():
        key_id = db.session.query(ApiKey).one().id
    assert client.post(f"/staff/api-keys/{key_id}/revoke").status_code == 400
    with app.app_context():
        assert db.session.query(ApiKey).one().revoked_at is None


def test_an_empty_name_is_refused(client, login):
    login("administrator")
    html = client.get("/staff/api-keys?lang=en").get_data(as_text=True)
    response = client.post("/staff/api-keys", data={"csrf_token": csrf_token(html), "name": ""})
    assert response.status_code == 422 and "pk_" not in response.get_data(as_text=True)


def test_rate_limit_key_and_tier_follow_the_api_key(app, api_key):
    """What Flask-Limiter is given: the key's id (else the address), and the tighter tier
    for anonymous clients."""
    from portal.api.auth import ANONYMOUS_LIMIT, KEYED_LIMIT, rate_limit_key, rate_limit_value
    with app.test_request_context("/api/v1/submissions", method="POST",
                                  environ_base={"REMOTE_ADDR": "192.0.2.7"}):
        assert rate_limit_key() == "ip:192.0.2.7" and rate_limit_value() == ANONYMOUS_LIMIT
    with app.test_request_context("/api/v1/submissions", method="POST",
                                  headers={"X-API-Key": api_key}):
        assert rate_limit_key().startswith("api-key:") and rate_limit_value() == KEYED_LIMIT
    with app.test_request_context("/open311/v2/requests.json", method="POST",
                                  data={"api_key": api_key}):
        assert rate_limit_key().startswith("api-key:")
