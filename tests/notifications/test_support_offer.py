"""After "this is my problem too" the resident is offered to follow the case by e-mail."""
import re

from portal.extensions import db
from portal.notifications.models import Subscription
from tests.helpers import csrf_token


def test_supporting_offers_a_follow_by_e_mail(app, client, make_submission):
    with app.app_context():
        case_id = make_submission(publish=True).id
    token = csrf_token(client.get(f"/notifications/follow/{case_id}").get_data(as_text=True))
    response = client.post(f"/submissions/{case_id}/support", data={"csrf_token": token})
    assert response.status_code == 303
    for lang, offer in (("en", "Hear when it changes"), ("zh", "有变化时告诉我")):
        page = client.get(response.headers["Location"] + f"?lang={lang}").get_data(as_text=True)
        assert offer in page
    assert f'action="/notifications/follow/{case_id}"' in page
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    sent = client.post(f"/notifications/follow/{case_id}",
                       data={"csrf_token": form_token, "email": "me-too@example.org"})
    assert sent.status_code == 303
    with app.app_context():
        [subscription] = db.session.execute(db.select(Subscription)).scalars().all()
        assert subscription.kind == "follow" and subscription.state == "pending"
