"""`flask portal create-user NAME --role ROLE [--password-stdin]`."""
import sys

import click
from flask.cli import with_appcontext

from portal.accounts.models import ROLES
from portal.accounts.services import AccountError, create_user
from portal.core.unit_of_work import unit_of_work


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(username, role, password_stdin):
    """Create a staff user (the password is prompted for unless --password-stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with unit_of_work():
            user = create_user(username, role, password)
            created = f"Created {user.role} {user.username}."
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(created)
