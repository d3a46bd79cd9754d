"""`flask portal seed`."""
import click
from flask.cli import with_appcontext

from portal.core.unit_of_work import unit_of_work
from portal.stations.services import load_reference_file, seed_reference_data


@click.command("seed")
@with_appcontext
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Reference data file (default: the one shipped in portal/stations/).")
def seed_command(path):
    """Load areas, stations and categories (idempotent: run it as often as you like)."""
    data = load_reference_file(path) if path else load_reference_file()
    with unit_of_work():
        created = seed_reference_data(data)
    click.echo("Reference data loaded: " + ", ".join(f"{n} new {k}" for k, n in created.items()))
