"""What an outside probe saw on every answer: Allow on 405, addresses taken from the Host
header, HSTS, world-readable files. Each test makes the request the probe made."""
import io
import stat
from pathlib import Path

import pytest
from PIL import Image

from portal import create_app
from portal.extensions import db
from portal.submissions.models import Photo
from portal.submissions.services import set_publication
from tests.api.helpers import VALID

SPOOFED = {"Host": "evil.example", "X-Forwarded-Proto": "gopher",
           "X-Forwarded-Host": "evil.example"}


@pytest.mark.parametrize("path,accept,kind", [
    ("/submit", "text/html", "text/html"),                   # a page (GET and POST only)
    ("/api/v1/submissions", "application/json", "application/json"),
    ("/staff/export.csv", "text/html", "text/html"),
    ("/open311/v2/requests.json", "application/json", "application/json"),
])
def test_405_says_which_methods_are_allowed(client, path, accept, kind):
    response = client.delete(path, headers={"Accept": accept})
    assert response.status_code == 405
    assert response.mimetype == kind
    allowed = {m.strip() for m in response.headers.get("Allow", "").split(",")}
    assert "GET" in allowed or "POST" in allowed, response.headers
    assert "DELETE" not in allowed


@pytest.fixture
def based_app(tmp_path, monkeypatch):
    """The portal with PORTAL_BASE_URL set, as a deployment sets it."""
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "based"))
    monkeypatch.setenv("PORTAL_BASE_URL", "https://portal.example.gov.cn/")
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    from portal.stations.services import load_reference_file, seed_reference_data
    application = create_app({"TESTING": True, "PORTAL_RATE_LIMITS": "off",
                              "PORTAL_PROXY_COUNT": 1})
    with application.app_context():
        db.create_all()
        seed_reference_data(load_reference_file())
        db.session.commit()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def test_forged_host_never_reaches_the_links_handed_out(based_app):
    client = based_app.test_client()
    base = "https://portal.example.gov.cn"
    response = client.post("/api/v1/submissions", json=VALID, headers=SPOOFED)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["tracking_url"].startswith(f"{base}/track/"), body
    assert response.headers["Location"].startswith(f"{base}/api/v1/submissions/")
    servers = client.get("/api/v1/openapi.json", headers=SPOOFED).get_json()["servers"]
    assert servers == [{"url": f"{base}/api/v1"}]
    discovery = client.get("/open311/discovery.json", headers=SPOOFED).get_json()
    assert discovery["endpoints"][0]["url"] == f"{base}/open311/v2"
    tracking = client.get(f"/api/v1/submissions/{body['code']}", headers=SPOOFED).get_json()
    assert tracking["tracking_url"].startswith(f"{base}/track/")
    assert "evil.example" not in response.get_data(as_text=True)


def test_trusted_hosts_refuse_other_host_headers(app):
    app.config["TRUSTED_HOSTS"] = ["portal.example.gov.cn"]
    client = app.test_client()
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/", headers={"Host": "portal.example.gov.cn"}).status_code == 200


def test_hsts_only_when_served_over_https(app, client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    app.config["PORTAL_HTTPS"] = True
    header = client.get("/").headers.get("Strict-Transport-Security", "")
    assert header.startswith("max-age=") and int(header.split("=")[1]) >= 180 * 24 * 3600


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(out, "JPEG")
    return out.getvalue()


def _mode(path) -> int:
    return stat.S_IMODE(Path(path).stat().st_mode)


def test_database_uploads_and_index_are_private(app, client):
    from tests.helpers import VALID_FORM, submit_form
    response = submit_form(client, "/submit?lang=en", VALID_FORM,
                           files={"photos": [(io.BytesIO(_jpeg()), "lamp.jpg")]})
    assert response.status_code == 303, response.status_code
    config = app.config
    assert _mode(config["PORTAL_DATA_DIR"]) == 0o700
    assert _mode(config["PORTAL_UPLOAD_DIR"]) == 0o700
    assert _mode(config["PORTAL_INDEX_DIR"]) == 0o700
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        database = Path(config["PORTAL_DATA_DIR"]) / "portal.db"
        assert _mode(database) == 0o600
        for extra in ("portal.db-wal", "portal.db-shm"):
            if (database.parent / extra).exists():
                assert _mode(database.parent / extra) & 0o077 == 0, extra
    files = list(Path(config["PORTAL_UPLOAD_DIR"]).iterdir())
    assert len(files) == 2  # the photo and its thumbnail
    assert all(_mode(f) == 0o600 for f in files)


def test_photos_are_revalidated_and_gone_once_unpublished(app, client, make_submission):
    from portal.submissions.photos import prepare_photo, write_photo_files
    with app.app_context():
        submission = make_submission(publish=True, commit=False)
        prepared = prepare_photo(_jpeg(), max_bytes=10 ** 7, max_pixels=10 ** 7)
        name, thumb = write_photo_files(prepared, app.config["PORTAL_UPLOAD_DIR"])
        submission.photos.append(Photo(filename=name, thumbnail=thumb,
                                       content_type=prepared.content_type,
                                       width=prepared.width, height=prepared.height,
                                       size=len(prepared.data)))
        db.session.commit()
        submission_id = submission.id
    first = client.get(f"/photos/{name}")
    assert first.status_code == 200
    cache = first.headers["Cache-Control"]
    # No shared cache keeps it (it would not learn of an unpublishing); browsers ask each time.
    assert "private" in cache and "no-cache" in cache and "max-age=3600" not in cache
    assert first.headers.get("ETag")
    again = client.get(f"/photos/{name}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    with app.app_context():
        set_publication(db.session.get(type(submission), submission_id), False, actor="test")
        db.session.commit()
    gone = client.get(f"/photos/{name}", headers={"If-None-Match": first.headers["ETag"]})
    assert gone.status_code == 404
