"""PostgreSQL ``statement_timeout`` for every request, longer for signed-in staff.

Each transaction a request's session begins starts with ``SET LOCAL statement_timeout``:
``WEBMAP_STATEMENT_TIMEOUT_MS`` (public) or ``WEBMAP_STAFF_STATEMENT_TIMEOUT_MS`` once the
signed-in user is known (the transaction in which the user was loaded is raised to the staff
value before the view runs). The lookup pool (the nearest search) has the public value in its
connection options (``webmap.extensions``). Commands (``webmap import``, ``seed``...) run outside
requests and keep the server's setting.

A statement cancelled by the timeout answers ``503`` with ``Retry-After`` and a message in the
page's language, instead of holding a worker thread and a database connection.
"""

from __future__ import annotations

import psycopg
from flask import Flask, current_app, g, has_request_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from ..errors import Unavailable, render_error, render_unavailable
from ..extensions import Database, db

RETRY_AFTER_S = 30


class StatementTimedOut(Unavailable):
    def __init__(self) -> None:
        super().__init__("statement timeout", {"message": _(
            "The request took too long and was stopped. Narrow it down (a smaller area, fewer categories) "
            "or try again later.")})
        self.headers = {"Retry-After": str(RETRY_AFTER_S)}


def timeout_ms(staff: bool) -> int:
    config = current_app.config
    return int(config["WEBMAP_STAFF_STATEMENT_TIMEOUT_MS" if staff else "WEBMAP_STATEMENT_TIMEOUT_MS"])


def _user_is_staff() -> bool:
    user = g.get("_login_user")  # only once Flask-Login has loaded it: never a lookup from here
    return user is not None and user.is_authenticated


def request_timeout_ms() -> int:
    """The statement timeout of the current request (staff once the signed-in user is loaded)."""
    return timeout_ms(_user_is_staff())


def _on_begin(_session, _transaction, connection) -> None:
    if has_request_context():
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {timeout_ms(_user_is_staff())}")


def _staff_timeout() -> None:
    """The transaction that loaded a signed-in user began with the public timeout: raise it."""
    if "_login_user" not in g or not current_user.is_authenticated:
        return
    session = g.get("db_session")
    if session is not None and session.in_transaction():
        session.connection().exec_driver_sql(f"SET LOCAL statement_timeout = {timeout_ms(True)}")


def _cancelled(exc: BaseException) -> bool:
    cause = exc.orig if isinstance(exc, OperationalError) else exc
    return isinstance(cause, psycopg.errors.QueryCanceled)


def _database_error(exc: Exception):
    if _cancelled(exc):
        db.session.rollback()
        return render_error(StatementTimedOut())
    return render_unavailable(exc)


def init_app(app: Flask) -> None:
    event.listen(app.extensions[Database.key], "after_begin", _on_begin)
    app.before_request(_staff_timeout)
    app.register_error_handler(OperationalError, _database_error)
    app.register_error_handler(psycopg.errors.QueryCanceled, _database_error)
