"""View decorators: ``@role_required("editor")`` (admins always pass), ``@staff_required``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from ..extensions import login_manager
from .roles import has_role


def role_required(*roles: str) -> Callable:
    """Anonymous visitors are sent to the sign-in page; signed-in users without the role get 403.

    With no role given, any signed-in staff member passes. Admins pass every check.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not has_role(current_user, *roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = role_required()
