"""`flask portal load-boundaries FILE`: area boundaries from a GeoJSON file."""
from pathlib import Path

import click
from flask.cli import with_appcontext

from portal.core.unit_of_work import unit_of_work
from portal.places.geometry import BoundariesInvalid
from portal.places.services import load_boundaries


@click.command("load-boundaries")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_boundaries_command(path):
    """Load area boundaries (GeoJSON, WGS-84, one feature per area code); all or nothing."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException("The file is not UTF-8 text.") from None
    try:
        with unit_of_work():
            codes = load_boundaries(text, actor="cli", source=path.name)
    except BoundariesInvalid as exc:
        raise click.ClickException("\n".join(str(p) for p in exc.problems)) from None
    click.echo(f"Loaded boundaries for {len(codes)} areas: {', '.join(codes)}")
