"""The local incident queue: dispatchers list, claim, assign, report progress and reply."""
import re

import pytest

from portal.extensions import db
from portal.forwarding.models import Incident
from portal.submissions.models import Submission
from tests.forwarding.helpers import drain
from tests.helpers import csrf_token


@pytest.fixture
def queue(app, make_submission, accept):
    """Three forwarded cases: an old normal one, a newer urgent one, a newest normal one."""
    with app.app_context():
        codes = {}
        for name, category in (("old", "greenery"), ("urgent", "fire-risk"), ("new", "noise")):
            codes[name] = accept(make_submission(category_code=category, area_code="daqiao",
                                                 title=f"case {name}")).code
        drain()
        ids = {name: db.session.execute(db.select(Incident.id).join(Submission).filter(
            Submission.code == code)).scalar_one() for name, code in codes.items()}
    return codes, ids


def post(client, url, data, page_url):
    page = client.get(page_url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_token(page), **data})


def test_queue_lists_urgent_first_then_oldest(client, login, queue):
    codes, _ids = queue
    login("dispatcher")
    for lang, title in (("en", "Incident queue"), ("zh", "工单队列")):
        page = client.get(f"/staff/incidents?lang={lang}").get_data(as_text=True)
        assert title in page
    page = client.get("/staff/incidents?lang=en").get_data(as_text=True)
    order = [m for m in re.findall(r"case (old|urgent|new)", page)]
    assert order == ["urgent", "old", "new"]
    assert "Urgent" in page


def test_only_dispatchers_and_administrators(client, login, queue):
    assert client.get("/staff/incidents").status_code == 302  # to the login page
    login("viewer")
    assert client.get("/staff/incidents").status_code == 403


def test_claim_assign_progress_and_reply(app, client, login, queue):
    codes, ids = queue
    login("dispatcher", username="dora")
    url = f"/staff/incidents/{ids['old']}"
    assert post(client, url + "/claim", {}, url).status_code == 303
    assert post(client, url + "/team", {"team": "property"}, url).status_code == 303
    response = post(client, url + "/status", {"status": "in_progress", "note": "crew booked"}, url)
    assert response.status_code == 303
    response = post(client, url + "/reply", {"text": "绿化队明天上午修剪。",
                                             "text_en": "The greenery crew prunes tomorrow."}, url)
    assert response.status_code == 303
    page = client.get(url + "?lang=en").get_data(as_text=True)
    assert "dora" in page and "Property management" in page and "crew booked" in page
    page = client.get(url + "?lang=zh").get_data(as_text=True)
    assert "认领人" in page and "物业" in page and "发布正式答复" in page
    with app.app_context():
        incident = db.session.get(Incident, ids["old"])
        assert (incident.state, incident.team, incident.claimed_by.username) == (
            "in_progress", "property", "dora")
    tracking = client.get(f"/track/{codes['old']}?lang=en").get_data(as_text=True)
    assert "In progress" in tracking and "The greenery crew prunes tomorrow." in tracking
    assert "crew booked" not in tracking
    tracking_zh = client.get(f"/track/{codes['old']}?lang=zh").get_data(as_text=True)
    assert "绿化队明天上午修剪。" in tracking_zh
    post(client, url + "/status", {"status": "resolved"}, url)
    post(client, url + "/status", {"status": "closed"}, url)
    assert "Closed" in client.get(f"/track/{codes['old']}?lang=en").get_data(as_text=True)
    page = client.get("/staff/incidents?lang=en").get_data(as_text=True)
    assert "case old" not in page
    assert "case old" in client.get("/staff/incidents?show=all&lang=en").get_data(as_text=True)


def test_returned_case_comes_back_as_a_new_incident(app, client, login, queue):
    codes, ids = queue
    login("dispatcher")
    url = f"/staff/incidents/{ids['new']}"
    response = post(client, url + "/status", {"status": "returned", "note": "not urban mgmt"},
                    url)
    assert response.status_code == 303
    with app.app_context():
        drain()
        incidents = db.session.execute(db.select(Incident).join(Submission).filter(
            Submission.code == codes["new"]).order_by(Incident.id)).scalars().all()
        assert [i.state for i in incidents] == ["returned", "open"]
        assert incidents[1].claimed_by is None


def test_a_bad_transition_and_an_empty_reply_are_shown_as_errors(client, login, queue):
    _codes, ids = queue
    login("dispatcher")
    url = f"/staff/incidents/{ids['urgent']}"
    assert post(client, url + "/status", {"status": "closed"}, url).status_code == 303
    response = post(client, url + "/status", {"status": "in_progress"}, url + "?lang=en")
    assert response.status_code == 422
    assert "This case cannot move to that status now." in response.get_data(as_text=True)
    response = post(client, url + "/reply", {"text": ""}, url + "?lang=en")
    assert response.status_code == 422
    assert "Write the reply in Chinese." in response.get_data(as_text=True)
    response = post(client, url + "/team", {"team": "astronauts"}, url + "?lang=en")
    assert response.status_code == 422
