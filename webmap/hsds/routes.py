"""Thin views of the HSDS API: parse parameters, call :mod:`.query`, serialise (JSON or NDJSON)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from flask import Response, request, stream_with_context, url_for

from ..api.params import parse_text, parse_uuid
from ..directory.merge import final_record
from ..extensions import db
from . import bp, query
from .params import parse_filters, parse_format, parse_paging, parse_shape

NDJSON = "application/x-ndjson"
PUBLISHER = "webmap — annuaire des structures de protection de l'enfance en Côte d'Ivoire"
# HSDS 3.0 itself, without a profile: the schemas the reference's own document points to.
PROFILE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"


def _json(document) -> Response:
    return Response(json.dumps(document, ensure_ascii=False, separators=(",", ":")), mimetype="application/json")


@bp.after_request
def _open_to_every_site(response: Response) -> Response:
    """Public reads: any web page may fetch them (no credentials are ever needed)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _ndjson(objects: Iterator[dict]) -> Response:
    def lines():
        for item in objects:
            yield json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n"
    return Response(stream_with_context(lines()), mimetype=NDJSON)


def _listing(keys, build) -> Response:
    """A page of the listing, or with ``format=ndjson`` all of it, streamed."""
    session = db.session
    if parse_format(request.args) == "ndjson":
        return _ndjson(query.stream_of(session, keys, build))
    page, per_page = parse_paging(request.args)
    return _json(query.page_of(session, keys, build, page, per_page))


def _in_memory(items: list[dict]) -> Response:
    if parse_format(request.args) == "ndjson":
        return _ndjson(iter(items))
    page, per_page = parse_paging(request.args)
    return _json(query.in_memory_page(items, page, per_page))


@bp.get("/")
def index():
    return _json({
        "version": query.mapping.HSDS_VERSION,
        "profile": PROFILE,
        "openapi_url": url_for("hsds.openapi", _external=True),
        "publisher": {"name": PUBLISHER, "url": url_for("map.index", _external=True)},
    })


@bp.get("/openapi.json")
def openapi():
    from .openapi import hsds_document

    return _json(hsds_document(url_for("hsds.index", _external=True).rstrip("/")))


@bp.get("/services")
def services():
    filters, shape = parse_filters(request.args), parse_shape(request.args)
    return _listing(query.service_keys(filters), lambda ids: query.service_objects(db.session, ids, shape))


@bp.get("/services/<service_id>")
def service(service_id: str):
    wanted = parse_uuid(service_id, "service")
    target = final_record(db.session, wanted)
    if target is not None:  # merged into another record: that one's address, as /api/v1 does
        response = _json({"error": "merged", "detail": {"merged_into": str(target)}, "merged_into": str(target)})
        response.status_code = 301
        response.headers["Location"] = url_for("hsds.service", service_id=str(target))
        return response
    return _json(query.get_service(db.session, wanted))


@bp.get("/service_at_locations")
def service_at_locations():
    filters, shape = parse_filters(request.args, near=True), parse_shape(request.args)
    return _listing(query.link_keys(filters), lambda ids: query.link_objects(db.session, ids, shape))


@bp.get("/service_at_locations/<link_id>")
def service_at_location(link_id: str):
    return _json(query.get_link(db.session, parse_uuid(link_id, "service_at_location")))


@bp.get("/organizations")
def organizations():
    filters, shape = parse_filters(request.args), parse_shape(request.args)
    return _listing(query.organization_keys(filters), lambda ids: query.organization_list(db.session, ids, shape))


@bp.get("/organizations/<organization_id>")
def organization(organization_id: str):
    full_service = parse_shape(request.args).full_service
    return _json(query.get_organization(db.session, parse_uuid(organization_id, "organization"), full_service))


@bp.get("/taxonomies")
def taxonomies():
    return _in_memory(query.taxonomies(parse_text(request.args, "search")))


@bp.get("/taxonomies/<taxonomy_id>")
def taxonomy(taxonomy_id: str):
    return _json(query.get_taxonomy(taxonomy_id))


@bp.get("/taxonomy_terms")
def taxonomy_terms():
    filters = parse_filters(request.args)
    return _in_memory(query.taxonomy_terms(filters.search, filters.taxonomy))


@bp.get("/taxonomy_terms/<term_id>")
def taxonomy_term(term_id: str):
    return _json(query.get_taxonomy_term(term_id))
