"""Thin views: the offline package, the service worker and the web app manifest."""

from __future__ import annotations

import json
from importlib.metadata import version as installed_version

from flask import Response, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..extensions import db
from . import bp, package, wire
from .messages import catalogues
from .shell import worker_script

ICON_SIZES = (192, 512)  # webmap/static/offline/icons/, drawn from favicon.svg (scripts/offline_icons.py)

# Every phone revalidates (a 304 costs a few hundred bytes); nothing shared keeps a stale copy.
PACKAGE_CACHE_CONTROL = "public, no-cache"


@bp.get("/api/v1/offline")
def offline_package():
    session = db.session
    driver = session.connection().connection.driver_connection
    built = package.current(session, driver, catalogues(),
                            cache_key=(str(session.get_bind().engine.url), installed_version("webmap")))
    etag = f'"{built.version}"'
    headers = {"ETag": etag, "Cache-Control": PACKAGE_CACHE_CONTROL, "Vary": "Accept-Encoding",
               "X-Offline-Version": built.version}
    if request.if_none_match.contains(built.version):
        return Response(status=304, headers=headers)
    encoding = wire.choose(request.accept_encodings)
    body = wire.encoded(built.body, encoding) if encoding else built.body
    if encoding:
        headers["Content-Encoding"] = encoding
    return Response(body, mimetype="application/json", headers=headers)


@bp.get("/sw.js")
def service_worker():
    """The service worker, from the site's root so that it controls every page (scope ``/``)."""
    response = Response(worker_script(), mimetype="text/javascript")
    # Browsers check for a new worker on each visit; nothing may keep an old one.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest: installable, opening on the referral page, standalone."""
    document = {
        "name": _("webmap — Refer a child"),
        "short_name": "webmap",
        "description": _("Child protection assistance structures in Côte d'Ivoire: the nearest suitable "
                         "structure, with or without a connection."),
        "lang": str(get_locale()),
        "start_url": url_for("referral.index"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#17324d",
        "icons": [
            {"src": url_for("static", filename="favicon.svg"), "type": "image/svg+xml", "sizes": "any"},
            *({"src": url_for("static", filename=f"offline/icons/icon-{size}.png"), "type": "image/png",
               "sizes": f"{size}x{size}", "purpose": "any maskable"} for size in ICON_SIZES),
        ],
    }
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return Response(body, mimetype="application/manifest+json", headers={"Cache-Control": "no-cache"})
