"""Staff endpoints: bearer tokens, roles, the list and the decisions."""
import pytest

from portal.accounts.models import ApiToken, User
from portal.extensions import db
from portal.submissions.models import StatusEvent
from portal.submissions.services import change_status, find_by_code
from tests.helpers import STAFF_PASSWORD


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def _decide(client, code, token, lang="en", **body):
    return client.post(f"/api/v1/staff/submissions/{code}/decision?lang={lang}", json=body,
                       headers=_auth(token))


@pytest.mark.parametrize("lang,message", [
    ("en", "A valid staff token is needed: send it as “Authorization: Bearer <token>”."),
    ("zh", "需要有效的工作人员令牌：请以“Authorization: Bearer <token>”发送。")])
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer pt_forged"},
                                     {"Authorization": "Basic bW9kOnB3"}])
def test_staff_endpoints_need_a_valid_token(client, lang, message, headers):
    response = client.get(f"/api/v1/staff/submissions?lang={lang}", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["error"]["message"] == message


def test_staff_list_filters_by_status(client, app, make_submission, staff_token):
    token = staff_token("viewer")
    with app.app_context():
        make_submission()
        spam = make_submission(title="Cheap pills", body="Buy cheap pills online now.",
                               commit=False)
        if spam.status != "held":  # the screening may already have held it
            change_status(spam, "held", actor="system", public=False)
        db.session.commit()
    everything = client.get("/api/v1/staff/submissions", headers=_auth(token)).get_json()
    assert everything["total"] == 2
    held = client.get("/api/v1/staff/submissions?status=held", headers=_auth(token)).get_json()
    assert [r["title"] for r in held["results"]] == ["Cheap pills"]
    assert "contact" not in held["results"][0]


@pytest.mark.parametrize("lang,message", [("en", "Your role does not allow this."),
                                          ("zh", "您的角色无权执行此操作。")])
def test_decisions_need_the_moderator_role(client, app, make_submission, staff_token, lang,
                                           message):
    token = staff_token("viewer")
    with app.app_context():
        code = make_submission().code
    response = _decide(client, code, token, lang=lang, action="accept")
    assert response.status_code == 403 and response.get_json()["error"]["message"] == message
    with app.app_context():
        assert find_by_code(code).status == "received"


def test_accept_hold_and_reject_change_the_status_with_a_timeline(client, app, make_submission,
                                                                  staff_token):
    token = staff_token("moderator", username="wang")
    with app.app_context():
        code = make_submission(language="zh").code
        original = make_submission(language="zh", title="路灯不亮（先报）")
        original_code, original_display = original.code, original.display_code
    assert _decide(client, code, token, action="hold", note="check").get_json()["status"] == "held"
    assert _decide(client, code, token, action="accept").get_json()["status"] == "accepted"
    missing = _decide(client, code, token, action="reject", reason="duplicate")
    assert missing.status_code == 422 and "duplicate_of" in missing.get_json()["error"]["fields"]
    response = _decide(client, code, token, action="reject", reason="duplicate",
                       duplicate_of=original_display.lower(), note="same lamp")
    assert response.status_code == 200 and response.get_json()["status"] == "rejected"
    with app.app_context():
        events = find_by_code(code).events
        assert [e.to_status for e in events] == ["received", "held", "accepted", "rejected"]
        assert events[-1].actor == "user:wang" and original_display in events[-1].public_note
        assert events[1].is_public is False
        assert find_by_code(original_code).support_count == 1
        from portal.accounts.models import AuditEntry
        assert db.session.query(AuditEntry).filter_by(actor="wang").count() == 3
    public = client.get(f"/api/v1/submissions/{code}?lang=zh").get_json()
    assert original_display in public["timeline"][-1]["note"]


@pytest.mark.parametrize("lang,reason_message", [
    ("en", "Choose a reason: spam, abusive, out_of_scope or duplicate."),
    ("zh", "请选择原因：spam、abusive、out_of_scope 或 duplicate。")])
def test_reject_needs_a_reason(client, app, make_submission, staff_token, lang, reason_message):
    token = staff_token()
    with app.app_context():
        code = make_submission().code
    response = _decide(client, code, token, lang=lang, action="reject")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["reason"] == reason_message


def test_a_transition_the_lifecycle_forbids_is_409(client, app, make_submission, staff_token):
    token = staff_token()
    with app.app_context():
        code = make_submission().code
    assert _decide(client, code, token, action="accept").status_code == 200
    response = _decide(client, code, token, action="accept")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"


def test_publish_needs_public_text_then_shows_in_search(client, app, make_submission,
                                                        staff_token, index_now):
    token = staff_token()
    with app.app_context():
        code = make_submission(title="Lamp", body="Lamp by 13800000000 is dark").code
    refused = _decide(client, code, token, action="publish")
    assert refused.status_code == 409  # accept before publishing, as on the staff pages
    assert _decide(client, code, token, action="accept").status_code == 200
    half = _decide(client, code, token, action="publish", public_title="Lamp dark")
    assert half.status_code == 422 and "public_title" in half.get_json()["error"]["fields"]
    published = _decide(client, code, token, action="publish", public_title="Lamp dark",
                        public_body="The lamp by the gate (call 13800000000) is dark.")
    assert published.status_code == 200 and published.get_json()["published"] is True
    index_now()
    results = client.get("/api/v1/search?q=gate").get_json()
    assert results["total"] == 1 and "13800000000" not in str(results)  # masked
    assert _decide(client, code, token, action="unpublish").get_json()["published"] is False
    index_now()
    assert client.get("/api/v1/search?q=gate").get_json()["total"] == 0


def test_unknown_action_and_unknown_code(client, app, make_submission, staff_token):
    token = staff_token()
    with app.app_context():
        code = make_submission().code
    assert _decide(client, code, token, action="delete").status_code == 422
    assert _decide(client, "ZZZZZZZZZZ", token, action="accept").status_code == 404
    with app.app_context():
        assert db.session.query(StatusEvent).count() == 1


def test_create_token_command_prints_a_token_whose_hash_alone_is_stored(app, client):
    from portal.accounts.services import create_user
    with app.app_context():
        create_user("li", "moderator", STAFF_PASSWORD)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["portal", "create-token", "li"])
    token = result.stdout.strip()
    assert result.exit_code == 0 and token.startswith("pt_")
    with app.app_context():
        row = db.session.query(ApiToken).one()
        assert token not in (row.token_hash, row.prefix) and len(row.token_hash) == 64
    assert client.get("/api/v1/staff/submissions", headers=_auth(token)).status_code == 200
    with app.app_context():  # a disabled user's tokens stop working
        db.session.query(User).filter_by(username="li").one().active = False
        db.session.commit()
    assert client.get("/api/v1/staff/submissions", headers=_auth(token)).status_code == 401
    missing = app.test_cli_runner().invoke(args=["portal", "create-token", "nobody"])
    assert missing.exit_code != 0 and "No active staff user" in missing.output
