"""Security headers on every response: one constant Content-Security-Policy, and friends.

The policy is "self only": no page runs an inline script or loads a script, style, font or
data from another site. Inline ``<script>`` blocks, ``<style>`` elements and ``on…=`` handlers
are therefore not allowed anywhere (the map page's folium script is served as a file, see
``webmap.mapview``); ``<script type="application/json">`` data islands are data, never run.
Two exceptions, each for a reason:

* ``img-src`` adds the origins of the optional online tile layers of the layer catalogue
  (``layers.LAYERS``, OpenStreetMap): the map still works without them.
* ``style-src-attr 'unsafe-inline'``: ``style="…"`` attributes (colour swatches drawn from the
  layer catalogue, bar widths). They cannot run code, and ``<style>`` elements stay refused
  (``style-src-elem 'self'``), so an injected stylesheet could not read the page with selectors.

The policy is the same string for every response (no nonce), so a page revalidated with a 304
or kept by the browser for offline use keeps a policy that matches its body.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from flask.wrappers import Response

import layers
from layers.catalogue import TileSource

HSTS = "max-age=31536000; includeSubDomains"


def tile_origins() -> list[str]:
    """``scheme://host`` of every tile layer in the catalogue, sorted."""
    origins = set()
    for layer in layers.LAYERS:
        if isinstance(layer.source, TileSource):
            parts = urlsplit(layer.source.url)
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


def content_security_policy() -> str:
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-elem": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", *tile_origins()],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def init_app(app: Flask) -> None:
    headers = {
        "Content-Security-Policy": content_security_policy(),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",  # frame-ancestors 'none' for browsers older than CSP 2
    }
    if app.config["WEBMAP_HSTS"]:
        headers["Strict-Transport-Security"] = HSTS

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
