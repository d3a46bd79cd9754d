"""API rate limits: per key, tighter for anonymous clients."""
import pytest

from portal.api.services import issue_api_key
from portal.extensions import db
from tests.api.helpers import VALID

LIMITED = {"PORTAL_RATE_LIMITS": "on"}


@pytest.mark.parametrize("app_config", [{**LIMITED, "PORTAL_API_ANONYMOUS_LIMIT": "2 per minute",
                                         "PORTAL_API_KEYED_LIMIT": "3 per minute"}])
def test_api_posts_are_limited_per_key_and_tighter_for_anonymous_clients(app, client):
    client.environ_base["REMOTE_ADDR"] = "192.0.2.60"
    statuses = [client.post("/api/v1/submissions", json=VALID).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    response = client.post("/api/v1/submissions", json=VALID)
    assert response.get_json()["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0
    with app.app_context():
        _key, secret = issue_api_key("Partner", created_by="test")
        db.session.commit()
    headers = {"X-API-Key": secret}
    keyed = [client.post("/api/v1/submissions", json=VALID, headers=headers).status_code
             for _ in range(4)]
    assert keyed == [201, 201, 201, 429]
