"""Where messages go: an SMTP server, the SMS gateway, or files under <data dir>/outbox/.

Each `send(message)` returns an Outcome and never raises for a failure of the far side:
`sent`, `retry` (try again later) or `dead` (never will work; `disable` when the address
itself was refused for good).
"""
import json
import os
import smtplib
import ssl
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from email import policy
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from portal.core.time import utcnow
from portal.forwarding.payload import sign


@dataclass
class Outcome:
    kind: str  # sent | retry | dead
    error: str = ""
    disable: bool = False  # the address was refused for good (SMTP 5xx for the recipient)
    refused: bool = False  # the gateway refused the number (repeated refusals disable it)


# Composed with the standard library's MIME classes and their compat32 policy: the default
# policy's EmailMessage parses and refolds every header, which cost more than rendering the
# message. Lines end in CRLF, as SMTP sends them; headers are not folded (a title is far below
# SMTP's 998-character line, and the List-Unsubscribe URL stays one <...> value).
WIRE = policy.compat32.clone(linesep="\r\n", max_line_length=None)


def _domain(mail_from: str) -> str:
    return mail_from.rpartition("@")[2].strip(">") or "localhost"


def build_email(message, mail_from: str) -> bytes:
    """The MIME message as sent: text and HTML alternatives, Message-ID from the row's key,
    the headers of an automatic message and RFC 8058 one-click unsubscribe."""
    body = MIMEText(message.text, "plain", "utf-8")
    if message.html:
        mail = MIMEMultipart("alternative")
        mail.attach(body)
        mail.attach(MIMEText(message.html, "html", "utf-8"))
    else:
        mail = body
    # A line break in a title must never start a header of its own.
    subject = message.subject.replace("\r", " ").replace("\n", " ")
    mail["Subject"] = Header(subject, "utf-8") if not subject.isascii() else subject
    mail["From"] = formataddr(parseaddr(mail_from), charset="utf-8")
    mail["To"] = message.address
    mail["Date"] = format_datetime(utcnow())
    mail["Message-ID"] = f"<{message.key}@{_domain(mail_from)}>"
    mail["Auto-Submitted"] = "auto-generated"
    if message.unsubscribe_url:
        mail["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return mail.as_bytes(policy=WIRE)


class SmtpTransport:
    """E-mail over SMTP: `smtp://` with STARTTLS (`?starttls=no` for a relay on the same host),
    `smtps://` with implicit TLS; a user and password in the URL log in."""

    name = "smtp"

    def __init__(self, url: str, mail_from: str, timeout: float = 10):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("PORTAL_SMTP_URL must start with smtp:// or smtps://")
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.user = unquote(parts.username or "")
        self.password = unquote(parts.password or "")
        self.starttls = (not self.implicit_tls and
                         parse_qs(parts.query).get("starttls", ["yes"])[0] != "no")
        self.mail_from = mail_from
        self.timeout = timeout
        self._context = None
        self._server = None
        self._batching = False

    def _tls(self) -> ssl.SSLContext:
        """One TLS context per transport: loading the CA certificates costs tens of
        milliseconds, more than a whole exchange with a nearby server."""
        if self._context is None:
            self._context = ssl.create_default_context()
        return self._context

    def _connect(self):
        if self.implicit_tls:
            server = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                      context=self._tls())
        else:
            server = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                server.starttls(context=self._tls())
        if self.user:
            server.login(self.user, self.password)
        return server

    @contextmanager
    def batch(self):
        """Keep one connection open for the messages sent inside (one round's batch); each
        message still gets its own reply from the server before the next is sent."""
        self._batching = True
        try:
            yield self
        finally:
            self._batching = False
            self._close()

    def _open(self):
        """(the open connection, whether it was kept from an earlier message)."""
        if self._server is not None:
            return self._server, True
        self._server = self._connect()
        return self._server, False

    def _close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            try:
                server.quit()
            except (smtplib.SMTPException, OSError):
                server.close()

    def send(self, message) -> Outcome:
        """Send one e-mail; a 5xx for the recipient is permanent, anything else is retried."""
        data = build_email(message, self.mail_from)
        sender = parseaddr(self.mail_from)[1]
        # An address beyond ASCII needs the server's SMTPUTF8 (refused otherwise: retried).
        options = () if (sender + message.address).isascii() else ("SMTPUTF8", "BODY=8BITMIME")
        try:
            server, kept = self._open()
            try:
                server.sendmail(sender, [message.address], data, options)
            except smtplib.SMTPServerDisconnected:
                if not kept:
                    raise
                # The server closed a kept connection meanwhile: once more on a new one.
                self._server = None
                server, _ = self._open()
                server.sendmail(sender, [message.address], data, options)
        except smtplib.SMTPRecipientsRefused as exc:
            self._close()
            code, reply = next(iter(exc.recipients.values()))
            return _smtp_outcome(code, reply, address_refused=True)
        except smtplib.SMTPResponseException as exc:
            self._close()
            return _smtp_outcome(exc.smtp_code, exc.smtp_error,
                                 address_refused=not isinstance(exc, smtplib.SMTPSenderRefused))
        except (smtplib.SMTPException, OSError) as exc:
            self._close()
            return Outcome("retry", f"SMTP: {type(exc).__name__}: {exc}")
        finally:
            if not self._batching:
                self._close()
        return Outcome("sent")


