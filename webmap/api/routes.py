"""Thin views: parse parameters, call the Flask-free queries, serialise."""

from __future__ import annotations

import functools
import re

from flask import Response, current_app, jsonify, request, url_for
from sqlalchemy import text

from ..directory import clusters
from ..directory import query as directory
from ..directory.merge import final_record
from ..directory.service import LIVE_STATUSES
from ..errors import BadParameter
from ..extensions import db
from ..reference import query as reference
from ..taxonomy import CATEGORIES, SERVICE_STATUSES
from ..viewer import current_viewer
from . import bp, params
from .params import parse_bbox, parse_choices, parse_float, parse_int, parse_text, parse_uuid


def _geojson(document: dict) -> Response:
    return Response(directory.dumps(document), mimetype="application/geo+json")


@bp.before_app_request
def _documented_parameters():
    """Every /api/v1 request: no empty value for a typed parameter of the document (the page
    forms, which send empty fields, are not under /api/v1). A NUL byte anywhere was refused
    before (``webmap.guards``, an app hook registered before this blueprint's)."""
    rule = request.url_rule
    if rule is None or not rule.rule.startswith("/api/v1/"):
        return
    params.reject_blank(request.args, _typed_parameters(rule.rule))


@functools.cache
def _typed_parameters(rule: str) -> frozenset[str]:
    """``typed_parameters`` of a URL rule (``<id>`` written ``{id}`` as in the document)."""
    from .openapi import typed_parameters

    return typed_parameters(re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule))


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT postgis_version()")).scalar_one()
    except Exception as exc:  # any failure to reach the database is reported, not raised
        current_app.logger.warning("health check: database unavailable: %s", exc)
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
        return jsonify(status="error", db="unavailable", detail=reason), 503
    return jsonify(status="ok", db="ok")


@bp.get("/api/v1/services")
def services():
    args = request.args
    filters = directory.ServiceFilter(
        bbox=parse_bbox(args.get("bbox")),
        categories=tuple(parse_choices(args.getlist("category"), "category", CATEGORIES)),
        q=parse_text(args, "q"),
        # Inactive services are left out unless asked for (status=inactive, or every status).
        statuses=tuple(parse_choices(args.getlist("status"), "status", SERVICE_STATUSES)) or LIVE_STATUSES,
        limit=parse_int(
            args, "limit", directory.DEFAULT_LIMIT, 1, current_app.config["WEBMAP_API_MAX_LIMIT"]
        ),
    )
    features, truncated = directory.search_services(db.session, filters, current_viewer())
    return _geojson(
        directory.feature_collection(
            features, numberReturned=len(features), truncated=truncated
        )
    )


@bp.get("/api/v1/services/clusters")
def service_clusters():
    """The map's services layer: the services of the view one by one, or clusters with counts."""
    args = request.args
    zoom = parse_int(args, "zoom", None, *clusters.ZOOM_RANGE)
    if zoom is None:
        raise BadParameter("zoom", "the map's zoom level is required")
    filters = directory.ServiceFilter(
        bbox=parse_bbox(args.get("bbox")),
        categories=tuple(parse_choices(args.getlist("category"), "category", CATEGORIES)),
        statuses=tuple(parse_choices(args.getlist("status"), "status", SERVICE_STATUSES)) or LIVE_STATUSES,
    )
    points_limit = current_app.config["WEBMAP_MAP_POINTS_LIMIT"]
    return _geojson(clusters.map_services(db.session, filters, zoom, current_viewer(), points_limit))


@bp.get("/api/v1/services/<service_id>")
def service(service_id: str):
    wanted = parse_uuid(service_id)
    target = final_record(db.session, wanted)
    if target is not None:  # merged into another record: that one's address
        response = jsonify(error="merged", detail={"merged_into": str(target)}, merged_into=str(target))
        response.status_code = 301
        response.headers["Location"] = url_for("api.service", service_id=str(target))
        return response
    feature = directory.get_service(db.session, wanted, current_viewer())
    return _geojson(feature)


@bp.get("/api/v1/admin-areas")
def admin_areas():
    level = request.args.get("level", "")
    if level not in reference.LEVELS:
        raise BadParameter("level", f"expected one of {', '.join(reference.LEVELS)}")
    simplify = parse_float(request.args, "simplify", None, 0.0, params.MAX_SIMPLIFY)
    parent = parse_text(request.args, "parent", max_length=params.PCODE_MAX_LENGTH)
    features = reference.admin_areas(db.session, level, simplify=simplify, parent=parent)
    return _geojson(directory.feature_collection(features))


@bp.get("/api/v1/places")
def places():
    q = parse_text(request.args, "q", max_length=params.PLACE_QUERY_MAX_LENGTH)
    if q is None:
        raise BadParameter("q", "a place name is required")
    limit = parse_int(request.args, "limit", params.PLACES_DEFAULT_LIMIT, 1, params.PLACES_MAX_LIMIT)
    return jsonify(query=q, results=reference.search_places(db.session, q, limit))


@bp.get("/api/v1/towns")
def towns():
    bbox = parse_bbox(request.args.get("bbox"))
    limit = parse_int(request.args, "limit", reference.TOWNS_DEFAULT_LIMIT, 1, reference.TOWNS_MAX_LIMIT)
    return _geojson(directory.feature_collection(reference.largest_towns(db.session, bbox, limit)))


@bp.get("/openapi.json")
def openapi():
    from importlib.metadata import version

    from .openapi import openapi_document

    return jsonify(openapi_document(version("webmap"), current_app.config["WEBMAP_API_MAX_LIMIT"]))
