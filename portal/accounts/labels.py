"""Translatable names of staff roles."""
from portal.core.i18n import _l

ROLE_LABELS = {"administrator": _l("Administrator"), "moderator": _l("Moderator"),
               "dispatcher": _l("Dispatcher"), "viewer": _l("Viewer")}
