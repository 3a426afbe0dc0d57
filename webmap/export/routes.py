"""Thin views of the printable map: parse the options, call :mod:`.service`, send the bytes.

The three files are drawn through :func:`webmap.limits.isolation.render` (in a low-priority
child process of the worker, unless ``WEBMAP_RENDER_ISOLATED`` is off)."""

from __future__ import annotations

import datetime as dt

from flask import Response, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from .. import httpcache, taxonomy
from ..errors import BadParameter
from ..extensions import db
from ..limits.isolation import render
from ..viewer import current_viewer
from . import bp, service
from .cache import RenderCache, render_key
from .options import COUNTRY, PrintOptions, extent_parameter, parse_print_options

PREVIEW_WIDTH = 900


def _sources() -> service.Sources:
    return service.Sources(
        mirror=current_app.config.get("WEBMAP_GEODATA_MIRROR"),
        cache=current_app.config.get("WEBMAP_GEODATA_CACHE"),
    )


def _options(args=None) -> PrintOptions:
    return parse_print_options(request.args if args is None else args, default_lang=str(get_locale()),
                               max_png_px=current_app.config["WEBMAP_PNG_MAX_PX"])


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()  # Côte d'Ivoire keeps UTC all year


def _send(data: bytes, mimetype: str, name: str) -> Response:
    """The file shown in the browser ("Ouvrir"), or saved with ``download=1`` ("Télécharger")."""
    response = Response(data, mimetype=mimetype)
    disposition = "attachment" if request.args.get("download") == "1" else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
    # Public for the public (webmap.httpcache); private, no-store for signed-in staff (webmap.auth).
    return response


def _rendered(function, options: PrintOptions, **kwargs) -> tuple[bytes, bool]:
    """The file of ``function`` (of :mod:`.service`) for ``options``: from the disk cache for the
    public (:mod:`.cache`: once per data version, options, language and day), drawn for staff.
    Returns (bytes, whether they came from the cache)."""
    config = current_app.config
    viewer = current_viewer()
    produced_on = _today()
    sources = _sources()

    def draw() -> bytes:
        return render(function, options, viewer, produced_on=produced_on, sources=sources, **kwargs)

    if not httpcache.public_request():
        return draw(), False  # may show confidential places: never kept, never shared
    cache = RenderCache(config["WEBMAP_RENDER_CACHE_DIR"], int(config["WEBMAP_RENDER_CACHE_MB"] * 1024 * 1024))
    key = render_key(function.__name__, options, produced_on, sources, str(get_locale()),
                     httpcache.data_version(), httpcache.RELEASE)
    return cache.get_or_render(key, draw)


def _send_rendered(rendered: tuple[bytes, bool], mimetype: str, name: str) -> Response:
    data, hit = rendered
    response = _send(data, mimetype, name)
    response.headers["X-Render-Cache"] = "hit" if hit else "miss"
    return response


def _filename(kind: str, options: PrintOptions, ext: str) -> str:
    extent = options.extent if options.extent != COUNTRY else "CI"
    return f"webmap-{kind}-{extent}-{options.paper}-{options.lang}-{_today().isoformat()}.{ext}"


@bp.get("/export/map.pdf")
def map_pdf():
    options = _options()
    rendered = _rendered(service.map_pdf, options, parameter=extent_parameter(request.args))
    return _send_rendered(rendered, "application/pdf", _filename("map", options, "pdf"))


@bp.get("/export/map.png")
def map_png():
    options = _options()
    rendered = _rendered(service.map_png, options, parameter=extent_parameter(request.args))
    return _send_rendered(rendered, "image/png", _filename("map", options, "png"))


@bp.get("/export/atlas.pdf")
def atlas_pdf():
    options = _options()
    return _send_rendered(_rendered(service.atlas_pdf, options), "application/pdf", _filename("atlas", options, "pdf"))


def _query(options: PrintOptions, **extra) -> dict:
    """The options as query parameters (for the links and the preview)."""
    params: dict = {
        "extent": options.extent,
        "paper": options.paper,
        "orientation": options.orientation,
        "lang": options.lang,
        "table": "1" if options.table else "0",
    }
    if options.categories:
        params["category"] = ",".join(options.categories)
    params.update(extra)
    return params


@bp.get("/print")
def print_page():
    error = None
    try:
        options = _options()
    except BadParameter as exc:
        error = exc.detail
        options = _options(MultiDict())
    atlas_params = _query(options)
    atlas_params.pop("extent")
    return render_template(
        "export/print.html",
        title=_("Print the map"),
        options=options,
        error=error,
        areas=service.extent_choices(db.session, _sources()),
        categories=taxonomy.labels(taxonomy.CATEGORIES),
        pdf_url=url_for("export.map_pdf", **_query(options)),
        png_url=url_for("export.map_png", **_query(options)),
        atlas_url=url_for("export.atlas_pdf", **atlas_params),
        download_urls={
            "pdf": url_for("export.map_pdf", **_query(options, download="1")),
            "png": url_for("export.map_png", **_query(options, download="1")),
            "atlas": url_for("export.atlas_pdf", **atlas_params, download="1"),
        },
        preview_url=url_for("export.map_png", **_query(options, width=PREVIEW_WIDTH)),
        preview_width=PREVIEW_WIDTH,
        endpoints={
            "pdf": url_for("export.map_pdf"),
            "png": url_for("export.map_png"),
            "atlas": url_for("export.atlas_pdf"),
        },
    )
