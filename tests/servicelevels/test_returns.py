"""Return and re-dispatch (退单/改派): by the platform and by a dispatcher, then arbitration."""
import json

import pytest

from portal.extensions import db
from portal.forwarding.models import Delivery
from portal.servicelevels.models import CaseReturn, Dispatch
from portal.submissions.models import StatusEvent, Submission
from tests.forwarding.helpers import drain, event, signed_event
from tests.helpers import csrf_token, submit_form


@pytest.fixture
def on_webhook(app, make_submission, accept, use_webhook):
    """A street-lighting case forwarded to the loopback platform; returns its code."""
    with app.app_context():
        case = accept(make_submission())
        drain()
        assert db.session.get(Submission, case.id).status == "forwarded"
        return case.code


def sent_teams(receiver):
    """The routed team of each document the platform received, in order."""
    bodies = sorted((json.loads(b) for b in receiver.stored.values()),
                    key=lambda body: body["sequence"])
    return [body["routing"]["team"] for body in bodies]


def case(code):
    db.session.expire_all()
    return db.session.execute(db.select(Submission).filter_by(code=code)).scalar_one()


def test_the_platform_returns_a_case_three_times_and_it_lands_in_arbitration(
        app, client, on_webhook, use_webhook, login):
    code = on_webhook
    with app.app_context():
        first = case(code).category.team
    for number in (1, 2, 3):
        response = signed_event(client, event(code, "returned", f"ret-{number}",
                                              reason=f"not ours ({number})",
                                              occurred_at=f"2026-11-26T1{number}:00:00+08:00"))
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == "accepted"
        with app.app_context():
            drain()
    teams = sent_teams(use_webhook)
    assert len(teams) == 3  # the original and two re-dispatches; the third return is held
    assert teams[0] == first and len(set(teams)) == 3
    with app.app_context():
        submission = case(code)
        assert submission.status == "accepted"
        row = db.session.get(Dispatch, submission.id)
        assert row.returns == 3 and row.arbitration
        returns = db.session.execute(db.select(CaseReturn).filter_by(
            submission_id=submission.id).order_by(CaseReturn.id)).scalars().all()
        assert [r.to_team for r in returns] == [teams[1], teams[2], None]
        assert [r.reason for r in returns] == ["not ours (1)", "not ours (2)", "not ours (3)"]
        held = db.session.execute(db.select(Delivery).filter_by(
            submission_id=submission.id, state="cancelled")).scalars().all()
        assert len(held) == 1 and "arbitration" in held[0].last_error
        notes = [e.note for e in submission.events if e.kind == "note"]
        assert any("return 3" in n and "arbitration" in n for n in notes)
    # The staff timeline shows the returns; the tracking page does not.
    login("administrator", lang="en")
    page = client.get(f"/staff/submissions/code/{code}", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "Returned 3 times (limit 2)." in html and "not ours (2)" in html
    assert "not ours" not in client.get(f"/track/{code}?lang=en").get_data(as_text=True)
    # The arbitration list, then an administrator assigns the team: forwarded again, once.
    listing = client.get("/staff/service-levels/arbitration?lang=en").get_data(as_text=True)
    assert code[:5] in listing and "not ours (3)" in listing
    with app.app_context():
        submission_id = case(code).id
    response = client.post(f"/staff/service-levels/arbitration/{submission_id}?lang=en",
                           data={"csrf_token": csrf_token(listing), "team": "operations_center"})
    assert response.status_code == 303
    with app.app_context():
        drain()
        assert case(code).status == "forwarded"
        assert not db.session.get(Dispatch, case(code).id).arbitration
    assert sent_teams(use_webhook)[-1] == "operations_center"
    assert len(use_webhook.stored) == 4
    after = client.get("/staff/service-levels/arbitration?lang=en").get_data(as_text=True)
    assert "No case is waiting for arbitration." in after
    audit = client.get("/staff/audit?lang=en").get_data(as_text=True)
    assert "dispatch.arbitration" in audit


def test_a_return_without_a_reason_takes_the_note_and_a_repeat_changes_nothing(
        app, client, on_webhook):
    code = on_webhook
    body = event(code, "returned", "once", note="wrong district")
    assert signed_event(client, body).get_json()["outcome"] == "applied"
    assert signed_event(client, body).get_json()["outcome"] == "duplicate"
    with app.app_context():
        row = db.session.get(Dispatch, case(code).id)
        assert row.returns == 1
        assert db.session.execute(db.select(CaseReturn.reason)).scalar_one() == "wrong district"


@pytest.mark.parametrize("lang, done", [("en", "Returned. The case goes to"),
                                        ("zh", "已退回")])
def test_a_dispatcher_returns_a_case_to_the_team_they_choose(
        app, client, on_webhook, use_webhook, login, lang, done):
    code = on_webhook
    login("dispatcher", lang=lang)
    detail = client.get(f"/staff/submissions/code/{code}?lang={lang}", follow_redirects=True)
    assert f"/staff/service-levels/return?code={code}" in detail.get_data(as_text=True)
    response = submit_form(client, f"/staff/service-levels/return?code={code}",
                           {"code": code, "reason": "这是物业的事", "team": "property"},
                           lang=lang)
    assert response.status_code == 303
    page = client.get(response.headers["Location"] + f"?lang={lang}").get_data(as_text=True)
    assert done in page
    with app.app_context():
        drain()
        assert case(code).status == "forwarded"
    assert sent_teams(use_webhook)[-1] == "property"


@pytest.mark.parametrize("lang, message", [
    ("en", "Give the reason for the return"), ("zh", "请填写退回的原因")])
def test_a_return_is_refused_without_a_reason_or_for_an_unknown_code(
        app, client, on_webhook, login, lang, message):
    login("dispatcher", lang=lang)
    response = submit_form(client, "/staff/service-levels/return",
                           {"code": on_webhook, "reason": "", "team": ""}, lang=lang)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    response = submit_form(client, "/staff/service-levels/return",
                           {"code": "AAAAAAAAAA", "reason": "x", "team": ""}, lang=lang)
    assert response.status_code == 404
    with app.app_context():
        assert case(on_webhook).status == "forwarded"
        assert db.session.execute(db.select(db.func.count()).select_from(CaseReturn)).scalar() == 0


def test_a_case_not_with_a_team_cannot_be_returned(app, client, make_submission, login):
    with app.app_context():
        code = make_submission().code
    login("dispatcher", lang="en")
    response = submit_form(client, "/staff/service-levels/return",
                           {"code": code, "reason": "wrong", "team": ""}, lang="en")
    assert response.status_code == 409
    assert "Only a case forwarded to a team" in response.get_data(as_text=True)
    with app.app_context():
        assert case(code).status == "received"
        assert not db.session.execute(db.select(StatusEvent).filter_by(
            submission_id=case(code).id, kind="note")).first()


def test_a_viewer_cannot_return_or_arbitrate(app, client, on_webhook, login):
    login("viewer", lang="en")
    assert client.get("/staff/service-levels/return").status_code == 403
    with app.app_context():
        submission_id = case(on_webhook).id
    response = client.post(f"/staff/service-levels/arbitration/{submission_id}",
                           data={"team": "police"})
    assert response.status_code in (400, 403)


@pytest.mark.parametrize("reason, status", [("wrong\x1b[2J district", 400), ("x" * 501, 422),
                                            (["wrong"], 422)])
def test_a_bad_reason_is_refused_and_nothing_changes(app, client, on_webhook, reason, status):
    response = signed_event(client, event(on_webhook, "returned", "bad-reason", reason=reason))
    assert response.status_code == status
    assert "reason" in response.get_json()["error"]["fields"]
    with app.app_context():
        assert case(on_webhook).status == "forwarded"
        assert db.session.get(Dispatch, case(on_webhook).id) is None


def test_the_relay_reads_the_dispatch_of_a_batch_of_cases_in_one_query(
        app, make_submission, accept):
    """Routing and the arbitration hold both read a case's dispatch: one query for the batch."""
    from sqlalchemy import event as sql_event

    from portal.forwarding.relay import consume_changes

    with app.app_context():
        for _ in range(3):
            accept(make_submission())
        statements = []

        def seen(_conn, _cursor, statement, *_args):
            statements.append(statement)

        sql_event.listen(db.engine, "before_cursor_execute", seen)
        try:
            assert consume_changes() == 3
        finally:
            sql_event.remove(db.engine, "before_cursor_execute", seen)
        db.session.commit()
        assert len([s for s in statements if "FROM dispatch" in s]) == 1, statements
        payloads = db.session.execute(db.select(Delivery.payload)).scalars().all()
        assert len(payloads) == 3 and all(p["routing"]["team"] for p in payloads)
