"""`flask portal publish` (the way to publish until the moderation pages land)."""
from portal.extensions import db
from portal.submissions.models import Submission


def test_publish_and_unpublish_from_the_command_line(app, make_submission, client):
    with app.app_context():
        submission = make_submission(title="Bench broken at the wharf")
        code, submission_id = submission.display_code, submission.id
    runner = app.test_cli_runner()
    result = runner.invoke(args=["portal", "publish", code.lower()])
    assert result.exit_code == 0 and "published" in result.output
    assert "Bench broken at the wharf" in client.get("/submissions?lang=en").get_data(as_text=True)
    result = runner.invoke(args=["portal", "publish", code, "--unpublish"])
    assert result.exit_code == 0
    assert client.get(f"/submissions/{submission_id}").status_code == 404
    with app.app_context():
        assert db.session.get(Submission, submission_id).published is False


def test_publish_unknown_code_fails_clearly(app):
    result = app.test_cli_runner().invoke(args=["portal", "publish", "NOPE"])
    assert result.exit_code != 0 and "No submission with tracking code" in result.output
