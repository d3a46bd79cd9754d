"""Staff users. Residents have no accounts."""
from flask_login import UserMixin
from sqlalchemy import event

from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db

# Highest first. An administrator may do everything a lower role may.
ROLES = ("administrator", "moderator", "dispatcher", "viewer")


class User(UserMixin, db.Model):
    """A member of staff: moderator, dispatcher, viewer or administrator."""

    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(80), nullable=False, unique=True)
    password_hash = db.Column(db.String(255), nullable=False)
    role = db.Column(db.String(20), nullable=False)
    active = db.Column(db.Boolean, nullable=False, default=True)
    # Bumped on logout-everywhere, password change and disabling: older sessions stop working.
    session_version = db.Column(db.Integer, nullable=False, default=1)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    last_login_at = db.Column(UTCDateTime, nullable=True)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles) -> bool:
        """True for an administrator, or when the user's role is one of `roles`."""
        return self.role == "administrator" or self.role in roles


class LoginAttempt(db.Model):
    """One sign-in attempt: the throttle counts failures per account, address and device."""

    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(80), nullable=False, index=True)
    ip = db.Column(db.String(64), nullable=False, index=True)
    # The browser's known-device id, when it presented a valid known-device cookie.
    device = db.Column(db.String(32), nullable=True, index=True)
    success = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)


class ApiToken(db.Model):
    """A bearer token acting as one staff user on the staff endpoints of the JSON API.

    Only a SHA-256 hash of the secret is stored: it is a 256-bit random value, so a fast hash
    is enough, and a leaked table reveals no usable secret.
    """

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"), nullable=False,
                        index=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    prefix = db.Column(db.String(12), nullable=False)  # shown to staff to tell tokens apart
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = db.Column(UTCDateTime, nullable=False)
    last_used_at = db.Column(UTCDateTime, nullable=True)
    revoked_at = db.Column(UTCDateTime, nullable=True)
    # Why it was revoked: owner, administrator, sign-out-everywhere, password, role, disabled.
    revoked_reason = db.Column(db.String(30), nullable=True)

    user = db.relationship("User")


class AuditEntry(db.Model):
    """The append-only audit log of staff actions: who, what, when, before and after.

    Rows are only ever inserted: the mapper refuses updates and deletes (see below), and the
    migration adds database triggers that do the same for anything that bypasses the ORM.
    """

    id = db.Column(db.Integer, primary_key=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    actor = db.Column(db.String(80), nullable=False)  # a username, or "system"
    action = db.Column(db.String(40), nullable=False, index=True)
    target_type = db.Column(db.String(30), nullable=False, default="")
    target_id = db.Column(db.String(40), nullable=False, default="")
    before = db.Column(db.JSON, nullable=True)
    after = db.Column(db.JSON, nullable=True)
    note = db.Column(db.Text, nullable=False, default="")


def _refuse_change(_mapper, _connection, _target):
    raise RuntimeError("the audit log is append-only")


event.listen(AuditEntry, "before_update", _refuse_change)
event.listen(AuditEntry, "before_delete", _refuse_change)

# The same rule in the database, for anything that bypasses the ORM (used by migration 0004 too).
AUDIT_TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry "
        "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
    ],
}


@event.listens_for(AuditEntry.__table__, "after_create")
def _create_audit_triggers(_table, connection, **_kw):
    for statement in AUDIT_TRIGGERS.get(connection.dialect.name, []):
        connection.exec_driver_sql(statement)
