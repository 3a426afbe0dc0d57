"""Domain exceptions carry their HTTP status; ``register_error_handlers`` renders them once."""

from __future__ import annotations

import psycopg
import sqlalchemy.exc
from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from .extensions import login_manager

# The database cannot be reached (down, restarting, refusing connections) or every pooled
# connection is busy: the request may succeed later, so 503 with Retry-After, never a 500.
DATABASE_UNAVAILABLE = (sqlalchemy.exc.OperationalError, sqlalchemy.exc.TimeoutError, psycopg.OperationalError)
RETRY_AFTER_S = 30


class WebmapError(Exception):
    """Base of every error the domain raises on purpose."""

    status = 400
    headers: dict[str, str] | None = None  # extra response headers (e.g. ``Retry-After``)

    def __init__(self, error: str, detail: object = None) -> None:
        super().__init__(error)
        self.error = error
        self.detail = detail

    def __reduce__(self):
        """Picklable whatever the subclass's ``__init__`` (raised in a rendering process)."""
        return _rebuild, (type(self), self.__dict__.copy())


def _rebuild(cls: type[WebmapError], state: dict) -> WebmapError:
    exc = cls.__new__(cls)
    Exception.__init__(exc, state.get("error"))
    exc.__dict__.update(state)
    return exc


class BadParameter(WebmapError):
    """A query parameter is missing, malformed or out of range; ``detail`` names it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"invalid parameter '{parameter}'", {"parameter": parameter, "message": message})
        self.parameter = parameter


class NotFound(WebmapError):
    status = 404


class Unavailable(WebmapError):
    status = 503


# HTTP errors shown as pages of the site, in the visitor's language (other codes keep Werkzeug's page).
ERROR_PAGES = {
    400: (_l("Bad request"), _l("The request could not be understood: check the address or the form.")),
    403: (_l("Access refused"), _l("You are not allowed to see this page or do this.")),
    404: (_l("Page not found"), _l("This page does not exist, or no longer exists.")),
    405: (_l("Action not possible"), _l("This action is not possible here.")),
    410: (_l("Page removed"), _l("This page has been removed.")),
    500: (_l("Internal error"), _l("Something went wrong on our side. The problem was recorded; please try again "
                                   "later.")),
}


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/healthz", "/openapi", "/hsds", "/ogc"))


def render_error(exc: WebmapError):
    """The JSON answer of a domain error, with its status and headers."""
    return jsonify(error=exc.error, detail=exc.detail), exc.status, exc.headers or {}


def render_unexpected(exc: Exception):
    """A bug: logged with its traceback, answered without one."""
    current_app.logger.exception("unhandled error on %s", request.path)
    if wants_json():
        return jsonify(error="internal error", detail=None), 500
    try:
        from .extensions import db

        db.session.rollback()  # the page may read the account: not from a failed transaction
        return render_error_page(500)
    except Exception:  # noqa: BLE001 - the page itself failed: a plain answer, still no traceback
        current_app.logger.exception("the error page failed on %s", request.path)
        return "Erreur interne / Internal error", 500


def render_error_page(code: int, headers=()):
    """The site's page for HTTP error ``code`` (``ERROR_PAGES``) with the exception's headers."""
    title, message = ERROR_PAGES[code]
    response = current_app.make_response(
        render_template("error.html", title=str(title), message=str(message), status=code))
    response.status_code = code
    response.headers.extend(headers)
    return response


def exception_headers(exc: HTTPException) -> list[tuple[str, str]]:
    """Headers an HTTP exception carries (``Allow`` of a 405, ``Retry-After``…), not its HTML type."""
    return [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]


def render_unavailable(exc: Exception):
    """The database cannot be reached: 503 with Retry-After, a page or JSON, no traceback."""
    current_app.logger.error("database unavailable on %s: %s", request.path, str(exc).splitlines()[0][:200])
    message = _("The service is temporarily unavailable (its database cannot be reached). "
                "Please try again in a moment.")
    if wants_json():
        response = jsonify(error="service unavailable", detail=message)
    else:  # a page of its own, seen as by the public: the account cannot be looked up
        g._login_user = login_manager.anonymous_user()  # what Flask-Login's templates read
        response = current_app.make_response(render_template("unavailable.html", message=message))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(WebmapError, render_error)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if wants_json():
            response = jsonify(error=exc.name.lower(), detail=exc.description)
            response.headers.extend(exception_headers(exc))
            return response, exc.code
        if exc.code in ERROR_PAGES:
            return render_error_page(exc.code, exception_headers(exc))
        return exc

    for error in DATABASE_UNAVAILABLE:
        app.register_error_handler(error, render_unavailable)
    app.register_error_handler(Exception, render_unexpected)
