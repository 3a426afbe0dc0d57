"""The OpenAPI 3.0 document of the OGC API (``/ogc/api``): the paths of Part 1 core, with the
bounds the parsers enforce (GDAL reads the ``limit`` maximum to size its pages)."""

from __future__ import annotations

from .collections import COLLECTIONS


def _query(name: str, description: str, schema: dict, explode: bool = False) -> dict:
    parameter = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
    if explode is not None:
        parameter.update(style="form", explode=explode)
    return parameter


def _path(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


def _get(summary: str, parameters: list[dict], media: str = "application/json") -> dict:
    return {"get": {"summary": summary, "parameters": parameters, "responses": {
        "200": {"description": "OK", "content": {media: {"schema": {"type": "object"}},
                                                 "text/html": {"schema": {"type": "string"}}}},
        "400": {"description": "Bad parameter", "content": {"application/json": {"schema": {"type": "object"}}}},
        "404": {"description": "Not found", "content": {"application/json": {"schema": {"type": "object"}}}},
    }}}


def ogc_document(base_url: str, default_limit: int, max_limit: int) -> dict:
    f = _query("f", "Format: json (default) or html.", {"type": "string", "enum": ["json", "html"]})
    collection_id = _path("collectionId", "One of: " + ", ".join(COLLECTIONS))
    items = [
        collection_id, f,
        _query("limit", f"Features per page (default {default_limit}).",
               {"type": "integer", "minimum": 1, "maximum": max_limit, "default": default_limit}),
        _query("offset", "Features to skip (the `next` and `prev` links carry it).",
               {"type": "integer", "minimum": 0, "default": 0}),
        _query("bbox", "minlon,minlat,maxlon,maxlat (CRS84); a box across the antimeridian is refused.",
               {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}),
        _query("datetime", "campaigns only: a date, a date-time or an interval start/end (`..` open).",
               {"type": "string"}),
        _query("category", "services only: category code(s), comma-separated.", {"type": "string"}),
        _query("need", "services only: need code(s), comma-separated (any of them).", {"type": "string"}),
        _query("parent_pcode", "admin areas only: P-code(s) of the parent area.", {"type": "string"}),
        _query("kind", "risk-zones only: kind code(s).", {"type": "string"}),
        _query("theme", "campaigns only: theme code(s).", {"type": "string"}),
        _query("channel", "campaigns only: channel code(s).", {"type": "string"}),
    ]
    return {
        "openapi": "3.0.3",
        "info": {"title": "webmap — OGC API Features", "version": "1.0.0",
                 "description": "Public, read-only; confidential places are at their town's point."},
        "servers": [{"url": base_url}],
        "paths": {
            "/": _get("Landing page", [f]),
            "/conformance": _get("Conformance classes", [f]),
            "/collections": _get("Collections", [f]),
            "/collections/{collectionId}": _get("A collection", [collection_id, f]),
            "/collections/{collectionId}/items": _get("Features of a collection", items, "application/geo+json"),
            "/collections/{collectionId}/items/{featureId}": _get(
                "One feature", [collection_id, _path("featureId", "The feature's id."), f], "application/geo+json"),
        },
    }
