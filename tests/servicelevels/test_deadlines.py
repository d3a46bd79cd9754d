"""Deadlines from the change log, on the tracking page and staff lists; administrators' rules."""
from datetime import timedelta

from portal.core.time import as_utc, utcnow
from portal.extensions import db
from portal.forwarding.routing import is_urgent
from portal.servicelevels.deadlines import consume_changes, deadline_task, recompute_all
from portal.servicelevels.models import Deadline, ServiceLevelRule
from portal.servicelevels.rules import (
    DEFAULTS,
    delete_rule,
    list_rules,
    rule_for,
    rule_table,
    set_rule,
)
from portal.stations.models import Category
from portal.submissions.services import change_status
from tests.forwarding.helpers import drain
from tests.helpers import csrf_token, write_transactions
from tests.servicelevels.helpers import local


def deadline(submission):
    db.session.expire_all()
    return db.session.get(Deadline, submission.id)


def test_clock_starts_at_acceptance_with_the_local_queue(app_ctx, make_submission, move):
    urgent = make_submission(category_code="fire-risk")
    normal = make_submission(category_code="litter")
    consume_changes()
    assert deadline(urgent).started_at is None  # received: no clock yet
    move(urgent, "accepted", local(2026, 9, 30, 16))
    move(normal, "accepted", local(2026, 9, 30, 15))
    row = deadline(urgent)
    assert row.acknowledge_due == local(2026, 10, 8, 10)  # 2 working hours over National Day
    assert row.resolve_due == local(2026, 10, 8, 16)  # 1 working day
    row = deadline(normal)
    assert row.acknowledge_due == local(2026, 10, 8, 15)  # 1 working day
    assert row.resolve_due == local(2026, 10, 13, 15)  # 5 working days, Saturday 10th worked
    move(normal, "in_progress", local(2026, 10, 8, 9, 30))
    assert deadline(normal).acknowledged_at == local(2026, 10, 8, 9, 30)
    move(normal, "resolved", local(2026, 10, 9, 11))
    row = deadline(normal)
    assert row.resolved_at == local(2026, 10, 9, 11) and row.open is False


def test_clock_starts_at_forwarding_with_the_platform(app, make_submission, move):
    app.config["PORTAL_SINK"] = "webhook"
    with app.app_context():
        case = make_submission(category_code="litter")
        move(case, "accepted", local(2026, 11, 6, 10))
        assert deadline(case).started_at is None
        move(case, "forwarded", local(2026, 11, 6, 16))
        assert deadline(case).acknowledge_due == local(2026, 11, 9, 16)  # over the weekend


def test_ideas_get_an_answer_in_fifteen_working_days(app_ctx, make_submission, move):
    idea = make_submission(kind="idea", category_code="child-friendly")
    move(idea, "accepted", local(2026, 11, 2, 9))
    assert deadline(idea).resolve_due == local(2026, 11, 20, 17)  # 3 weeks of weekdays


def test_reading_the_change_log_twice_changes_nothing(app_ctx, make_submission, move):
    case = make_submission(category_code="litter")
    move(case, "accepted", local(2026, 11, 6, 16))
    before = deadline(case).resolve_due
    assert consume_changes() == 0  # the window behind the position is already applied
    assert deadline(case).resolve_due == before


def test_due_date_on_the_tracking_page_and_staff_lists(app, client, login, make_submission,
                                                       accept):
    with app.app_context():
        late = accept(make_submission(title="late case", category_code="noise"))
        soon = accept(make_submission(title="soon case", category_code="fire-risk"))
        drain()
        deadline_task()
        now = utcnow()
        late_row, soon_row = deadline(late), db.session.get(Deadline, soon.id)
        late_row.resolve_due = now - timedelta(hours=1)
        soon_row.resolve_due = now + timedelta(hours=3)
        db.session.commit()
        late_code = late.code
    for lang, due, overdue in (("en", "Due", "Overdue"), ("zh", "办结期限", "已超期")):
        page = client.get(f"/track/{late_code}?lang={lang}").get_data(as_text=True)
        assert due in page and overdue in page
    login("dispatcher")
    for url in ("/staff/incidents", "/staff/queue?status=forwarded"):
        page = client.get(url + ("&" if "?" in url else "?") + "lang=en").get_data(as_text=True)
        assert "Overdue" in page and "Due within a day" in page, url
        page = client.get(url + ("&" if "?" in url else "?") + "lang=zh").get_data(as_text=True)
        assert "已超期" in page and "一天内到期" in page, url


