"""Translatable names of kinds, statuses and channels, shown to residents and staff."""
from portal.core.i18n import _l

KIND_LABELS = {"issue": _l("Issue"), "idea": _l("Idea")}
STATUS_LABELS = {
    "received": _l("Received"),
    "held": _l("Under review"),
    "accepted": _l("Accepted"),
    "forwarded": _l("Forwarded to the operations center"),
    "in_progress": _l("In progress"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
    "rejected": _l("Not taken up"),
}
# What a resident is told each status means.
STATUS_EXPLANATIONS = {
    "received": _l("We have your submission and will review it shortly."),
    "held": _l("A member of staff is checking your submission before it goes further."),
    "accepted": _l("Your submission was accepted and will be passed to the responsible team."),
    "forwarded": _l("The city operations center has your submission in its queue."),
    "in_progress": _l("The responsible team is working on it."),
    "resolved": _l("The responsible team reports that it has been dealt with."),
    "closed": _l("This case is closed."),
    "rejected": _l("This submission was not taken up. The note below explains why."),
}
CHANNEL_LABELS = {"web": _l("Website"), "kiosk": _l("Station kiosk"), "api": _l("Partner app"),
                  "open311": _l("Open311 client")}
