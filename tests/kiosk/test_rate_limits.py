"""Kiosk rate limits: counted per enrolled device, not per (shared) station address."""
import pytest

from tests.kiosk.helpers import draft, enrol_link, redeem, send_json

LIMITED = {"PORTAL_RATE_LIMITS": "on"}


@pytest.mark.parametrize("app_config", [{**LIMITED, "PORTAL_RATE_LIMIT_KIOSK": "2 per minute"}])
def test_kiosk_sends_are_limited_per_device_with_a_json_429(app):
    devices = []
    for label in ("left", "right"):
        _kiosk_id, path = enrol_link(app, label=label)
        device = app.test_client()
        device.environ_base["REMOTE_ADDR"] = "192.0.2.50"  # one station, one address
        assert redeem(device, path).status_code == 303
        devices.append(device)
    keys = iter(f"{n:032x}" for n in range(1, 100))
    assert send_json(devices[0], draft(draft_key=next(keys))).status_code == 201
    assert send_json(devices[0], draft(draft_key=next(keys))).status_code == 201
    response = send_json(devices[0], draft(draft_key=next(keys)))
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert response.get_json()["error"]["code"] == "rate_limited"
    # The other kiosk at the same station (same address) has its own count.
    assert send_json(devices[1], draft(draft_key=next(keys))).status_code == 201
