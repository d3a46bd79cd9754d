"""Following an idea by e-mail: the idea page links the follow form, and a supporter is offered
the same double opt-in follow as "this is my problem too" (through the panel registry)."""
import re

import pytest

from portal.extensions import db
from portal.notifications.models import Subscription
from tests.participation.helpers import post_from


@pytest.mark.parametrize("lang, link, form_title", [
    ("en", "Follow this idea", "Follow this case"), ("zh", "关注这条建议", "关注此案件")])
def test_the_idea_page_links_the_follow_form(client, make_idea, lang, link, form_title):
    idea = make_idea()
    page = client.get(f"/ideas/{idea.id}?lang={lang}").get_data(as_text=True)
    assert link in page and f'href="/notifications/follow/{idea.id}"' in page
    assert f'href="/feeds/submissions/{idea.id}.atom"' in page
    assert '<link rel="alternate" type="application/atom+xml"' in page
    form = client.get(f"/notifications/follow/{idea.id}?lang={lang}")
    assert form.status_code == 200 and form_title in form.get_data(as_text=True)


@pytest.mark.parametrize("lang, offer", [("en", "Hear when it changes"), ("zh", "有变化时告诉我")])
def test_a_supporter_is_offered_to_follow_the_idea(app, client, make_idea, lang, offer):
    idea = make_idea()
    before = client.get(f"/ideas/{idea.id}?lang={lang}").get_data(as_text=True)
    assert offer not in before  # only supporters get the offer
    response = post_from(client, f"/ideas/{idea.id}?lang={lang}",
                         f"/ideas/{idea.id}/support?lang={lang}", {})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert offer in page and f'action="/notifications/follow/{idea.id}"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    sent = client.post(f"/notifications/follow/{idea.id}",
                       data={"csrf_token": token, "email": "supporter@example.org"})
    assert sent.status_code == 303
    with app.app_context():
        [subscription] = db.session.execute(db.select(Subscription)).scalars().all()
        assert subscription.kind == "follow" and subscription.state == "pending"
        assert subscription.submission_id == idea.id


def test_a_bad_address_gets_the_form_back_and_nothing_is_stored(app, client, make_idea):
    idea = make_idea()
    response = post_from(client, f"/ideas/{idea.id}?lang=en", f"/ideas/{idea.id}/support", {})
    page = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    sent = client.post(f"/notifications/follow/{idea.id}?lang=en",
                       data={"csrf_token": token, "email": "not an address"})
    assert sent.status_code == 422
    assert "Please enter a valid e-mail address." in sent.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Subscription).count() == 0
