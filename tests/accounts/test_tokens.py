"""API tokens on the staff pages: listed, revoked by their owner and by administrators, and
revoked by sign-out-everywhere, a new password, a new role and disabling."""
import pytest

from portal.accounts.models import ApiToken, AuditEntry, User
from portal.accounts.tokens import issue_staff_token
from portal.extensions import db
from tests.helpers import csrf_token

STAFF_LIST = "/api/v1/staff/submissions"


def issue(app, username):
    with app.app_context():
        token, secret = issue_staff_token(username)
        db.session.commit()
        return token.id, secret


def api_status(app, secret):
    return app.test_client().get(STAFF_LIST, headers={"Authorization": f"Bearer {secret}"}
                                 ).status_code


def user_id(app, username):
    with app.app_context():
        return db.session.execute(db.select(User.id).filter_by(username=username)).scalar_one()


def post_from(browser, page_url, action_url, data=None):
    token = csrf_token(browser.get(page_url).get_data(as_text=True))
    return browser.post(action_url, data={"csrf_token": token, **(data or {})})


def revocations(app):
    with app.app_context():
        return [(e.actor, e.after["reason"]) for e in db.session.execute(
            db.select(AuditEntry).filter_by(action="token.revoke")).scalars()]


@pytest.mark.parametrize("lang,heading,never", [("en", "API tokens", "Never"),
                                                ("zh", "API 令牌", "从未")])
def test_owner_sees_their_tokens_and_no_one_elses(app, login, lang, heading, never):
    owner = login("dispatcher", username="ding", browser=app.test_client())
    login("viewer", username="vera", browser=app.test_client())
    _id, mine = issue(app, "ding")
    _id, theirs = issue(app, "vera")
    page = owner.get(f"/staff/tokens?lang={lang}").get_data(as_text=True)
    assert heading in page and mine[:10] in page and never in page
    assert theirs[:10] not in page and mine not in page  # the secret itself is never shown


def test_owner_revokes_a_token_with_the_form(app, login):
    owner = login("moderator", username="mo", browser=app.test_client())
    token_id, secret = issue(app, "mo")
    assert api_status(app, secret) == 200
    # Without the form's CSRF token nothing happens.
    assert owner.post(f"/staff/tokens/{token_id}/revoke").status_code == 400
    assert api_status(app, secret) == 200
    response = post_from(owner, "/staff/tokens?lang=en", f"/staff/tokens/{token_id}/revoke")
    assert response.status_code == 303
    assert "revoked" in owner.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert api_status(app, secret) == 401
    assert revocations(app) == [("mo", "owner")]


def test_owner_cannot_revoke_another_users_token(app, login):
    owner = login("moderator", username="mo", browser=app.test_client())
    login("viewer", username="vera", browser=app.test_client())
    token_id, secret = issue(app, "vera")
    response = post_from(owner, "/staff/tokens", f"/staff/tokens/{token_id}/revoke")
    assert response.status_code == 404
    assert api_status(app, secret) == 200


def test_administrator_lists_and_revokes_a_users_token(app, login):
    admin = login("administrator", username="administrator-user", browser=app.test_client())
    login("moderator", username="mo", browser=app.test_client())
    token_id, secret = issue(app, "mo")
    page = f"/staff/users/{user_id(app, 'mo')}"
    assert secret[:10] in admin.get(page).get_data(as_text=True)
    response = post_from(admin, page, f"{page}/tokens/{token_id}/revoke")
    assert response.status_code == 303
    assert api_status(app, secret) == 401
    assert revocations(app) == [("administrator-user", "administrator")]
    # A token id that is not this user's is not found.
    other_id, _secret = issue(app, "administrator-user")
    assert post_from(admin, page, f"{page}/tokens/{other_id}/revoke").status_code == 404


@pytest.mark.parametrize("action,data,reason", [
    ("/end-sessions", {}, "sign-out-everywhere"),
    ("/password", {"password": "new-harbour-7731"}, "password"),
    ("", {"role": "viewer", "active": "y"}, "role"),
    ("", {"role": "moderator"}, "disabled"),  # "active" unticked
])
def test_administrators_actions_revoke_every_live_token(app, login, action, data, reason):
    admin = login("administrator", username="administrator-user", browser=app.test_client())
    login("moderator", username="mo", browser=app.test_client())
    tokens = [issue(app, "mo")[1] for _ in range(2)]
    _id, bystander = issue(app, "administrator-user")
    page = f"/staff/users/{user_id(app, 'mo')}"
    assert post_from(admin, page, page + action, data).status_code == 303
    assert [api_status(app, secret) for secret in tokens] == [401, 401]
    assert api_status(app, bystander) == 200
    assert revocations(app) == [("administrator-user", reason)] * 2
    with app.app_context():
        assert {t.revoked_reason for t in db.session.query(ApiToken).filter(
            ApiToken.revoked_at.isnot(None))} == {reason}


def test_saving_the_user_unchanged_revokes_nothing(app, login):
    admin = login("administrator", browser=app.test_client())
    login("moderator", username="mo", browser=app.test_client())
    _id, secret = issue(app, "mo")
    page = f"/staff/users/{user_id(app, 'mo')}"
    assert post_from(admin, page, page, {"role": "moderator", "active": "y"}).status_code == 303
    assert api_status(app, secret) == 200


def test_owner_signs_out_everywhere(app, login):
    owner = login("viewer", username="vic", browser=app.test_client())
    other_browser = app.test_client()
    from tests.helpers import STAFF_PASSWORD, submit_form
    assert submit_form(other_browser, "/staff/login",
                       {"username": "vic", "password": STAFF_PASSWORD}).status_code == 302
    _id, secret = issue(app, "vic")
    response = post_from(owner, "/staff/tokens", "/staff/sign-out-everywhere")
    assert response.status_code == 303
    assert owner.get("/staff/").status_code == 302
    assert other_browser.get("/staff/").status_code == 302
    assert api_status(app, secret) == 401
    assert revocations(app) == [("vic", "sign-out-everywhere")]


def test_signing_out_of_one_browser_leaves_api_tokens_alone(app, login):
    owner = login("viewer", username="vic", browser=app.test_client())
    _id, secret = issue(app, "vic")
    assert post_from(owner, "/staff/", "/staff/logout").status_code == 302
    assert api_status(app, secret) == 200
