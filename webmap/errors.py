"""Domain exceptions carry their HTTP status; ``register_error_handlers`` renders them once."""

from __future__ import annotations

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException


class WebmapError(Exception):
    """Base of every error the domain raises on purpose."""

    status = 400

    def __init__(self, error: str, detail: object = None) -> None:
        super().__init__(error)
        self.error = error
        self.detail = detail


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


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(WebmapError)
    def _domain_error(exc: WebmapError):
        return jsonify(error=exc.error, detail=exc.detail), exc.status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if _wants_json():
            response = jsonify(error=exc.name.lower(), detail=exc.description)
            for name, value in exc.get_headers():  # e.g. Allow on a 405, Retry-After
                if name.lower() != "content-type":
                    response.headers[name] = value
            return response, exc.code
        return exc

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        if _wants_json():
            return jsonify(error="internal error", detail=None), 500
        return "Erreur interne / Internal error", 500
