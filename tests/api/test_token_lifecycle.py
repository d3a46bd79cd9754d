"""Staff API tokens: a lifetime, a clear 401 when expired or revoked, the last use recorded."""
from datetime import UTC, datetime, timedelta

import pytest

from portal.accounts.models import ApiToken, AuditEntry
from portal.accounts.services import create_user
from portal.accounts.tokens import issue_staff_token
from portal.extensions import db
from tests.helpers import STAFF_PASSWORD

STAFF_LIST = "/api/v1/staff/submissions"


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def _row(app):
    with app.app_context():
        row = db.session.query(ApiToken).one()
        db.session.expunge(row)
        return row


def _aware(value):
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@pytest.fixture
def moderator(app):
    with app.app_context():
        create_user("li", "moderator", STAFF_PASSWORD)
        db.session.commit()


def _create_token(app, *args):
    result = app.test_cli_runner().invoke(args=["portal", "create-token", "li", *args])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


@pytest.mark.parametrize("args,days", [((), 90), (("--days", "7"), 7)])
def test_a_token_lives_90_days_unless_told_otherwise(app, moderator, args, days):
    _create_token(app, *args)
    row = _row(app)
    assert _aware(row.expires_at) - _aware(row.created_at) == timedelta(days=days)


def test_the_default_lifetime_is_a_setting(app, moderator):
    app.config["PORTAL_API_TOKEN_DAYS"] = 30
    _create_token(app)
    row = _row(app)
    assert _aware(row.expires_at) - _aware(row.created_at) == timedelta(days=30)


@pytest.mark.parametrize("days", ["0", "-3", "100000", "ten"])
def test_create_token_refuses_a_lifetime_out_of_range(app, moderator, days):
    result = app.test_cli_runner().invoke(args=["portal", "create-token", "li", "--days", days])
    assert result.exit_code != 0 and "--days" in result.output
    with app.app_context():
        assert db.session.query(ApiToken).count() == 0


@pytest.mark.parametrize("lang,message", [("en", "This staff token expired on"),
                                          ("zh", "此工作人员令牌已于")])
def test_an_expired_token_gets_401_saying_so(app, client, moderator, monkeypatch, lang, message):
    token = _create_token(app, "--days", "1")
    assert client.get(STAFF_LIST, headers=_auth(token)).status_code == 200
    later = datetime.now(UTC) + timedelta(days=1, minutes=1)
    monkeypatch.setattr("portal.accounts.tokens.utcnow", lambda: later)
    response = client.get(f"{STAFF_LIST}?lang={lang}", headers=_auth(token))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    error = response.get_json()["error"]
    assert error["code"] == "token_expired" and error["message"].startswith(message)


def test_the_last_use_is_recorded_at_most_once_a_minute(app, client, moderator, monkeypatch):
    token = _create_token(app)
    assert _row(app).last_used_at is None
    now = datetime.now(UTC)
    monkeypatch.setattr("portal.accounts.tokens.utcnow", lambda: now)
    assert client.get(STAFF_LIST, headers=_auth(token)).status_code == 200
    first = _aware(_row(app).last_used_at)
    assert abs(first - now) < timedelta(seconds=1)
    # A busy client: more calls within the minute write nothing.
    monkeypatch.setattr("portal.accounts.tokens.utcnow", lambda: now + timedelta(seconds=59))
    for _ in range(3):
        assert client.get(STAFF_LIST, headers=_auth(token)).status_code == 200
    assert _aware(_row(app).last_used_at) == first
    monkeypatch.setattr("portal.accounts.tokens.utcnow", lambda: now + timedelta(seconds=61))
    assert client.get(STAFF_LIST, headers=_auth(token)).status_code == 200
    assert _aware(_row(app).last_used_at) - first == timedelta(seconds=61)


def test_a_write_call_records_its_use_and_still_succeeds(app, client, moderator,
                                                         make_submission):
    token = _create_token(app)
    with app.app_context():
        code = make_submission().code
    response = client.post(f"/api/v1/staff/submissions/{code}/decision", json={"action": "hold"},
                           headers=_auth(token))
    assert response.status_code == 200 and response.get_json()["status"] == "held"
    assert _row(app).last_used_at is not None


def test_a_revoked_token_gets_401_saying_so_and_the_revocation_is_audited(app, client):
    with app.app_context():
        user = create_user("wu", "moderator", STAFF_PASSWORD)
        _token, secret = issue_staff_token("wu")
        from portal.accounts.services import set_password
        set_password(user, "a-new-river-pass-9", actor=user)
        db.session.commit()
    response = client.get(f"{STAFF_LIST}?lang=en", headers=_auth(secret))
    assert response.status_code == 401
    error = response.get_json()["error"]
    assert error["code"] == "token_revoked"
    assert error["message"].startswith("This staff token was revoked on")
    with app.app_context():
        entry = db.session.execute(
            db.select(AuditEntry).filter_by(action="token.revoke")).scalar_one()
        assert entry.after["reason"] == "password" and entry.after["user"] == "wu"
