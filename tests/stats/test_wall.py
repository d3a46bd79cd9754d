"""The wall screen: staff only, CSP-safe, fed by a JSON endpoint that a script polls."""
from datetime import timedelta
from pathlib import Path

from portal import create_app
from portal.core.time import utcnow
from portal.extensions import db
from portal.servicelevels.models import Deadline
from tests.stats.helpers import assert_csp_safe

WALL_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "wall.js"


def _late_case(app, case_history, *, escalate=False):
    """An accepted case whose deadline passed an hour ago (the deadline row as the task
    leaves it)."""
    with app.app_context():
        case = case_history(utcnow() - timedelta(days=3), [
            ("accepted", utcnow() - timedelta(days=3))], category_code="litter",
            area_code="daqiao")
        row = db.session.get(Deadline, case.id)
        row.resolve_due = utcnow() - timedelta(hours=1)
        row.escalation_level = 1 if escalate else 0
        db.session.commit()
        return case.display_code


def test_wall_page_and_data_in_english(app, client, login, case_history):
    code = _late_case(app, case_history, escalate=True)
    login("dispatcher")
    response = client.get("/staff/wall?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Operations room" in html and "Overdue" in html and code in html
    assert 'src="/static/js/wall.js"' in html and 'data-source="/staff/wall.json?lang=en"' in html
    assert "Daqiao Subdistrict" in html
    assert_csp_safe(html)
    assert response.headers["Cache-Control"] == "no-store"
    data = client.get("/staff/wall.json?lang=en").get_json()
    assert data["overdue"]["count"] == 1 and data["overdue"]["cases"][0]["code"] == code
    assert data["escalated"]["count"] == 1
    assert data["today"]["received"] >= 0 and data["open_total"] == 1
    daqiao = next(row for row in data["areas"] if row["code"] == "daqiao")
    statuses = [s["code"] for s in data["statuses"]]
    assert daqiao["counts"][statuses.index("accepted")] == 1 and daqiao["total"] == 1
    assert [s["label"] for s in data["statuses"]][statuses.index("accepted")] == "Accepted"


def test_wall_in_chinese(app, client, login, case_history):
    _late_case(app, case_history)
    login("moderator")
    html = client.get("/staff/wall?lang=zh").get_data(as_text=True)
    assert "运行指挥室" in html and "已超期" in html and "大桥街道" in html
    data = client.get("/staff/wall.json?lang=zh").get_json()
    assert "大桥街道" in [row["name"] for row in data["areas"]]
    assert data["overdue"]["cases"][0]["area"] == "大桥街道"


def test_wall_is_for_the_operations_room_only(app, client, login):
    assert client.get("/staff/wall.json").status_code == 302  # to the sign-in page
    login("viewer")
    assert client.get("/staff/wall").status_code == 403
    assert client.get("/staff/wall.json").status_code == 403


def test_the_wall_carries_on_after_a_restart(app, client, login, case_history, tmp_path):
    """A new portal process on the same data: the screen's session still works, the page
    renders and the data answers (the script only has to keep asking)."""
    _late_case(app, case_history)
    login("dispatcher")
    assert client.get("/staff/wall.json").status_code == 200
    restarted = create_app({"TESTING": True, "PORTAL_RATE_LIMITS": "off",
                            "PORTAL_MAP_OUTLINE": "off", "SQLALCHEMY_DATABASE_URI":
                            app.config["SQLALCHEMY_DATABASE_URI"]})
    screen = restarted.test_client()
    screen.set_cookie("session", client.get_cookie("session").value)
    assert screen.get("/staff/wall?lang=en").status_code == 200
    data = screen.get("/staff/wall.json?lang=en").get_json()
    assert data["overdue"]["count"] == 1
    with restarted.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_script_polls_and_keeps_retrying(client):
    source = WALL_JS.read_text(encoding="utf-8")
    assert "15000" in source and "setTimeout" in source and "catch" in source
    assert "innerHTML" not in source and "http" not in source.replace("https://", "")
    response = client.get("/static/js/wall.js")
    assert response.status_code == 200
    response.close()
