"""Translated labels of this feature (resolved at render time)."""
from portal.core.i18n import _l

DIMENSION_LABELS = {"area": _l("By area"), "category": _l("By category"),
                    "team": _l("By team"), "month": _l("By month received")}
METRIC_LABELS = {
    "received": _l("Received"),
    "acknowledged_on_time_pct": _l("Acknowledged on time"),
    "resolved_on_time_pct": _l("Resolved on time"),
    "satisfaction_pct": _l("Satisfaction"),
    "reopened_pct": _l("Reopened"),
    "median_working_days_to_resolve": _l("Median working days to resolve"),
    "open_backlog": _l("Open backlog"),
}
PERCENT_METRICS = ("acknowledged_on_time_pct", "resolved_on_time_pct", "satisfaction_pct",
                   "reopened_pct")
HOTSPOT_STATUS_LABELS = {"open": _l("Open"), "dismissed": _l("Dismissed"),
                         "linked": _l("Handled as one incident")}
CASE_LIST_LABELS = {"all": _l("All cases"), "open": _l("Open backlog"),
                    "overdue": _l("Overdue"), "reopened": _l("Reopened"),
                    "late": _l("Resolved late")}