def _smtp_outcome(code, reply, *, address_refused) -> Outcome:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    if 500 <= int(code) < 600:
        return Outcome("dead", f"SMTP {code} {text}", disable=address_refused)
    return Outcome("retry", f"SMTP {code} {text}")


class GatewayTransport:
    """SMS through the gateway: a signed JSON POST (DESIGN §8) with the idempotency key."""

    name = "sms-gateway"

    def __init__(self, url: str, secret: str, timeout: float = 10):
        import requests  # only where the gateway is configured: web workers never load it

        self.url, self.secret, self.timeout = url, secret, timeout
        self.session = requests.Session()
        self.request_error = requests.RequestException

    def batch(self):
        """Nothing to hold per batch: the HTTP session keeps its connections between rounds."""
        return nullcontext(self)

    def send(self, message) -> Outcome:
        """POST one text; 2xx sent, 429 and 5xx retried, other 4xx a refusal."""
        body = json.dumps({"to": message.address, "text": message.text,
                           "idempotency_key": message.key},
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json", "Idempotency-Key": message.key,
                   **sign(self.secret, body)}
        try:
            response = self.session.post(self.url, data=body, headers=headers,
                                         timeout=self.timeout)
        except self.request_error as exc:
            return Outcome("retry", f"gateway: {type(exc).__name__}")
        if 200 <= response.status_code < 300:
            return Outcome("sent")
        error = f"gateway HTTP {response.status_code}: {response.text[:200]}"
        if response.status_code == 429 or response.status_code >= 500:
            return Outcome("retry", error)
        return Outcome("dead", error, refused=True)


class OutboxTransport:
    """The embedded default: each message a file under <data dir>/outbox/ (.eml or .json).

    The file is named by the key, so sending again replaces it instead of adding a second.
    """

    name = "outbox"

    def __init__(self, directory, mail_from: str):
        self.directory = Path(directory)
        self.mail_from = mail_from

    def batch(self):
        """Nothing to hold per batch: each message is one file."""
        return nullcontext(self)

    def send(self, message) -> Outcome:
        """Write the message atomically (a temporary file renamed into place)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if message.channel == "email":
            data, suffix = build_email(message, self.mail_from), ".eml"
        else:
            data = json.dumps({"to": message.address, "text": message.text,
                               "idempotency_key": message.key}, ensure_ascii=False,
                              indent=2).encode("utf-8")
            suffix = ".json"
        target = self.directory / f"{message.key}{suffix}"
        temporary = target.with_suffix(suffix + ".tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)
        return Outcome("sent")


def make_transports(config) -> dict:
    """The transport for each channel from the configuration (the outbox where unset)."""
    outbox = OutboxTransport(Path(config["PORTAL_DATA_DIR"]) / "outbox",
                             config["PORTAL_MAIL_FROM"])
    timeout = float(config.get("PORTAL_NOTIFY_TIMEOUT", 10))
    email = (SmtpTransport(config["PORTAL_SMTP_URL"], config["PORTAL_MAIL_FROM"], timeout)
             if config.get("PORTAL_SMTP_URL") else outbox)
    sms = (GatewayTransport(config["PORTAL_SMS_URL"], config.get("PORTAL_SMS_SECRET", ""),
                            timeout) if config.get("PORTAL_SMS_URL") else outbox)
    return {"email": email, "sms": sms}
