"""``/static/vendor/<package>/<version>/<file>``: files of the whitelisted XStatic packages."""

from __future__ import annotations

from flask import abort, send_from_directory, url_for

from . import bp
from .packages import content_type, package

ONE_YEAR = 365 * 24 * 3600


@bp.get("/static/vendor/<name>/<version>/<path:filename>")
def vendor(name: str, version: str, filename: str):
    pkg = package(name)
    mimetype = content_type(filename)
    if pkg is None or version != pkg.version or mimetype is None:
        abort(404)
    # send_from_directory refuses paths leaving base_dir (404).
    response = send_from_directory(pkg.base_dir, filename, mimetype=mimetype, max_age=ONE_YEAR)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


def vendor_url(name: str, filename: str) -> str:
    """URL of a vendored file, e.g. ``vendor_url("leaflet", "leaflet.js")``."""
    pkg = package(name)
    if pkg is None:
        raise KeyError(f"XStatic package not served: {name}")
    return url_for("assets.vendor", name=name, version=pkg.version, filename=filename)
