"""`flask portal backup PATH` and `flask portal purge-personal-data [--older-than DAYS]`."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.core.unit_of_work import unit_of_work
from portal.operations.services import BackupError, backup_database, purge_expired_personal_data


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path):
    """Back up the database to PATH (SQLite online backup, or pg_dump on PostgreSQL)."""
    try:
        method = backup_database(path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"backup written to {path} ({method}, {path.stat().st_size} bytes)")


@click.command("purge-personal-data")
@with_appcontext
@click.option("--older-than", "days", type=click.IntRange(min=0), default=None, metavar="DAYS",
              help="Retention in days after closing or rejection (default PORTAL_RETENTION_DAYS).")
def purge_personal_data_command(days):
    """Delete residents' contact details of submissions closed or rejected long enough ago."""
    if days is None:
        days = current_app.config["PORTAL_RETENTION_DAYS"]
    with unit_of_work():
        count = purge_expired_personal_data(days)
    click.echo(f"contact details deleted for {count} submission(s) closed or rejected more "
               f"than {days} days ago")
