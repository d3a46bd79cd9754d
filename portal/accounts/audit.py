"""The audit log's writer, kept apart so every accounts module (and every feature) can use it."""
from portal.accounts.models import AuditEntry
from portal.extensions import db


def record_audit(actor: str, action: str, *, target_type: str = "", target_id="",
                 before=None, after=None, note: str = "") -> AuditEntry:
    """Append one entry to the audit log (who, what, before and after)."""
    entry = AuditEntry(actor=actor or "system", action=action, target_type=target_type,
                       target_id=str(target_id or ""), before=before, after=after, note=note)
    db.session.add(entry)  # written at the next flush (a query's or the commit's)
    return entry
