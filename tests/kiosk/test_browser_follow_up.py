"""The follow-up (回访) at a kiosk in a real browser: from the start screen, typing the code,
answering; accessible (axe-core) in both languages, no console or CSP problems."""
import pytest

from portal.extensions import db
from portal.submissions.models import Submission
from portal.submissions.services import change_status, create_submission
from tests.kiosk.test_browser import Device, assert_accessible


def resolved_case(app) -> str:
    with app.app_context():
        case = create_submission(kind="issue", category_code="street-lighting",
                                 area_code="riverside", title="路灯不亮",
                                 body="杨树浦路 100 号门口的路灯坏了一周。").submission
        change_status(case, "accepted", actor="user:moderator")
        change_status(case, "resolved", actor="platform")
        db.session.commit()
        return case.display_code


@pytest.mark.parametrize("lang, link, done", [
    ("zh", "问题解决了吗？请回答回访", "谢谢。案件已重新办理"),
    ("en", "Was your problem fixed? Answer the follow-up", "The case was reopened")])
def test_a_resident_answers_the_follow_up_at_the_kiosk(live, lang, link, done):
    code = resolved_case(live.app)
    device = Device(live)
    page = device.page
    page.goto(f"/kiosk?lang={lang}")
    page.wait_for_selector("body.k-ready")
    page.click(f"text={link}")
    page.wait_for_selector("#k-follow-code")
    assert_accessible(page, f"follow-up code ({lang})")
    page.fill("#k-follow-code", code.lower())
    page.click("button[type=submit]")
    page.wait_for_selector("input[name=fixed]")
    assert_accessible(page, f"follow-up question ({lang})")
    page.check("input[name=fixed][value=no]")
    page.check("input[name=satisfaction][value=dissatisfied]")
    page.fill("textarea[name=comment]", "还是不亮")
    page.click("button[type=submit]")
    page.wait_for_selector("#h-follow-up-done")
    assert done in page.inner_text("main")
    assert_accessible(page, f"follow-up done ({lang})")
    with live.app.app_context():
        status = db.session.execute(db.select(Submission.status).filter_by(
            code=code.replace("-", ""))).scalar_one()
        assert status == "in_progress"
    device.close()
