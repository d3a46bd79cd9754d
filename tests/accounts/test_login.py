"""Staff login, logout and the deny-by-default decorator."""
import pytest

from portal.accounts.services import AccountError, create_user
from tests.helpers import submit_form


def test_login_and_logout_end_the_session(client, login):
    login("moderator")
    assert "moderator" in client.get("/staff/").get_data(as_text=True)
    page = client.get("/staff/").get_data(as_text=True)
    from tests.helpers import csrf_token
    client.post("/staff/logout", data={"csrf_token": csrf_token(page)})
    assert client.get("/staff/").status_code == 302


@pytest.mark.parametrize("lang,message", [("zh", "用户名或密码错误"),
                                          ("en", "Wrong username or password")])
def test_wrong_password_is_refused_in_each_language(client, staff_user, lang, message):
    staff_user("alice", "viewer")
    response = submit_form(client, "/staff/login", {"username": "alice", "password": "nope"},
                           lang=lang)
    assert response.status_code == 401
    assert message in response.get_data(as_text=True)


def test_password_policy(app_ctx):
    with pytest.raises(AccountError):
        create_user("bob", "viewer", "short")
    with pytest.raises(AccountError):
        create_user("bob", "viewer", "1234567890")


def test_staff_pages_are_not_cached(client, login):
    login("viewer")
    assert client.get("/staff/").headers["Cache-Control"] == "no-store"
