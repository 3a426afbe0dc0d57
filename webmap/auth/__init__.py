"""Accounts and roles: sign-in/out with server-side sessions and throttling, users, decorators.

Other features protect their views with :func:`role_required` and ask :mod:`.roles`
(``can_edit(user, organization_id)``...) what a user may do.
"""

from __future__ import annotations

from flask import Blueprint, Flask, g, request
from flask.sessions import SecureCookieSessionInterface
from flask.wrappers import Response
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..extensions import db, login_manager
from ..history import set_actor
from .decorators import role_required, staff_required
from .roles import can_edit, can_see_confidential

bp = Blueprint("auth", __name__, url_prefix="/auth")
STATIC_ENDPOINTS = frozenset({"static", "assets.vendor"})

__all__ = ["bp", "can_edit", "can_see_confidential", "init_app", "role_required", "staff_required"]


def _load_user(token: str):
    """Every request: the account of a live server-side session (``.sessions``), or anonymous."""
    from .sessions import user_for_token

    return user_for_token(db.session, token)


def _record_actor() -> None:
    """Changes made during this request are recorded in the history as this user's."""
    if request.endpoint in STATIC_ENDPOINTS:
        return  # files: no account lookup
    if current_user.is_authenticated:
        set_actor(db.session, current_user.id, current_user.name)


def _private_when_signed_in(response: Response) -> Response:
    """Pages and data shown to staff may hold confidential details: never in a shared cache."""
    user = g.get("_login_user")
    if user is not None and user.is_authenticated:
        response.cache_control.private = True
        response.cache_control.no_store = True
        response.vary.add("Cookie")
    return response


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without building the signer for a request that sends no
    session cookie (most public requests: the API, the map): the same empty session as Flask's,
    at a fraction of the cost (itsdangerous' serializer is built per request). With a cookie,
    or without a secret key, Flask's own code runs."""

    def open_session(self, app: Flask, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    app.session_interface = CookieSessions()
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    app.before_request(_record_actor)
    app.after_request(_private_when_signed_in)


from . import routes  # noqa: E402,F401
