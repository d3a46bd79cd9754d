"""Reply templates: kept by administrators (audited), offered on the reply form, filled in."""
import re

import pytest

from portal.accounts.models import AuditEntry
from portal.extensions import db
from portal.servicelevels.models import ReplyTemplate
from portal.submissions.models import Submission
from tests.helpers import csrf_token, submit_form

TEMPLATES = "/staff/service-levels/templates"
GOOD = {"name": "Lamp repaired", "category": "street-lighting", "status": "",
        "text_zh": "您好，案件 {tracking_code}（{area}）已受理，预计 {due_date} 前处理完毕。",
        "text_en": "Case {tracking_code} in {area} is being handled."}


def add_template(client, lang="en", **values):
    return submit_form(client, TEMPLATES, {**GOOD, **values}, lang=lang)


@pytest.mark.parametrize("lang, saved", [("en", "Template saved."), ("zh", "模板已保存。")])
def test_an_administrator_adds_a_template_and_it_is_audited(app, client, login, lang, saved):
    login("administrator", lang=lang)
    response = add_template(client, lang)
    assert response.status_code == 303
    page = client.get(f"{TEMPLATES}?lang={lang}").get_data(as_text=True)
    assert saved in page and "Lamp repaired" in page
    with app.app_context():
        row = db.session.execute(db.select(ReplyTemplate)).scalar_one()
        assert row.category.code == "street-lighting" and row.status is None
        entry = db.session.execute(db.select(AuditEntry).filter_by(
            action="reply_template.create")).scalar_one()
        assert entry.actor == "user:administrator" and entry.after["name"] == "Lamp repaired"


@pytest.mark.parametrize("lang, message", [
    ("en", "Unknown placeholder {phone}: use only {tracking_code}, {area}, {due_date}."),
    ("zh", "未知的占位符 {phone}")])
def test_a_template_with_an_unknown_placeholder_is_refused(app, client, login, lang, message):
    login("administrator", lang=lang)
    response = add_template(client, lang, text_en="Call {phone} about {tracking_code}")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    response = add_template(client, lang, text_zh="括号 { 不成对")
    assert response.status_code == 422
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(ReplyTemplate)
                                  ).scalar() == 0
        assert not db.session.execute(db.select(AuditEntry).filter(
            AuditEntry.action.like("reply_template%"))).first()


def test_only_administrators_manage_templates(client, login):
    login("moderator", lang="en")
    assert client.get(TEMPLATES).status_code == 403


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_moderator_inserts_a_template_edits_it_and_sends(
        app, client, login, make_submission, lang):
    with app.app_context():
        submission = make_submission()
        code, display, submission_id = submission.code, submission.display_code, submission.id
    admin = login("administrator", lang=lang)
    add_template(admin, lang)
    add_template(admin, lang, name="For rejected cases", status="rejected", text_en="No.")
    moderator = app.test_client()
    login("moderator", lang=lang, browser=moderator)
    url = f"/staff/submissions/{submission_id}?lang={lang}"
    page = moderator.get(url).get_data(as_text=True)
    assert "Lamp repaired" in page and "For rejected cases" not in page  # status received
    template_id = re.search(r'<option value="(\d+)"[^>]*>Lamp repaired', page).group(1)
    filled = moderator.get(f"{url}&template={template_id}").get_data(as_text=True)
    assert f"Case {display} in Riverside" in filled
    assert f"案件 {display}（滨江" in filled
    # The moderator changes the text before sending it.
    response = moderator.post(f"/staff/submissions/{submission_id}/reply?lang={lang}", data={
        "csrf_token": csrf_token(filled), "text": f"案件 {display} 已转交路灯所。",
        "text_en": f"Case {display} went to the lighting office."})
    assert response.status_code in (302, 303)
    track = moderator.get(f"/track/{code}?lang=en").get_data(as_text=True)
    assert f"Case {display} went to the lighting office." in track
    with app.app_context():
        assert db.session.get(Submission, submission_id).events[-1].kind == "reply"
