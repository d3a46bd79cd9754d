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
    "hidden": _l("Hidden by a moderator"),
}
PROGRESS_LABELS = {"planned": _l("Planned"), "in_progress": _l("In progress"),
                   "done": _l("Done")}
SORT_LABELS = {
    "supported": _l("Most supported"),
    "newest": _l("Newest"),
    "discussed": _l("Most discussed"),
    "answered": _l("Recently answered"),
}
