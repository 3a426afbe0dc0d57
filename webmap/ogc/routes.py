"""Thin views of the OGC API – Features: negotiate JSON or HTML, parse, read, link pages."""

from __future__ import annotations

import json

from flask import Response, render_template, request, url_for
from flask_babel import gettext as _

from ..directory.query import dumps
from ..extensions import db
from . import bp
from . import collections as catalogue
from .collections import COLLECTIONS, CRS84, Collection, extent, get_collection
from .params import COMMON, DEFAULT_LIMIT, MAX_LIMIT, parse_f, parse_items, reject_unknown

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]


@bp.after_request
def _open_to_every_site(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.vary.add("Accept")
    return response


def _wants_html() -> bool:
    """``f=html`` or ``f=json``, else the Accept header (JSON unless HTML is preferred)."""
    chosen = parse_f(request.args)
    if chosen is not None:
        return chosen == "html"
    return request.accept_mimetypes.best_match([JSON, GEOJSON, HTML], default=JSON) == HTML


def _json(document: dict, mimetype: str = JSON) -> Response:
    return Response(dumps(document), mimetype=mimetype)


def _url(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


def _link(href: str, rel: str, kind: str, title: str | None = None) -> dict:
    link = {"href": href, "rel": rel, "type": kind}
    if title:
        link["title"] = title
    return link


def _self_links(endpoint: str, kind: str = JSON, **values) -> list[dict]:
    return [_link(_url(endpoint, **values), "self", kind),
            _link(_url(endpoint, f="html", **values), "alternate", HTML, _("This page as HTML"))]


@bp.get("", strict_slashes=False)
def landing():
    reject_unknown(request.args, COMMON)
    document = {
        "title": _("webmap — OGC API Features"),
        "description": _("Child protection services, boundaries, at-risk zones and campaigns of Côte d'Ivoire "
                         "as GeoJSON, for QGIS, GDAL and other GIS tools."),
        "links": [
            *_self_links("ogc.landing"),
            _link(_url("ogc.api"), "service-desc", OPENAPI, _("The API definition (OpenAPI 3.0)")),
            _link(_url("ogc.conformance"), "conformance", JSON, _("Conformance classes")),
            _link(_url("ogc.collections"), "data", JSON, _("Collections")),
        ],
    }
    if _wants_html():
        return render_template("ogc/landing.html", title=document["title"], document=document,
                               collections=[_collection(c, with_extent=False) for c in COLLECTIONS.values()])
    return _json(document)


@bp.get("/conformance")
def conformance():
    reject_unknown(request.args, COMMON)
    if _wants_html():
        return render_template("ogc/conformance.html", title=_("Conformance classes"), classes=CONFORMANCE)
    return _json({"conformsTo": CONFORMANCE})


def _collection(collection: Collection, with_extent: bool = True) -> dict:
    document = {
        "id": collection.id,
        "title": str(collection.title),
        "description": str(collection.description),
        "itemType": "feature",
        "crs": [CRS84],
        "links": [
            _link(_url("ogc.collection", collection_id=collection.id), "self", JSON),
            _link(_url("ogc.items", collection_id=collection.id), "items", GEOJSON, _("Items as GeoJSON")),
            _link(_url("ogc.items", collection_id=collection.id, f="html"), "items", HTML, _("Items as HTML")),
        ],
    }
    if with_extent:
        document["extent"] = extent(db.session, collection)
    return document


@bp.get("/collections")
def collections():
    reject_unknown(request.args, COMMON)
    listed = [_collection(c) for c in COLLECTIONS.values()]
    if _wants_html():
        return render_template("ogc/collections.html", title=_("Collections"), collections=listed)
    return _json({"links": _self_links("ogc.collections"), "collections": listed})


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    reject_unknown(request.args, COMMON)
    document = _collection(get_collection(collection_id))
    if _wants_html():
        return render_template("ogc/collection.html", title=document["title"], collection=document,
                               filters=list(get_collection(collection_id).filters))
    return _json(document)


def _page_links(collection_id: str, offset: int, limit: int, returned: int, matched: int) -> list[dict]:
    args = {k: v for k, v in request.args.items(multi=False) if k not in ("offset", "f")}
    links = _self_links("ogc.items", GEOJSON, collection_id=collection_id, offset=offset, **args)
    if offset + returned < matched:
        links.append(_link(_url("ogc.items", collection_id=collection_id, offset=offset + limit, **args),
                           "next", GEOJSON, _("Next page")))
    if offset > 0:
        links.append(_link(_url("ogc.items", collection_id=collection_id, offset=max(offset - limit, 0), **args),
                           "prev", GEOJSON, _("Previous page")))
    links.append(_link(_url("ogc.collection", collection_id=collection_id), "collection", JSON))
    return links


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str):
    found = get_collection(collection_id)
    query = parse_items(request.args, found)
    features, matched = catalogue.items(db.session, found, query)
    links = _page_links(collection_id, query.offset, query.limit, len(features), matched)
    if _wants_html():
        return render_template("ogc/items.html", title=str(found.title), collection_id=collection_id,
                               features=features, matched=matched, offset=query.offset, links=links,
                               columns=_columns(features))
    return _json({"type": "FeatureCollection", "features": features, "numberMatched": matched,
                  "numberReturned": len(features), "links": links}, GEOJSON)


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str):
    reject_unknown(request.args, COMMON)
    found = get_collection(collection_id)
    feature = catalogue.item(db.session, found, feature_id)
    feature["links"] = [
        _link(_url("ogc.item", collection_id=collection_id, feature_id=feature_id), "self", GEOJSON),
        _link(_url("ogc.item", collection_id=collection_id, feature_id=feature_id, f="html"), "alternate", HTML),
        _link(_url("ogc.collection", collection_id=collection_id), "collection", JSON),
    ]
    if _wants_html():
        return render_template("ogc/items.html", title=str(found.title), collection_id=collection_id,
                               features=[feature], matched=None, offset=0, links=[], columns=_columns([feature]))
    return _json(feature, GEOJSON)


def _columns(features: list[dict]) -> list[str]:
    names: dict[str, None] = {}
    for feature in features:
        names.update(dict.fromkeys(feature["properties"]))
    return list(names)


@bp.get("/api")
def api():
    reject_unknown(request.args, COMMON)
    from .openapi import ogc_document

    return Response(json.dumps(ogc_document(_url("ogc.landing"), DEFAULT_LIMIT, MAX_LIMIT), ensure_ascii=False),
                    mimetype=OPENAPI)
