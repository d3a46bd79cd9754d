"""Session limits, ending sessions, user management and the audit log (throttling:
test_throttling)."""
import pytest

from portal.accounts.models import AuditEntry, User
from portal.extensions import db
from tests.helpers import STAFF_PASSWORD, csrf_token, submit_form


def sign_in(browser, username, password=STAFF_PASSWORD, lang=None, ip="10.0.0.1"):
    browser.environ_base["REMOTE_ADDR"] = ip
    return submit_form(browser, "/staff/login", {"username": username, "password": password},
                       lang=lang)


def test_login_starts_a_new_session(app, staff_user):
    staff_user("erin", "viewer")
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["planted"] = "by someone else"
    assert sign_in(browser, "erin").status_code == 302
    with browser.session_transaction() as session:
        assert "planted" not in session


@pytest.mark.parametrize("key,age", [("seen_at", 31 * 60), ("login_at", 8 * 3600 + 60)])
@pytest.mark.parametrize("lang,message", [("zh", "会话已结束"), ("en", "Your session has ended")])
def test_idle_and_absolute_timeouts(app, login, key, age, lang, message):
    browser = login("viewer", browser=app.test_client())
    assert browser.get("/staff/").status_code == 200
    with browser.session_transaction() as session:
        session[key] -= age
    response = browser.get("/staff/")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    page = browser.get(f"/staff/login?lang={lang}").get_data(as_text=True)
    assert message in page


def test_activity_keeps_the_session_alive(app, login):
    browser = login("viewer", browser=app.test_client())
    with browser.session_transaction() as session:
        session["seen_at"] -= 29 * 60
    assert browser.get("/staff/").status_code == 200
    with browser.session_transaction() as session:
        session["seen_at"] -= 29 * 60
    assert browser.get("/staff/").status_code == 200


def user_id(app, username):
    with app.app_context():
        return db.session.execute(db.select(User.id).filter_by(username=username)).scalar_one()


def post_page_form(browser, page_url, action_url, data):
    token = csrf_token(browser.get(page_url).get_data(as_text=True))
    return browser.post(action_url, data={"csrf_token": token, **data})


@pytest.mark.parametrize("lang,saved", [("zh", "已保存"), ("en", "Changes saved")])
def test_disabling_a_user_ends_their_sessions(app, login, lang, saved):
    admin = login("administrator", username="administrator-user", browser=app.test_client())
    moderator = login("moderator", username="mia", browser=app.test_client())
    assert moderator.get("/staff/").status_code == 200
    uid = user_id(app, "mia")
    url = f"/staff/users/{uid}?lang={lang}"
    response = post_page_form(admin, url, url, {"role": "moderator"})  # active unticked
    assert response.status_code == 303
    assert saved in admin.get(response.headers["Location"]).get_data(as_text=True)
    response = moderator.get("/staff/")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert sign_in(app.test_client(), "mia").status_code == 401
    with app.app_context():
        entry = db.session.execute(
            db.select(AuditEntry).filter_by(action="user.update")).scalar_one()
        assert entry.before == {"role": "moderator", "active": True}
        assert entry.after == {"role": "moderator", "active": False}
        assert entry.actor == "administrator-user"


def test_administrator_ends_sessions_and_sets_password(app, login):
    admin = login("administrator", browser=app.test_client())
    viewer = login("viewer", username="vic", browser=app.test_client())
    uid = user_id(app, "vic")
    page = f"/staff/users/{uid}"
    assert post_page_form(admin, page, page + "/end-sessions", {}).status_code == 303
    assert viewer.get("/staff/").status_code == 302
    response = post_page_form(admin, page, page + "/password", {"password": "short"})
    assert response.status_code == 422
    response = post_page_form(admin, page, page + "/password", {"password": "new-harbour-7731"})
    assert response.status_code == 303
    assert sign_in(app.test_client(), "vic", "new-harbour-7731").status_code == 302


@pytest.mark.parametrize("lang,created,weak", [
    ("zh", "已创建用户 nina", "密码至少"), ("en", "User nina created", "at least 10 characters")])
def test_administrator_adds_users_through_the_form(app, login, lang, created, weak):
    admin = login("administrator", browser=app.test_client())
    url = f"/staff/users?lang={lang}"
    response = post_page_form(admin, url, url, {"username": "nina", "role": "moderator",
                                                "password": "short"})
    assert response.status_code == 422 and weak in response.get_data(as_text=True)
    response = post_page_form(admin, url, url, {"username": "nina", "role": "moderator",
                                                "password": "harbour-lights-20"})
    assert response.status_code == 303
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert created in page
    assert sign_in(app.test_client(), "nina", "harbour-lights-20").status_code == 302


def test_administrator_cannot_disable_themselves(app, login):
    admin = login("administrator", username="root", browser=app.test_client())
    url = f"/staff/users/{user_id(app, 'root')}"
    response = post_page_form(admin, url, url, {"role": "administrator"})
    assert response.status_code == 422
    assert admin.get("/staff/").status_code == 200


def test_audit_log_is_append_only(app_ctx):
    from portal.accounts.services import record_audit
    record_audit("someone", "test.action", after={"x": 1})
    db.session.commit()
    entry = db.session.execute(db.select(AuditEntry)).scalar_one()
    assert (entry.actor, entry.action, entry.after) == ("someone", "test.action", {"x": 1})
    entry.note = "rewritten"
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(RuntimeError):
        db.session.delete(entry)
        db.session.flush()


def test_database_refuses_to_change_audit_rows(app):
    from sqlalchemy import text

    from portal.accounts.services import record_audit
    with app.app_context():
        record_audit("someone", "test.action")
        db.session.commit()
        for statement in ("UPDATE audit_entry SET note = 'x'", "DELETE FROM audit_entry"):
            with pytest.raises(Exception, match="append-only"):
                with db.engine.begin() as connection:
                    connection.execute(text(statement))
        assert db.session.query(AuditEntry).count() == 1
