"""`flask portal send-test-mail ADDRESS`: checks the e-mail settings end to end."""
import uuid

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.notifications.addresses import AddressInvalid, normalize_email
from portal.notifications.compose import Message, public_context
from portal.notifications.transports import make_transports


@click.command("send-test-mail")
@click.argument("address")
@with_appcontext
def send_test_mail_command(address):
    """Send one test e-mail through the configured transport (or the outbox folder)."""
    from flask import render_template

    from portal.notifications import labels

    try:
        address = normalize_email(address)
    except AddressInvalid:
        raise click.BadParameter("not a valid e-mail address", param_hint="ADDRESS") from None
    transport = make_transports(current_app.config)["email"]
    with public_context("zh"):
        subject = str(labels.TEST_SUBJECT)
        values = {"kind": "test", "context": {}, "subject": subject, "language": "zh",
                  "unsubscribe_url": "", "manage_url": "", "body": ""}
        text = render_template("notifications/mail/message.txt", **values)
        html = render_template("notifications/mail/message.html", **values)
    message = Message(key=f"test-{uuid.uuid4().hex}", channel="email", address=address,
                      subject=subject, text=text, html=html, unsubscribe_url="")
    outcome = transport.send(message)
    if outcome.kind != "sent":
        raise click.ClickException(f"not sent ({transport.name}): {outcome.error}")
    click.echo(f"sent through {transport.name}")
