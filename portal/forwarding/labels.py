"""Translatable names of incident states and delivery states (teams: stations.labels)."""
from portal.core.i18n import _l

INCIDENT_STATE_LABELS = {
    "open": _l("New"),
    "in_progress": _l("In progress"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
    "returned": _l("Returned for re-routing"),
}
# What a dispatcher may report, in the order offered.
DISPATCH_STATUS_LABELS = {
    "in_progress": _l("In progress"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
    "returned": _l("Returned (not ours: route it again)"),
}
DELIVERY_STATE_LABELS = {
    "pending": _l("Waiting to be sent"),
    "sent": _l("Sent"),
    "dead": _l("Failed (needs attention)"),
    "cancelled": _l("Cancelled"),
}
INCIDENT_VIEWS = {
    "active": _l("Open cases"),
    "unclaimed": _l("Not claimed"),
    "mine": _l("Claimed by me"),
    "all": _l("All, including closed"),
}
