"""`flask portal kiosk-enroll SLUG`: a one-time enrolment link for a station's kiosk."""
import click
from flask import current_app, url_for
from flask.cli import with_appcontext

from portal.core.i18n import LOCALES
from portal.core.unit_of_work import unit_of_work
from portal.kiosk.models import PAPER_WIDTHS
from portal.kiosk.services import KioskError, enrol_kiosk


@click.command("kiosk-enroll")
@with_appcontext
@click.argument("slug")
@click.option("--label", default="", help="Which screen this is, e.g. 'entrance'.")
@click.option("--language", type=click.Choice(LOCALES), default="zh", show_default=True,
              help="The language the kiosk returns to after each visit.")
@click.option("--paper", type=click.Choice([str(w) for w in PAPER_WIDTHS]), default="80",
              show_default=True, help="Receipt printer paper width in mm (0: no printer).")
def kiosk_enroll_command(slug, label, language, paper):
    """Enrol a kiosk for station SLUG and print its one-time enrolment URL."""
    try:
        with unit_of_work():
            kiosk, token = enrol_kiosk(slug, label=label, language=language,
                                       paper_width=int(paper), actor="cli")
            kiosk_name = f"Kiosk #{kiosk.id} for {kiosk.station.slug}"
    except KioskError as exc:
        raise click.ClickException(str(exc)) from None
    base = current_app.config["PORTAL_BASE_URL"] or "http://localhost:8000"
    with current_app.test_request_context(base_url=base):
        url = url_for("kiosk.enrol", token=token, _external=True)
    hours = current_app.config["PORTAL_KIOSK_ENROL_HOURS"]
    click.echo(url)
    click.echo(f"{kiosk_name}: open this link once on the kiosk "
               f"within {hours} h.", err=True)
    if not current_app.config["PORTAL_BASE_URL"]:
        click.echo("PORTAL_BASE_URL is not set: replace http://localhost:8000 with the portal's "
                   "address.", err=True)
