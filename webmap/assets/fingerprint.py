"""The app's own static files cached for a year by browsers, yet never stale.

``url_for("static", filename=...)`` adds ``v``, the start of the SHA-256 of the file's content.
A request whose ``v`` is the file's current one is answered with a one-year immutable cache: a
phone on a slow connection asks nothing again for it on the next visit (no revalidation round
trip). When the file changes, its URL changes. Without ``v``, or with a stale one, the file
is served as Flask serves it (revalidated on each use).
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from flask import current_app, request
from flask.wrappers import Response
from werkzeug.security import safe_join

from . import bp
from .routes import ONE_YEAR

_lock = threading.Lock()
_digests: dict[str, tuple[tuple[int, int], str]] = {}  # path → ((mtime, size), digest)


def digest(path: str | Path) -> str | None:
    """The version of a file: 12 hex digits of its SHA-256 (recomputed when it changes)."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    key, stamp = str(path), (stat.st_mtime_ns, stat.st_size)
    with _lock:
        cached = _digests.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    value = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    with _lock:
        _digests[key] = (stamp, value)
    return value


def _static_path(filename: str) -> str | None:
    folder = current_app.static_folder
    return safe_join(folder, filename) if folder else None


@bp.app_url_defaults
def _add_version(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "filename" in values and "v" not in values:
        path = _static_path(values["filename"])
        version = digest(path) if path else None
        if version:
            values["v"] = version


@bp.after_app_request
def _cache_versioned(response: Response) -> Response:
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    version = request.args.get("v")
    path = _static_path(request.view_args.get("filename", "")) if version else None
    if path and version == digest(path):
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = ONE_YEAR
        response.cache_control.immutable = True
    return response
