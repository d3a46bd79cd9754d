"""Translatable names of outcomes, comment states, progress stages and sort orders."""
from portal.core.i18n import _l

OUTCOME_LABELS = {
    "adopted": _l("Adopted"),
    "partly_adopted": _l("Partly adopted"),
    "for_reference": _l("Kept for reference"),
    "not_adopted": _l("Not adopted"),
}
COMMENT_STATUS_LABELS = {
    "pending": _l("Waiting for review"),
    "held": _l("Held (suspected spam or abuse)"),
    "published": _l("Shown"),
    "reported": _l("Hidden pending review (reported)"),
    "hidden": _l("Hidden by a moderator"),
}
REPORT_REASON_LABELS = {
    "abusive": _l("Abusive or offensive"),
    "spam": _l("Spam or advertising"),
    "off_topic": _l("Off topic"),
    "personal_data": _l("Shows personal data"),
    "other": _l("Something else"),
}
PROGRESS_LABELS = {"planned": _l("Planned"), "in_progress": _l("In progress"),
                   "done": _l("Done")}
SORT_LABELS = {
    "supported": _l("Most supported"),
    "newest": _l("Newest"),
    "discussed": _l("Most discussed"),
    "answered": _l("Recently answered"),
}
