"""Compressed responses for slow connections: Flask-Compress, configured in ``config.py``.

Flask-Compress compresses a streamed response (a static file) by wrapping its iterable in a
generator, and never closes the iterable it wrapped: the file stays open until the garbage
collector finds it. ``_close_wrapped_file`` hands that file's ``close`` to the response first,
so the WSGI server closes it when the response is done.
"""

from __future__ import annotations

from flask import Flask
from flask.wrappers import Response

from .extensions import compress


def _close_wrapped_file(response: Response) -> Response:
    body = response.response
    if response.is_streamed and hasattr(body, "close"):
        response.call_on_close(body.close)
    return response


def init_app(app: Flask) -> None:
    compress.init_app(app)
    # Registered after Flask-Compress: after-request functions run last-registered first, so
    # this one sees the file before it is wrapped.
    app.after_request(_close_wrapped_file)
