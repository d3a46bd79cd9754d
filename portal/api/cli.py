"""`flask portal create-token USERNAME` and `flask portal create-api-key NAME`."""
import click
from flask.cli import with_appcontext

from portal.api.services import issue_api_key, issue_staff_token
from portal.extensions import db


@click.command("create-token")
@with_appcontext
@click.argument("username")
def create_token_command(username):
    """Print a new staff API bearer token for USERNAME (shown once; only its hash is kept)."""
    issued = issue_staff_token(username)
    if issued is None:
        raise click.ClickException(f"No active staff user named {username}.")
    db.session.commit()
    click.echo(issued[1])


@click.command("create-api-key")
@with_appcontext
@click.argument("name")
def create_api_key_command(name):
    """Print a new API key for a client system called NAME (shown once)."""
    try:
        _key, secret = issue_api_key(name, created_by="cli")
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(secret)
