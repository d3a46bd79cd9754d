"""Plain helpers for the kiosk tests: enrolment links and what kiosk.js posts."""
import re

from portal.extensions import db
from portal.kiosk.services import enrol_kiosk
from tests.helpers import csrf_token

ENROL_PATH = re.compile(r"/kiosk/enrol/[A-Za-z0-9_\-]+")


def enrol_link(app, slug="service-station-1", **options):
    """Enrol a kiosk through the service; returns (kiosk id, enrolment path)."""
    with app.app_context():
        kiosk, token = enrol_kiosk(slug, **options)
        db.session.commit()
        return kiosk.id, f"/kiosk/enrol/{token}"


def redeem(client, path):
    """Open the link and press the button, as the administrator does on the device."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(path, data={"csrf_token": csrf_token(page.get_data(as_text=True))})


def send_json(client, payload, *, token=None):
    """POST a kiosk draft as kiosk.js does: fresh CSRF token first, then JSON."""
    token = token or client.get("/kiosk/csrf").get_json()["csrf_token"]
    return client.post("/kiosk/send", json=payload, headers={"X-CSRFToken": token})


def draft(**overrides):
    """A complete kiosk draft."""
    values = {"kind": "issue", "category": "street-lighting", "area": "riverside",
              "title": "路灯不亮", "body": "渔人码头旁边的路灯坏了一周。", "landmark": "渔人码头",
              "place": "3号门", "name": "", "phone": "", "email": "", "consent": False,
              "draft_key": "0123456789abcdef0123456789abcdef", "lang": "zh"}
    values.update(overrides)
    return values


def support_json(client, submission_id, *, lang="zh", token=None):
    """Press "This is my problem too" as kiosk.js does: fresh CSRF token first, then JSON."""
    token = token or client.get("/kiosk/csrf").get_json()["csrf_token"]
    return client.post("/kiosk/support", json={"submission": submission_id, "lang": lang},
                       headers={"X-CSRFToken": token})
