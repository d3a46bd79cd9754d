"""Staff login, logout and the deny-by-default decorator."""
import pytest

from portal.accounts.services import AccountError, create_user
from tests.helpers import STAFF_PASSWORD, run_in_new_interpreter, submit_form


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


def test_an_unknown_username_costs_a_full_password_check(app, staff_user, monkeypatch):
    """Signing in as nobody verifies the password against a hash made with the same parameters
    as a real account's, so the answer's timing does not tell which usernames exist."""
    from portal.accounts import services
    from portal.accounts.models import User
    from portal.extensions import db

    staff_user("alice", "viewer")
    checked = []

    class Recording:
        def __init__(self, hasher):
            self.hasher = hasher

        def __getattr__(self, name):
            return getattr(self.hasher, name)

        def verify(self, hashed, password):
            checked.append(hashed)
            return self.hasher.verify(hashed, password)

    monkeypatch.setattr(services, "_hasher", Recording(services._hasher))
    with app.app_context():
        assert services.authenticate("nobody", "a password of some length") is None
        assert services.authenticate("alice", "a password of some length") is None
        real = db.session.execute(db.select(User.password_hash).filter_by(username="alice")
                                  ).scalar_one()
    dummy, checked_real = checked
    assert checked_real == real and dummy != real
    assert dummy.rsplit("$", 2)[0] == real.rsplit("$", 2)[0]  # same algorithm and parameters


def test_starting_the_portal_hashes_no_password(tmp_path):
    """A hash takes 64 MB and a sixth of a second: the web server, the worker and commands
    start without making one (the dummy hash waits for the first sign-in attempt)."""
    script = ("import argon2\n"
              "made = []\n"
              "hash_password = argon2.PasswordHasher.hash\n"
              "argon2.PasswordHasher.hash = lambda self, *a, **k: made.append(1) or "
              "hash_password(self, *a, **k)\n"
              "from portal import create_app\n"
              "create_app()\n"
              "print(len(made))\n")
    assert run_in_new_interpreter(script, tmp_path / "data") == "0"


def test_the_password_is_checked_outside_any_transaction(app, client, staff_user, monkeypatch):
    """A check takes a sixth of a second; inside the sign-in's writing transaction it would
    hold SQLite's write lock that long, and every resident's submission would wait."""
    from portal.accounts import services
    from portal.extensions import db

    staff_user("alice", "viewer")
    during = []
    hasher = services._hasher

    class Recording:
        def __getattr__(self, name):
            return getattr(hasher, name)

        def verify(self, hashed, password):
            during.append(db.session().in_transaction())
            return hasher.verify(hashed, password)

    monkeypatch.setattr(services, "_hasher", Recording())
    for password in ("a wrong password here", STAFF_PASSWORD):
        response = submit_form(client, "/staff/login?lang=en",
                               {"username": "alice", "password": password})
        assert response.status_code in (401, 302)
    assert response.status_code == 302  # signed in
    assert during == [False, False]
