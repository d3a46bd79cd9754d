"""Photos reach the platform: signed, expiring links in each delivery, served only when valid."""
import hashlib
import json
import time
from urllib.parse import parse_qs, urlencode, urlsplit

from portal.extensions import db
from portal.forwarding.models import Delivery
from portal.forwarding.photos import photo_signature
from tests.forwarding.helpers import drain
from tests.submissions.test_photos import png_bytes


def _received(receiver):
    (body,) = receiver.stored.values()
    return json.loads(body)


def _local(url):
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}", parts


def test_the_platform_fetches_each_photo_by_its_signed_link(
        app, client, make_submission, accept, use_webhook, incident_schema):
    pictures = [png_bytes((30, 30)), png_bytes((60, 40))]
    with app.app_context():
        submission = accept(make_submission(photos=pictures))  # not published
        drain()
        photo_names = [p.filename for p in submission.photos]
    body = _received(use_webhook)
    incident_schema.validate(body)
    assert body["photo_count"] == 2 and len(body["photos"]) == 2
    for entry in body["photos"]:
        path, parts = _local(entry["url"])
        assert parts.scheme in ("http", "https") and parts.netloc
        remaining = int(parse_qs(parts.query)["expires"][0]) - time.time()
        assert 6.9 * 86400 < remaining <= 7 * 86400 + 5  # PORTAL_PHOTO_URL_DAYS, default 7
        response = client.get(path)
        assert response.status_code == 200
        data = response.get_data()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(data) == entry["size"]
        assert response.mimetype == entry["content_type"]
        assert "no-store" in response.headers["Cache-Control"]
    # The public photo route still hides the photos of an unpublished case.
    for name in photo_names:
        assert client.get(f"/photos/{name}").status_code == 404


def test_a_bad_missing_or_expired_signature_opens_nothing(
        app, client, make_submission, accept, use_webhook):
    with app.app_context():
        submission = accept(make_submission(photos=[png_bytes()]))
        drain()
        photo_id = submission.photos[0].id
    entry = _received(use_webhook)["photos"][0]
    path, parts = _local(entry["url"])
    query = parse_qs(parts.query)
    base = parts.path
    assert client.get(base).status_code == 403
    forged = dict(expires=query["expires"][0], signature="0" * 64)
    assert client.get(f"{base}?{urlencode(forged)}").status_code == 403
    longer = dict(expires=str(int(query["expires"][0]) + 86400),
                  signature=query["signature"][0])
    assert client.get(f"{base}?{urlencode(longer)}").status_code == 403
    with app.app_context():
        past = int(time.time()) - 10
        expired = dict(expires=past, signature=photo_signature(photo_id, past))
        other = dict(expires=query["expires"][0],
                     signature=photo_signature(photo_id + 1000, int(query["expires"][0])))
    assert client.get(f"{base}?{urlencode(expired)}").status_code == 403
    assert client.get(f"/platform/photos/{photo_id + 1000}?{urlencode(other)}").status_code == 404
    assert client.get(path).status_code == 200


def test_a_case_without_photos_sends_an_empty_list(app, make_submission, accept, use_webhook,
                                                   incident_schema):
    with app.app_context():
        accept(make_submission())
        drain()
        assert db.session.execute(db.select(Delivery.state)).scalar_one() == "sent"
    body = _received(use_webhook)
    incident_schema.validate(body)
    assert body["photos"] == [] and body["photo_count"] == 0
