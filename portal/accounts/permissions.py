"""Deny by default: staff views declare the roles that may use them."""
from functools import wraps

from flask import abort
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
