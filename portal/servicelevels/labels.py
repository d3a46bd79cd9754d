"""Translated labels of this feature (resolved at render time)."""
from portal.core.i18n import _l

SATISFACTION_LABELS = {"satisfied": _l("Satisfied"), "basic": _l("Basically satisfied"),
                       "dissatisfied": _l("Dissatisfied")}
FIXED_LABELS = {"yes": _l("Yes, it is fixed"), "no": _l("No, it is not fixed")}
LEVEL_LABELS = {0: _l("Reminder"), 1: _l("Escalated to the team"),
                2: _l("Escalated to the supervisor"), 3: _l("Escalated to the administrators")}
KIND_RULE_LABELS = {"issue": _l("Issues"), "idea": _l("Ideas")}
URGENCY_LABELS = {"urgent": _l("Urgent (public safety)"), "normal": _l("Not urgent")}
