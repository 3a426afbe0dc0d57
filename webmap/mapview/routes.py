"""``/``: the map page. folium builds the shell; ``map.js`` loads the layers from /api/v1.

``/map/shell.js`` is folium's script creating the map, served as a file so the page has no
inline script (Content-Security-Policy ``script-src 'self'``, see ``webmap.security``); its URL
carries the script's version, so it is cached for a year like the static files.
``/map/boundaries/<layer>.geojson`` are the boundary layers as fingerprinted files
(``boundaries``), ``/map/symbols.svg`` the category symbols (``layers.symbols``) and
``/map/places.geojson`` the place labels (``places``), cached the same way.
"""

from __future__ import annotations

from flask import Response, abort, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

import layers
from layers import symbols

from .. import taxonomy
from ..assets.routes import ONE_YEAR, vendor_url
from ..directory.query import STALE_AFTER_DAYS
from ..extensions import db
from . import boundaries, bp, messages, places
from .builder import MapParts, build_map, render_parts

CONFIG_ID = "webmap-config"
RECORD_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


def boundaries_url(layer: layers.Layer) -> str:
    found = boundaries.boundary_file(db.session, layer.id)
    return url_for("map.boundaries_file", layer_id=layer.id, v=found.fingerprint)


def _forever(response: Response) -> None:
    response.cache_control.public = True
    response.cache_control.max_age = ONE_YEAR
    response.cache_control.immutable = True


def _client_config() -> dict:
    config = layers.client_config(url_for, file_url=boundaries_url)
    config.update(
        lang=str(get_locale()),
        messages=messages.rendered(),
        labels=taxonomy.vocabulary_labels(),
        suggestUrl=url_for("suggest.form") if "suggest.form" in current_app.view_functions else None,
        symbolsUrl=url_for("map.symbols_sprite", v=symbols.sprite_version()),
        staleAfterDays=STALE_AFTER_DAYS,  # the offline popups flag stale records as the API does
        placesUrl=url_for("map.places_file", v=places.places_file(db.session).fingerprint),
        # The record's page, for the popups' "See the record" link ("00000000-…" is replaced).
        recordUrl=url_for("directory.detail", service_id=RECORD_PLACEHOLDER),
    )
    return config


def _shell(view: dict) -> MapParts:
    fmap = build_map(
        view,
        asset_url=vendor_url,
        static_url=lambda filename: url_for("static", filename=filename),
        config_id=CONFIG_ID,
    )
    return render_parts(fmap)


@bp.get("/")
def index():
    config = _client_config()
    parts = _shell(config["view"])
    # Fetched by map.js as soon as it starts: the browser may start them with the page, and the
    # service worker keeps every file the page links for offline use (static/offline/sw.js).
    preload = [config["symbolsUrl"], config["placesUrl"], *(
        lyr["url"] for lyr in config["layers"] if lyr["kind"] == "boundaries" and lyr["visible"]
    )]
    return render_template(
        "map.html",
        parts=parts,
        preload=preload,
        shell_url=url_for("map.shell_script", v=parts.script_version),
        config=config,
        config_id=CONFIG_ID,
        title=_("Map of child protection assistance structures"),
    )


@bp.get("/map/shell.js")
def shell_script():
    parts = _shell(layers.INITIAL_VIEW)
    response = Response(parts.script, mimetype="text/javascript")
    if request.args.get("v") == parts.script_version:
        _forever(response)
    return response


@bp.get("/map/symbols.svg")
def symbols_sprite():
    """The category symbols (``layers.symbols``), placed in the page by ``map.js``."""
    response = Response(symbols.sprite(), mimetype="image/svg+xml")
    if request.args.get("v") == symbols.sprite_version():
        _forever(response)
    return response


@bp.get("/map/boundaries/<layer_id>.geojson")
def boundaries_file(layer_id: str):
    """A boundary layer's file: kept for good when ``v`` is its fingerprint, else revalidated."""
    try:
        found = boundaries.boundary_file(db.session, layer_id)
    except KeyError:
        abort(404)
    response = Response(found.body, mimetype="application/geo+json")
    response.set_etag(found.fingerprint)
    if request.args.get("v") == found.fingerprint:
        _forever(response)
    else:
        response.cache_control.no_cache = True
    return response.make_conditional(request)


@bp.get("/map/places.geojson")
def places_file():
    """The place labels (the gazetteer's most populous places, ranked): kept for good when ``v``
    is their fingerprint, else revalidated."""
    found = places.places_file(db.session)
    response = Response(found.body, mimetype="application/geo+json")
    response.set_etag(found.fingerprint)
    if request.args.get("v") == found.fingerprint:
        _forever(response)
    else:
        response.cache_control.no_cache = True
    return response.make_conditional(request)
