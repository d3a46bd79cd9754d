"""`flask portal accept CODE` (until the moderation pages land, the operators' way to accept)."""
import click
from flask.cli import with_appcontext

from portal.extensions import db
from portal.forwarding.services import accept_submission
from portal.submissions.services import TransitionNotAllowed, find_by_code


@click.command("accept")
@with_appcontext
@click.argument("code")
@click.option("--note", default="", help="Internal note for the timeline.")
def accept_command(code, note):
    """Accept a submission so the relay forwards it to the operations platform."""
    submission = find_by_code(code)
    if submission is None:
        raise click.ClickException(f"No submission with tracking code {code}.")
    try:
        accept_submission(submission, actor="cli", note=note)
    except TransitionNotAllowed:
        raise click.ClickException(
            f"{submission.display_code} is {submission.status} and cannot be accepted.") from None
    db.session.commit()
    click.echo(f"{submission.display_code}: accepted")
