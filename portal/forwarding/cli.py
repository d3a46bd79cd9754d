"""`flask portal accept CODE` (an operator's shortcut; moderators use the review page)."""
import click
from flask.cli import with_appcontext

from portal.core.unit_of_work import unit_of_work
from portal.forwarding.services import accept_submission
from portal.submissions.services import TransitionNotAllowed, find_by_code


@click.command("accept")
@with_appcontext
@click.argument("code")
@click.option("--note", default="", help="Internal note for the timeline.")
def accept_command(code, note):
    """Accept a submission so the relay forwards it to the operations platform."""
    with unit_of_work():
        submission = find_by_code(code)
        if submission is None:
            raise click.ClickException(f"No submission with tracking code {code}.")
        display_code = submission.display_code
        try:
            accept_submission(submission, actor="cli", note=note)
        except TransitionNotAllowed:
            raise click.ClickException(
                f"{display_code} is {submission.status} and cannot be accepted.") from None
    click.echo(f"{display_code}: accepted")
