"""Staff users. Residents have no accounts."""
from flask_login import UserMixin

from portal.extensions import db
from portal.submissions.models import utcnow

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
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    last_login_at = db.Column(db.DateTime(timezone=True), nullable=True)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles) -> bool:
        """True for an administrator, or when the user's role is one of `roles`."""
        return self.role == "administrator" or self.role in roles
