"""Deadline rules: shipped defaults and administrators' overrides (per category and urgency)."""
from portal.accounts.services import record_audit
from portal.extensions import db
from portal.forwarding.routing import is_urgent
from portal.servicelevels.models import ServiceLevelRule
from portal.stations.services import find_category

# (kind, urgent) -> (acknowledge within N working hours, resolve within N working days).
# One working day is one working day's hours (8 by default), so "1 working day" to acknowledge
# is 8 working hours. Ideas have no urgency: they get an answer within 15 working days.
DEFAULTS = {("issue", True): (2.0, 1.0), ("issue", False): (8.0, 5.0),
            ("idea", True): (8.0, 15.0), ("idea", False): (8.0, 15.0)}
MAX_ACKNOWLEDGE_HOURS = 400.0
MAX_RESOLVE_DAYS = 365.0


class RuleInvalid(ValueError):
    """An override that cannot be stored; nothing was changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def rule_table() -> dict:
    """Every override, {(kind, category id): rule} and {(kind, None, urgent): rule}, in one query
    (the worker reads it once per round)."""
    table = {}
    rows = db.session.execute(db.select(
        ServiceLevelRule.kind, ServiceLevelRule.category_id, ServiceLevelRule.urgent,
        ServiceLevelRule.acknowledge_hours, ServiceLevelRule.resolve_days)
        .order_by(ServiceLevelRule.id)).all()
    for kind, category_id, urgent, hours, days in rows:
        key = (kind, category_id) if category_id is not None else (kind, None, urgent)
        table.setdefault(key, (hours, days))
    return table


def rule_for(kind: str, category, table=None) -> tuple:
    """(acknowledge working hours, resolve working days) for a case of this kind and category,
    from `table` (rule_table()) or the overrides stored now."""
    table = rule_table() if table is None else table
    urgent = is_urgent(category)
    return (table.get((kind, category.id)) or table.get((kind, None, urgent))
            or DEFAULTS[(kind, urgent)])


def list_rules() -> list:
    """Every override, for the staff page."""
    return db.session.execute(db.select(ServiceLevelRule).order_by(
        ServiceLevelRule.kind, ServiceLevelRule.category_id, ServiceLevelRule.urgent)
    ).scalars().all()


def set_rule(*, kind: str, category_code: str, urgent, acknowledge_hours: float,
             resolve_days: float, actor: str) -> ServiceLevelRule:
    """Store an override for a category, or for every category of one urgency (audited)."""
    from portal.core.i18n import _

    if kind not in ("issue", "idea"):
        raise RuleInvalid(_("Choose issues or ideas."))
    if not 0 < acknowledge_hours <= MAX_ACKNOWLEDGE_HOURS:
        raise RuleInvalid(_("The time to acknowledge must be more than 0 and at most "
                            "%(hours)s working hours.", hours=int(MAX_ACKNOWLEDGE_HOURS)))
    if not 0 < resolve_days <= MAX_RESOLVE_DAYS:
        raise RuleInvalid(_("The time to resolve must be more than 0 and at most "
                            "%(days)s working days.", days=int(MAX_RESOLVE_DAYS)))
    category = None
    if category_code:
        category = find_category(category_code)
        if category is None:
            raise RuleInvalid(_("Unknown category."))
        urgent = None
    elif urgent is None:
        raise RuleInvalid(_("Choose a category or an urgency."))
    row = db.session.execute(db.select(ServiceLevelRule).filter_by(
        kind=kind, category_id=category.id if category else None,
        urgent=urgent)).scalar_one_or_none()
    if row is None:
        row = ServiceLevelRule(kind=kind, category=category, urgent=urgent)
        db.session.add(row)
    row.acknowledge_hours, row.resolve_days, row.updated_by = (
        acknowledge_hours, resolve_days, actor)
    db.session.flush()
    record_audit(actor, "service_level_rule", target_type="service_level_rule",
                 target_id=f"{kind}:{category_code or ('urgent' if urgent else 'normal')}",
                 after={"acknowledge_hours": acknowledge_hours, "resolve_days": resolve_days})
    return row


def delete_rule(rule_id: int, *, actor: str) -> None:
    """Remove an override: the shipped default applies again (audited)."""
    row = db.session.get(ServiceLevelRule, rule_id)
    if row is not None:
        db.session.delete(row)
        db.session.flush()
        record_audit(actor, "service_level_rule_deleted", target_type="service_level_rule",
                     target_id=rule_id)