def test_administrator_sets_a_deadline_through_the_form(app, client, login, make_submission,
                                                        move):
    login("administrator", username="ada")
    page = client.get("/staff/service-levels?lang=en").get_data(as_text=True)
    assert "Service levels" in page and "shipped default" in page
    response = client.post("/staff/service-levels/rules", data={
        "csrf_token": csrf_token(page), "kind": "issue", "category": "litter",
        "urgency": "normal", "acknowledge_hours": "4", "resolve_days": "2"})
    assert response.status_code == 303
    with app.app_context():
        case = make_submission(category_code="litter")
        move(case, "accepted", local(2026, 11, 6, 16))
        assert deadline(case).resolve_due == local(2026, 11, 10, 16)  # 2 days, weekend skipped
    page = client.get("/staff/service-levels?lang=zh").get_data(as_text=True)
    assert "服务时限" in page
    bad = client.post("/staff/service-levels/rules", data={
        "csrf_token": csrf_token(page), "kind": "issue", "category": "litter",
        "urgency": "normal", "acknowledge_hours": "0", "resolve_days": "900"})
    assert bad.status_code == 422
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(
            ServiceLevelRule)).scalar() == 1


def test_other_staff_read_but_cannot_change_rules(client, login):
    login("viewer")
    page = client.get("/staff/service-levels?lang=en")
    assert page.status_code == 200
    response = client.post("/staff/service-levels/rules", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "kind": "issue",
        "category": "", "urgency": "urgent", "acknowledge_hours": "1", "resolve_days": "1"})
    assert response.status_code == 403


def stored_rule(kind, category):
    """The override lookup straight from the table, case by case (what rule_table() replaces)."""
    urgent = is_urgent(category)
    rows = db.session.execute(db.select(ServiceLevelRule).where(
        ServiceLevelRule.kind == kind,
        db.or_(ServiceLevelRule.category_id == category.id,
               db.and_(ServiceLevelRule.category_id.is_(None),
                       ServiceLevelRule.urgent == urgent)))).scalars().all()
    rows.sort(key=lambda row: row.category_id is None)
    return (rows[0].acknowledge_hours, rows[0].resolve_days) if rows else DEFAULTS[(kind, urgent)]


def test_the_round_s_rule_table_answers_as_the_stored_rules_for_every_change(app_ctx):
    categories = db.session.execute(db.select(Category)).scalars().all()
    urgent = next(c for c in categories if is_urgent(c) and c.parent_id is not None)

    def check():
        table = rule_table()
        for kind in ("issue", "idea"):
            for category in categories:
                assert rule_for(kind, category, table) == stored_rule(kind, category)
                assert rule_for(kind, category) == stored_rule(kind, category)

    check()  # shipped defaults only
    set_rule(kind="issue", category_code="", urgent=True, acknowledge_hours=1,
             resolve_days=0.5, actor="ada")
    set_rule(kind="issue", category_code="", urgent=False, acknowledge_hours=6,
             resolve_days=4, actor="ada")
    check()  # urgency overrides
    set_rule(kind="issue", category_code="litter", urgent=None, acknowledge_hours=4,
             resolve_days=2, actor="ada")
    set_rule(kind="idea", category_code=urgent.code, urgent=None, acknowledge_hours=3,
             resolve_days=9, actor="ada")
    check()  # category overrides, ahead of the urgency ones
    set_rule(kind="issue", category_code="litter", urgent=None, acknowledge_hours=5,
             resolve_days=3, actor="ada")
    check()  # an override changed
    for row in list_rules()[:2]:
        delete_rule(row.id, actor="ada")
    check()  # overrides removed


def test_a_rule_changed_between_rounds_applies_to_cases_started_in_the_next(app_ctx,
                                                                           make_submission,
                                                                           move):
    first = make_submission(category_code="litter")
    move(first, "accepted", local(2026, 11, 6, 16))
    assert deadline(first).resolve_due == local(2026, 11, 13, 16)  # the default 5 days
    set_rule(kind="issue", category_code="litter", urgent=None, acknowledge_hours=4,
             resolve_days=2, actor="ada")
    db.session.commit()
    second = make_submission(category_code="litter")
    move(second, "accepted", local(2026, 11, 6, 16))
    assert deadline(second).resolve_due == local(2026, 11, 10, 16)
    assert deadline(first).resolve_due == local(2026, 11, 13, 16)  # kept since its start
    delete_rule(list_rules()[0].id, actor="ada")
    db.session.commit()
    third = make_submission(category_code="litter")
    move(third, "accepted", local(2026, 11, 6, 16))
    assert deadline(third).resolve_due == local(2026, 11, 13, 16)


