"""The audit log's writer, kept apart so every accounts module (and every feature) can use it."""
from portal.accounts.models import AuditEntry
from portal.core.rows import execute_write
from portal.extensions import db


def record_audit(actor: str, action: str, *, target_type: str = "", target_id="",
                 before=None, after=None, note: str = "") -> None:
    """Append one entry to the audit log (who, what, before and after)."""
    # One INSERT, at once, in the caller's transaction: the entry is never read back there, and
    # the ORM's flush would cost several times the statement.
    execute_write(db.session, AUDIT_ROWS, {
        "actor": actor or "system", "action": action, "target_type": target_type,
        "target_id": str(target_id or ""), "before": before, "after": after, "note": note})


AUDIT_ROWS = AuditEntry.__table__.insert()
