"""The OpenAPI 3 description of /api/v1, served at /openapi.json.

Written by hand from the parameter parsers; ``tests/test_openapi.py`` fails when a /api/v1 route
of the app is missing here, so the document cannot drift silently from the code.
"""

from __future__ import annotations

from ..taxonomy import CATEGORIES, NEEDS, SERVICE_STATUSES, SEXES

ERROR = {"$ref": "#/components/responses/Error"}


def _param(name: str, description: str, schema: dict, required: bool = False, explode: bool | None = None) -> dict:
    param = {"name": name, "in": "query", "required": required, "description": description, "schema": schema}
    if explode is not None:
        param["explode"] = explode
    return param


def _codes(vocabulary: dict) -> dict:
    return {"type": "string", "enum": list(vocabulary)}


CATEGORY = _param(
    "category", "Category code(s), repeated or comma-separated.", {"type": "array", "items": _codes(CATEGORIES)}
)
LIMIT = _param("limit", "Maximum number of results.", {"type": "integer", "minimum": 1})


def _get(summary: str, parameters: list[dict], ok: str, content_type: str = "application/json") -> dict:
    return {
        "get": {
            "summary": summary,
            "parameters": parameters,
            "responses": {
                "200": {"description": ok, "content": {content_type: {"schema": {"type": "object"}}}},
                "400": ERROR,
                "404": ERROR,
            },
        }
    }


def openapi_document(version: str) -> dict:
    paths = {
        "/api/v1/services": _get(
            "Service locations as GeoJSON (confidential locations at town level for the public)",
            [
                _param("bbox", "minlon,minlat,maxlon,maxlat (WGS 84).", {"type": "string"}),
                CATEGORY,
                _param("q", "Text in the name, town or organization; accents and case ignored.", {"type": "string"}),
                _param("status", "Status code(s); default active and planned (inactive left out).",
                       {"type": "array", "items": _codes(SERVICE_STATUSES)}),
                LIMIT,
            ],
            "GeoJSON FeatureCollection",
            "application/geo+json",
        ),
        "/api/v1/services/{service_id}": {
            "get": {
                "summary": "One service as a GeoJSON Feature",
                "parameters": [
                    {
                        "name": "service_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "format": "uuid"},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "Feature",
                        "content": {"application/geo+json": {"schema": {"type": "object"}}},
                    },
                    "404": ERROR,
                },
            }
        },
        "/api/v1/admin-areas": _get(
            "Administrative boundaries as GeoJSON",
            [
                _param("level", "0 country, 1 région, 2 département, 3 sous-préfecture, or district.",
                       {"type": "string", "enum": ["0", "1", "2", "3", "district"]}, required=True),
                _param("simplify", "Simplification tolerance in degrees (0–1).", {"type": "number"}),
                _param("parent", "Keep only the children of this P-code.", {"type": "string"}),
            ],
            "GeoJSON FeatureCollection",
            "application/geo+json",
        ),
        "/api/v1/places": _get(
            "Gazetteer search, accent- and case-insensitive, prefix and fuzzy",
            [_param("q", "Place name.", {"type": "string"}, required=True), LIMIT],
            "Ranked matches with their administrative names",
        ),
        "/api/v1/nearest": _get(
            "The nearest eligible services to an origin, ranked by distance",
            [
                _param("lat", "Origin latitude.", {"type": "number"}),
                _param("lon", "Origin longitude.", {"type": "number"}),
                _param("place", "Origin as a gazetteer id or name.", {"type": "string"}),
                _param("pcode", "Origin as an administrative P-code.", {"type": "string"}),
                CATEGORY,
                _param("need", "Need(s) every result must offer; repeatable.",
                       {"type": "array", "items": _codes(NEEDS)}),
                _param("age", "Age of the child in years.", {"type": "integer", "minimum": 0}),
                _param("sex", "Sex of the child.", {"type": "string", "enum": [s for s in SEXES if s != "all"]}),
                LIMIT,
                _param("max_km", "Search radius in kilometres.", {"type": "number"}),
            ],
            "Ranked results with distance_km",
        ),
        "/api/v1/campaigns": _get(
            "Prevention campaigns as GeoJSON (demonstration campaigns flagged DÉMO)",
            [
                _param("from", "Campaigns active on or after this date (YYYY-MM-DD).",
                       {"type": "string", "format": "date"}),
                _param("to", "Campaigns active on or before this date (YYYY-MM-DD).",
                       {"type": "string", "format": "date"}),
                _param("days", "Instead of from/to: the last N days.", {"type": "integer", "minimum": 1}),
                _param("theme", "Campaign theme code.", {"type": "string"}),
                _param("channel", "Campaign channel code.", {"type": "string"}),
                _param("demo", "Include (1) or exclude (0) demonstration campaigns.", {"type": "string"}),
                LIMIT,
            ],
            "GeoJSON FeatureCollection",
            "application/geo+json",
        ),
        "/api/v1/risk-zones": _get(
            "At-risk zones as GeoJSON, each with its criterion and source",
            [_param("kind", "Zone kind code.", {"type": "string"})],
            "GeoJSON FeatureCollection",
            "application/geo+json",
        ),
        "/api/v1/coverage": _get(
            "Campaign coverage of at-risk zones per région or département for a period",
            [
                _param("level", "region or departement.", {"type": "string", "enum": ["region", "departement"]}),
                _param("from", "Start of the period (YYYY-MM-DD).", {"type": "string", "format": "date"}),
                _param("to", "End of the period (YYYY-MM-DD).", {"type": "string", "format": "date"}),
            ],
            "Coverage table rows",
        ),
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "webmap API",
            "version": version,
            "description": "Child-protection assistance structures in Côte d'Ivoire. Coordinates are WGS 84. "
            "Errors are JSON {error, detail}; a bad parameter is named in detail.parameter.",
        },
        "paths": paths,
        "components": {
            "responses": {
                "Error": {
                    "description": "Error",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["error", "detail"],
                                "properties": {"error": {"type": "string"}, "detail": {}},
                            }
                        }
                    },
                }
            }
        },
    }
