"""Deny by default: staff views declare the roles that may use them."""
from dataclasses import dataclass
from functools import wraps

from flask import abort, current_app
from flask_login import current_user

from portal.extensions import login_manager


def role_required(*roles):
    """Only signed-in users with one of `roles` (administrators always) may use the view.

    Anonymous users are sent to the login page; signed-in users without the role get 403.
    """
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)
        wrapper.required_roles = roles
        return wrapper
    return decorator


@dataclass
class StaffLink:
    endpoint: str
    label: object  # a lazy string
    roles: tuple


def register_staff_link(app, endpoint: str, label, *roles) -> None:
    """Add a link to the staff navigation, shown to users with one of `roles`."""
    app.extensions.setdefault("portal_staff_links", []).append(StaffLink(endpoint, label, roles))


def visible_staff_links() -> list:
    """The staff navigation links the signed-in user may follow."""
    if not current_user.is_authenticated:
        return []
    return [link for link in current_app.extensions.get("portal_staff_links", [])
            if current_user.has_role(*link.roles)]
