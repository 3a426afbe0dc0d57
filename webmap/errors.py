"""Domain exceptions carry their HTTP status; ``register_error_handlers`` renders them once."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException


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


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/healthz", "/openapi"))


def render_error(exc: WebmapError):
    """The JSON answer of a domain error, with its status and headers."""
    return jsonify(error=exc.error, detail=exc.detail), exc.status, exc.headers or {}


def render_unexpected(exc: Exception):
    """A bug or an outage: logged with its traceback, answered without one."""
    current_app.logger.exception("unhandled error on %s", request.path)
    if _wants_json():
        return jsonify(error="internal error", detail=None), 500
    return "Erreur interne / Internal error", 500


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(WebmapError, render_error)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if _wants_json():
            return jsonify(error=exc.name.lower(), detail=exc.description), exc.code
        return exc

    app.register_error_handler(Exception, render_unexpected)
