"""`flask portal create-token USERNAME [--days N]` and `flask portal create-api-key NAME`."""
import click
from flask.cli import with_appcontext

from portal.accounts.tokens import MAX_TOKEN_DAYS, issue_staff_token
from portal.api.services import issue_api_key
from portal.extensions import db


@click.command("create-token")
@with_appcontext
@click.argument("username")
@click.option("--days", type=click.IntRange(1, MAX_TOKEN_DAYS), default=None,
              help="Days until the token expires (default: PORTAL_API_TOKEN_DAYS, 90).")
def create_token_command(username, days):
    """Print a new staff API bearer token for USERNAME (shown once; only its hash is kept)."""
    issued = issue_staff_token(username, days=days)
    if issued is None:
        raise click.ClickException(f"No active staff user named {username}.")
    db.session.commit()
    click.echo(issued[1])
    click.echo(f"Expires {issued[0].expires_at:%Y-%m-%d %H:%M} UTC.", err=True)


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
