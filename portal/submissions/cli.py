"""`flask portal publish CODE` (an operator's shortcut; moderators use the review page, which
masks too)."""
import click
from flask.cli import with_appcontext

from portal.core.unit_of_work import unit_of_work
from portal.submissions.public_text import PUBLIC_FIELDS, draft, masked
from portal.submissions.services import find_by_code, set_publication


@click.command("publish")
@with_appcontext
@click.argument("code")
@click.option("--unpublish", is_flag=True, help="Withdraw it from public view instead.")
def publish_command(code, unpublish):
    """Publish a submission (its public version, else its text) with personal data masked."""
    with unit_of_work():
        submission = find_by_code(code)
        if submission is None:
            raise click.ClickException(f"No submission with tracking code {code}.")
        display_code = submission.display_code
        text, _findings = masked(draft(submission))
        set_publication(submission, not unpublish, actor="cli",
                        **{f.public: text[f.name] for f in PUBLIC_FIELDS})
    click.echo(f"{display_code}: {'unpublished' if unpublish else 'published'}")
