"""Translatable subjects and names of message kinds, states and frequencies."""
from portal.core.i18n import _l

# One line per message kind: the e-mail subject and the SMS text's headline.
SUBJECTS = {
    "accepted": _l("Your report %(code)s has been accepted"),
    "rejected": _l("Your report %(code)s was not taken up"),
    "merged": _l("Your report %(code)s was merged into another case"),
    "forwarded": _l("Your report %(code)s was passed to a team"),
    "in_progress": _l("Work on your report %(code)s has started"),
    "reply": _l("Your report %(code)s has an official reply"),
    "resolved": _l("Your report %(code)s is resolved"),
    "closed": _l("Your report %(code)s is closed"),
    "deadline_extended": _l("More time to resolve your report %(code)s"),
}
FOLLOW_SUBJECTS = {
    "accepted": _l("A case you follow was accepted: %(title)s"),
    "rejected": _l("A case you follow was not taken up: %(title)s"),
    "merged": _l("A case you follow was merged into another: %(title)s"),
    "forwarded": _l("A case you follow was passed to a team: %(title)s"),
    "in_progress": _l("Work has started on a case you follow: %(title)s"),
    "reply": _l("A case you follow has an official reply: %(title)s"),
    "resolved": _l("A case you follow is resolved: %(title)s"),
    "closed": _l("A case you follow is closed: %(title)s"),
}
MESSAGE_KINDS = tuple(SUBJECTS)
CONFIRM_SUBJECT = _l("Please confirm: follow a case on the residents' portal")
MANAGE_SUBJECT = _l("Your notifications on the residents' portal")
TEST_SUBJECT = _l("Test message from the residents' portal")
STATE_LABELS = {
    "pending": _l("Waiting to be sent"),
    "sent": _l("Sent"),
    "dead": _l("Failed (needs attention)"),
    "cancelled": _l("Cancelled"),
    "held": _l("Waiting for the next digest"),
    "digested": _l("Sent in a digest"),
}
SUBSCRIPTION_LABELS = {
    "own": _l("Your own report"),
    "follow": _l("A case you follow"),
    "alert": _l("Alert"),
}
ALERT_SUBJECTS = {
    "alert_new": _l("New on the portal (%(filter)s): %(title)s"),
    "alert_reply": _l("Official reply (%(filter)s): %(title)s"),
}
CONFIRM_ALERT_SUBJECT = _l("Please confirm: alerts for %(filter)s on the residents' portal")
DIGEST_SUBJECTS = {
    "daily": _l("Your daily alerts from the residents' portal: %(count)s new"),
    "weekly": _l("Your weekly alerts from the residents' portal: %(count)s new"),
}
FREQUENCY_LABELS = {
    "realtime": _l("At once, one e-mail each"),
    "daily": _l("Daily digest"),
    "weekly": _l("Weekly digest"),
}
ALERT_FIELD_LABELS = {
    "area": _l("Area"),
    "category": _l("Category"),
    "station": _l("Station"),
}
