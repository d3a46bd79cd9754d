"""The audit page, the dashboard and the CSV export."""
import csv
import io
from datetime import timedelta

import pytest

from portal.accounts.models import AuditEntry
from portal.core.time import utcnow
from portal.extensions import db
from portal.submissions.models import Submission
from tests.moderation.helpers import post_from


@pytest.mark.parametrize("lang,heading", [("zh", "审计日志"), ("en", "Audit log")])
def test_audit_page_lists_decisions_for_administrators(app, make_record, moderator, login,
                                                        lang, heading):
    submission = make_record()
    url = f"/staff/submissions/{submission.id}"
    post_from(moderator, url, url + "/decide", {"action": "accept", "note": "looks fine"})
    admin = login("administrator", browser=app.test_client())
    html = admin.get(f"/staff/audit?lang={lang}").get_data(as_text=True)
    assert heading in html and "submission.accept" in html and submission.code in html
    assert "&#34;status&#34;: &#34;received&#34;" in html or '"status": "received"' in html
    filtered = admin.get("/staff/audit?action=user.").get_data(as_text=True)
    assert "submission.accept" not in filtered


@pytest.mark.parametrize("lang,heading", [("zh", "近 90 天每日诉求数"),
                                          ("en", "Submissions per day, last 90 days")])
def test_dashboard_counts_chart_and_medians(app, make_record, login, lang, heading):
    first, _second = make_record(), make_record(kind="idea", title="建议", body="建议增加长椅。")
    with app.app_context():
        from portal.submissions.services import change_status
        row = db.session.get(Submission, first.id)
        row.created_at = utcnow() - timedelta(hours=10)
        change_status(row, "accepted", actor="test")
        db.session.commit()
    viewer = login("viewer", browser=app.test_client())
    response = viewer.get(f"/staff/dashboard?lang={lang}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and heading in html
    assert html.count('<rect class="bar"') == 90
    assert "<svg" in html and "<script" not in html
    assert ("10 小时" if lang == "zh" else "10 hours") in html  # median time to acceptance
    assert response.headers["Cache-Control"] == "no-store"


def read_csv(response):
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode("utf-8"))
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_export_has_bom_filters_and_contact_for_moderators(app, make_record, moderator):
    make_record(contact={"name": "王阿姨", "phone": "13900001111", "consent": False})
    make_record(kind="idea", title="=HYPERLINK(\"x\")", body="建议增加长椅。")
    response = moderator.get("/staff/export.csv?kind=issue")
    assert response.mimetype == "text/csv"
    rows = read_csv(response)
    assert len(rows) == 1 and rows[0]["contact_phone"] == "13900001111"
    assert rows[0]["title"] == "路灯不亮"
    ideas = read_csv(moderator.get("/staff/export.csv?kind=idea"))
    assert ideas[0]["title"].startswith("'=")  # no formula reaches the spreadsheet
    with app.app_context():
        entries = db.session.execute(db.select(AuditEntry).filter_by(
            action="submissions.export")).scalars().all()
        assert len(entries) == 2 and entries[0].after["rows"] == 1
        assert entries[0].after["contact"] is True and entries[0].actor == "mod"


def test_export_hides_contacts_from_viewers_and_unconsented_from_dispatchers(
        app, make_record, login):
    make_record(contact={"name": "王阿姨", "phone": "13900001111", "consent": False})
    make_record(title="井盖", body="控江路井盖松动了。",
                contact={"name": "李先生", "phone": "13900002222", "consent": True})
    viewer_rows = read_csv(login("viewer", browser=app.test_client()).get("/staff/export.csv"))
    assert "contact_phone" not in viewer_rows[0]
    dispatcher = login("dispatcher", browser=app.test_client())
    dispatcher_rows = read_csv(dispatcher.get("/staff/export.csv"))
    phones = {row["contact_phone"] for row in dispatcher_rows}
    assert phones == {"", "13900002222"}