def test_one_round_over_many_cases_equals_one_round_per_case(app_ctx, make_submission):
    started = {"fire-risk": local(2026, 9, 30, 16), "litter": local(2026, 9, 30, 15),
               "noise": local(2026, 11, 6, 16)}
    cases = [make_submission(category_code=code) for code in started]
    idea = make_submission(kind="idea", category_code="child-friendly")
    waiting = make_submission(category_code="litter")  # never accepted: no clock
    moments = [*zip(cases, started.values(), strict=True), (idea, local(2026, 11, 2, 9))]
    for case, moment in moments:
        change_status(case, "accepted", actor="user:dora")
        case.events[-1].created_at = as_utc(moment)
    change_status(cases[1], "in_progress", actor="user:dora")
    cases[1].events[-1].created_at = as_utc(local(2026, 10, 8, 9, 30))
    db.session.commit()
    assert consume_changes() == 5  # every case in one round
    db.session.commit()
    together = {case.id: deadline(case) for case in [*cases, idea, waiting]}
    columns = [column.key for column in Deadline.__table__.columns if column.key != "updated_at"]
    batched = {id_: {key: getattr(row, key) for key in columns} for id_, row in together.items()}
    db.session.execute(db.delete(Deadline))
    for case in [*cases, idea, waiting]:  # again, one case per round
        recompute_all({case.id: batched[case.id]["last_change_id"]})
    db.session.commit()
    for id_, values in batched.items():
        row = db.session.get(Deadline, id_)
        assert {key: getattr(row, key) for key in columns} == values
    assert batched[cases[0].id]["resolve_due"] == local(2026, 10, 8, 16)
    assert batched[cases[1].id]["acknowledged_at"] == local(2026, 10, 8, 9, 30)
    assert batched[idea.id]["resolve_due"] == local(2026, 11, 20, 17)
    assert batched[waiting.id]["started_at"] is None and not batched[waiting.id]["open"]


def test_clocks_are_computed_before_the_write_lock_is_taken(app_ctx, make_submission):
    """Residents' submissions wait for SQLite's write lock: a round reads the cases and their
    timelines first, and holds the lock only to store the rows and its position."""
    cases = [make_submission(category_code=code) for code in ("litter", "noise")]
    for case in cases:
        change_status(case, "accepted", actor="user:dora")
    db.session.commit()
    with write_transactions(db.engine) as locked:
        assert consume_changes() == 2
        db.session.commit()
    assert all(deadline(case).open for case in cases)
    statements = [s for transaction in locked for s in transaction]
    assert len(locked) == 1 and any(s.startswith("INSERT INTO deadline ") for s in statements)
    assert not [s for s in statements if "FROM submission" in s or "FROM status_event" in s]
    with write_transactions(db.engine) as locked:
        assert consume_changes() == 0  # nothing new: no write lock at all
    assert locked == []


def test_a_round_whose_position_moved_meanwhile_stores_nothing(app_ctx, make_submission,
                                                               monkeypatch):
    """Two workers on one database: the one that finds the position moved since it read
    leaves the storing to the other; its next round reads on from the new position."""
    from portal.core.positions import locked_position
    from portal.servicelevels import deadlines
    from portal.servicelevels.models import ServiceLevelPosition

    locked_position(ServiceLevelPosition, deadlines.POSITION_NAME)  # stored, at 0
    db.session.commit()
    case = make_submission(category_code="litter")
    change_status(case, "accepted", actor="user:dora")
    db.session.commit()
    computed = deadlines.compute_rows

    def meanwhile(newest):
        with db.engine.connect() as other:  # the other worker stores its round
            other.execute(db.update(ServiceLevelPosition).values(
                last_id=ServiceLevelPosition.last_id + 1))
            other.commit()
        monkeypatch.setattr(deadlines, "compute_rows", computed)
        return computed(newest)

    monkeypatch.setattr(deadlines, "compute_rows", meanwhile)
    assert consume_changes() == 0
    db.session.commit()
    assert deadline(case) is None
    assert consume_changes() == 1  # within the window behind the moved position
    db.session.commit()
    assert deadline(case).open
