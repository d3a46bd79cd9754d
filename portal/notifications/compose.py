"""Messages rendered from templates in the recipient's language, with absolute links.

The worker has no request, so rendering happens in a request context made for the public base
address (PORTAL_BASE_URL, else http://localhost:8000): `url_for(..., _external=True)` then
gives the links a resident can follow.
"""
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app, has_request_context, request, url_for
from flask_babel import force_locale

from portal.core.i18n import LOCALES
from portal.extensions import db
from portal.notifications import labels
from portal.notifications.alerts import filter_label
from portal.notifications.tokens import make_token
from portal.submissions.models import Submission

SMS_SEGMENTS = 3
PUBLIC = "portal.public_context"  # marks the request contexts public_context makes


@dataclass
class Message:
    """One composed message: what every transport needs."""
    key: str
    channel: str
    address: str
    subject: str
    text: str
    html: str
    unsubscribe_url: str


def base_url() -> str:
    """The public address links in messages start with."""
    return (current_app.config.get("PORTAL_BASE_URL") or "http://localhost:8000").rstrip("/")


@contextmanager
def public_context(language: str):
    """A request context at the public address, in `language` (zh, zh_Hant or en). Inside one
    it made already (a batch being composed) only the language changes: making a request
    context costs more than rendering a message."""
    language = language if language in LOCALES else "zh"
    if has_request_context() and request.environ.get(PUBLIC):
        with force_locale(language):
            yield
        return
    with current_app.test_request_context("/", base_url=base_url(),
                                          environ_overrides={PUBLIC: True}), \
            force_locale(language):
        yield


def links(notification) -> dict:
    """The unsubscribe and manage links of a message (inside public_context)."""
    subscription, subscriber = notification.subscription, notification.subscriber
    return {
        "unsubscribe_url": url_for("notifications.unsubscribe", _external=True,
                                   token=make_token("unsubscribe", subscription.id,
                                                    subscription.token_nonce)),
        "manage_url": url_for("notifications.manage", _external=True,
                              token=make_token("manage", subscriber.id, subscriber.token_nonce)),
    }


def _case_url(context) -> str:
    if context.get("own"):
        return url_for("submissions.track", code=context["code"], _external=True)
    return url_for("submissions.published_detail", submission_id=context["submission_id"],
                   _external=True)


def _subject(notification) -> str:
    context = notification.context
    if notification.kind == "confirm":
        return str(labels.CONFIRM_SUBJECT)
    if notification.kind == "confirm_alert":
        return str(labels.CONFIRM_ALERT_SUBJECT) % {"filter": filter_label(context["filter"])}
    if notification.kind == "digest":
        return str(labels.DIGEST_SUBJECTS[context["frequency"]]) % {
            "count": len(context.get("items", []))}
    if notification.kind in labels.ALERT_SUBJECTS:
        return str(labels.ALERT_SUBJECTS[notification.kind]) % {
            "filter": filter_label(context.get("group", "")), "title": context.get("title", "")}
    if notification.kind == "manage":
        return str(labels.MANAGE_SUBJECT)
    if context.get("own"):
        return str(labels.SUBJECTS[notification.kind]) % {"code": context["display_code"]}
    return str(labels.FOLLOW_SUBJECTS[notification.kind]) % {"title": context.get("title", "")}


def _render(name: str, values: dict) -> str:
    """One template of a message, with `values` already holding the context processors'."""
    return current_app.jinja_env.get_template(name).render(values)


def compose(notification) -> Message:
    """The message for one notification row, in its language."""
    context = dict(notification.context)
    with public_context(notification.language):
        values = dict(context=context, kind=notification.kind, language=notification.language,
                      **links(notification))
        if "submission_id" in context:
            values["case_url"] = _case_url(context)
            if context.get("merged_id"):
                values["merged_url"] = url_for("submissions.published_detail", _external=True,
                                               submission_id=context["merged_id"])
        if notification.kind == "digest":
            values["groups"] = digest_groups(context.get("items", []))
        if notification.subscription.kind == "alert":
            values["alert_label"] = filter_label(notification.subscription.filter_key)
        if "confirm_token" in context:
            values["confirm_url"] = url_for("notifications.confirm", _external=True,
                                            token=context["confirm_token"])
        values["subject"] = subject = _subject(notification)
        # The context processors run once for the message's templates, not once for each.
        current_app.update_template_context(values)
        # Rendered once as plain text; the HTML template escapes it like any other value.
        values["body"] = (_render("notifications/_body.txt", values)
                          if notification.kind in labels.MESSAGE_KINDS else "")
        if notification.channel == "sms":
            text = fit_sms(_render("notifications/sms.txt", values))
            html = ""
        else:
            text = _render("notifications/mail/message.txt", values)
            html = _render("notifications/mail/message.html", values)
    return Message(key=notification.idempotency_key, channel=notification.channel,
                   address=notification.subscriber.address, subject=subject, text=text,
                   html=html, unsubscribe_url=values["unsubscribe_url"])


def digest_groups(items) -> list:
    """[(what the alert watches, [items with their links])], in the order first met; items
    whose case is no longer published are left out."""
    ids = {item.get("submission_id") for item in items}
    published = set(db.session.execute(db.select(Submission.id).where(
        Submission.id.in_([i for i in ids if isinstance(i, int)]),
        Submission.published.is_(True))).scalars())
    groups = {}
    for item in items:
        if item.get("submission_id") not in published:
            continue
        url = url_for("submissions.published_detail", submission_id=item["submission_id"],
                      _external=True)
        groups.setdefault(item.get("group", ""), []).append(dict(item, url=url))
    return [(filter_label(key), entries) for key, entries in groups.items()]


def sms_limit(text: str) -> int:
    """Characters that fit in SMS_SEGMENTS segments: UCS-2 for any non-ASCII text (70 alone,
    67 per part), GSM 7-bit otherwise (160 alone, 153 per part)."""
    if all(ord(ch) < 128 for ch in text):
        return 153 * SMS_SEGMENTS
    return 67 * SMS_SEGMENTS


def fit_sms(text: str) -> str:
    """One line of text cut to at most three segments (the code and link come first)."""
    text = " ".join(text.split())
    limit = sms_limit(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"
