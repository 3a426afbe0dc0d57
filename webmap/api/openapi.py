"""The OpenAPI 3 description of /api/v1, served at /openapi.json.

Every bound, vocabulary and format comes from the constants the parameter parsers use, so the
document says what the code enforces. ``tests/test_openapi.py`` fails when a /api/v1 route of the
app is missing here; ``tests/test_api_contract.py`` has Schemathesis hold the app to the document.

Rules across parameters, which OpenAPI 3.0 cannot state, are in the operations' descriptions:
``bbox`` minimum not above maximum; ``from`` not after ``to`` (default today); ``/nearest`` takes
exactly one origin (``lat`` and ``lon`` together, within reach of the country, ``place`` or ``pcode``).
"""

from __future__ import annotations

from functools import cache

from ..directory import clusters
from ..planning.analysis import LEVELS as COVERAGE_LEVELS
from ..planning.service import DATE_PATTERN, MAX_CAMPAIGN_DAYS, MAX_DATE, MIN_DATE
from ..planning.vocabulary import CHANNELS, RISK_KINDS, THEMES
from ..reference.query import LEVELS as ADMIN_LEVELS
from ..reference.query import TOWNS_DEFAULT_LIMIT, TOWNS_MAX_LIMIT
from ..referral import nearest
from ..referral.origin import COUNTRY_MARGIN_KM
from ..referral.origin import FALLBACK_REACH as REACH
from ..referral.params import ANY_SEX, LANGUAGE_VALUES
from ..taxonomy import CATEGORIES, NEEDS, SERVICE_STATUSES
from . import params as p
from . import schemas as s

ERROR = {"$ref": "#/components/responses/Error"}
# Free text: anything but a NUL byte (refused with 400, PostgreSQL cannot store it).
NO_NUL = "^[^\\u0000]*$"
# Not blank either (the value is stripped of surrounding white space).
NOT_BLANK = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
# Degrees in decimal notation within the ranges of WGS 84: the bbox's four numbers as parsed.
_LON = r"-?0*(180(\.0+)?|(1[0-7][0-9]|[0-9]{1,2})(\.[0-9]+)?)"
_LAT = r"-?0*(90(\.0+)?|[0-8]?[0-9](\.[0-9]+)?)"
BBOX = f"^{_LON},{_LAT},{_LON},{_LAT}$"


def _param(name: str, description: str, schema: dict, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


def _text(max_length: int, pattern: str = NO_NUL) -> dict:
    return {"type": "string", "maxLength": max_length, "pattern": pattern}


def _integer(minimum: int, maximum: int) -> dict:
    return {"type": "integer", "minimum": minimum, "maximum": maximum}


def _number(minimum: float, maximum: float) -> dict:
    return {"type": "number", "minimum": minimum, "maximum": maximum}


def _codes(name: str, description: str, vocabulary) -> dict:
    return _param(name, description + " Repeated or comma-separated.",
                  {"type": "array", "items": s.codes(vocabulary)})


def _limit(maximum: int, default: int) -> dict:
    return _param("limit", f"Maximum number of results (default {default}).", _integer(1, maximum))


DATE = {"type": "string", "format": "date", "pattern": DATE_PATTERN,
        "description": f"A date from {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}."}
PERIOD = [
    _param("from", "Start of the period (YYYY-MM-DD); not after `to`.", DATE),
    _param("to", "End of the period (YYYY-MM-DD); default today.", DATE),
]


def _get(summary: str, parameters: list[dict], schema: dict, content_type: str = "application/json",
         description: str | None = None, ambiguous: bool = False) -> dict:
    operation = {
        "summary": summary,
        "parameters": parameters,
        "responses": {
            "200": {"description": "OK", "content": {content_type: {"schema": schema}}},
            "400": ERROR,
            "404": ERROR,
        },
    }
    if ambiguous:
        operation["responses"]["300"] = {
            "description": "The place name is ambiguous: choose among the suggestions",
            "content": {"application/json": {"schema": s.AMBIGUOUS_PLACE}},
        }
    if description:
        operation["description"] = description
    return {"get": operation}


GEOJSON = "application/geo+json"


@cache
def api_paths(max_limit: int) -> dict:
    """The ``paths`` of the document; ``max_limit`` is the app's ``WEBMAP_API_MAX_LIMIT``."""
    from ..directory.query import DEFAULT_LIMIT as SERVICES_LIMIT
    from ..planning.service import DEFAULT_CAMPAIGN_LIMIT

    category = _codes("category", "Category code(s).", CATEGORIES)
    return {
        "/api/v1/services": _get(
            "Service locations as GeoJSON (confidential locations at town level for the public)",
            [
                _param("bbox", "minlon,minlat,maxlon,maxlat in decimal degrees (WGS 84); minimum not above "
                       "maximum.", {"type": "string", "pattern": BBOX}),
                category,
                _param("q", "Text in the name, town or organization; accents and case ignored.",
                       _text(p.TEXT_MAX_LENGTH)),
                _codes("status", "Status code(s); default active and planned (inactive left out).",
                       SERVICE_STATUSES),
                _limit(max_limit, min(SERVICES_LIMIT, max_limit)),
            ],
            s.feature_collection(s.SERVICE, s.PAGING),
            GEOJSON,
        ),
        "/api/v1/services/{service_id}": {
            "get": {
                "summary": "One service as a GeoJSON Feature",
                "parameters": [
                    {"name": "service_id", "in": "path", "required": True, "schema": s.UUID}
                ],
                "responses": {
                    "200": {"description": "Feature", "content": {GEOJSON: {"schema": s.SERVICE}}},
                    "301": {
                        "description": "The record was merged into another one: `Location` is the "
                                       "remaining record's address, `merged_into` its id.",
                        "headers": {"Location": {"schema": {"type": "string"}}},
                        "content": {"application/json": {"schema": s.MERGED}},
                    },
                    "404": ERROR,
                },
            }
        },
        "/api/v1/services/clusters": _get(
            "The map's services layer: the services of a view one by one, or clusters with counts",
            [
                _param("bbox", "minlon,minlat,maxlon,maxlat in decimal degrees (WGS 84); minimum not above "
                       "maximum.", {"type": "string", "pattern": BBOX}),
                _param("zoom", "The map's zoom level (Web Mercator, 256 px tiles).",
                       _integer(*clusters.ZOOM_RANGE), required=True),
                category,
                _codes("status", "Status code(s); default active and planned (inactive left out).",
                       SERVICE_STATUSES),
            ],
            s.map_services(clusters.ZOOM_RANGE),
            GEOJSON,
            description="A view holding at most the map's limit of services (`WEBMAP_MAP_POINTS_LIMIT`, "
            "default 1000) gets them as `/api/v1/services` gives them (`mode: services`). A fuller view "
            "gets one feature per cell of a grid of 360° / 2^(zoom + 2) (zoom 5 to 14; 64 px on the map) "
            "with `cluster: true`, `count` and `categories` (the count per category code), at the mean of the "
            "points counted "
            "(`mode: clusters`, `total` the sum of the counts, `cells.bbox` the area of the cells "
            "touched by the bbox, over which the counts add up). For the public a confidential location "
            "counts at its town's point, never at its exact position.",
        ),
        "/api/v1/admin-areas": _get(
            "Administrative boundaries as GeoJSON",
            [
                _param("level", "0 country, 1 région, 2 département, 3 sous-préfecture, or district.",
                       s.codes(ADMIN_LEVELS), required=True),
                _param("simplify", "Simplification tolerance in degrees.", _number(0.0, p.MAX_SIMPLIFY)),
                _param("parent", "Keep only the children of this P-code.", _text(p.PCODE_MAX_LENGTH)),
            ],
            s.feature_collection(s.ADMIN_AREA),
            GEOJSON,
        ),
        "/api/v1/places": _get(
            "Gazetteer search, accent- and case-insensitive, spelling-tolerant, ranked by match quality "
            "and population",
            [
                _param("q", "Place name.", _text(p.PLACE_QUERY_MAX_LENGTH, NOT_BLANK), required=True),
                _limit(p.PLACES_MAX_LIMIT, p.PLACES_DEFAULT_LIMIT),
            ],
            s.PLACES,
        ),
        "/api/v1/towns": _get(
            "The most populous gazetteer places, largest first, as GeoJSON points (map labels)",
            [
                _param("bbox", "minlon,minlat,maxlon,maxlat in decimal degrees (WGS 84); minimum not above "
                       "maximum.", {"type": "string", "pattern": BBOX}),
                _limit(TOWNS_MAX_LIMIT, TOWNS_DEFAULT_LIMIT),
            ],
            s.feature_collection(s.TOWN),
            GEOJSON,
        ),
        "/api/v1/nearest": _get(
            "The nearest eligible services to an origin, ranked by distance",
            [
                _param("lat", "Origin latitude (with `lon`).", _number(REACH[1], REACH[3])),
                _param("lon", "Origin longitude (with `lat`).", _number(REACH[0], REACH[2])),
                _param("place", "Origin as a gazetteer id or name.", _text(p.TEXT_MAX_LENGTH, NOT_BLANK)),
                _param("pcode", "Origin as an administrative P-code.", _text(p.PCODE_MAX_LENGTH, NOT_BLANK)),
                category,
                _codes("need", "Need(s) every result must offer.", NEEDS),
                _param("age", "Age of the child in years.", _integer(0, nearest.MAX_AGE)),
                _param("sex", "Sex of the child (`any`: either).",
                       {"type": "string", "enum": [*nearest.SEXES, ANY_SEX]}),
                _limit(nearest.MAX_LIMIT, nearest.DEFAULT_LIMIT),
                _param("max_km", "Search radius in kilometres.", _number(nearest.MIN_KM, nearest.MAX_KM)),
                _param("open_now", "`1`: only services open now by their recorded hours (Africa/Abidjan "
                       "time); a service whose hours are not recorded is left out.",
                       {"type": "string", "enum": ["0", "1", "true", "false"]}),
                _param("language", "Only services offered in this language: an ISO 639-3 code or a French "
                       "name (also read: English names, unaccented spellings). A group (`bété`, `sénoufo`) "
                       "finds its languages too.",
                       {"type": "string", "enum": list(LANGUAGE_VALUES)}),
            ],
            s.NEAREST,
            description="Exactly one origin: `lat` and `lon` together (a point in Côte d'Ivoire or within "
            f"{COUNTRY_MARGIN_KM:g} km of its borders), `place` or `pcode`. A `place` name that fits "
            "several places about as well (\"Korogo\": Korhogo or Korogola?) is not resolved silently: "
            "the answer is 300 with `detail.suggestions` (id, name, context, population), best first; "
            "repeat the search with `place=<id>` of the one meant. A name matching nothing well "
            "enough is 404 with suggestions. Each result carries `hours` (`text`, `words`, `status`: "
            "`always`, `open` or `closed` with its label and the next change, null when the hours are "
            "not recorded) and `languages` (French name, ISO 639-3 code). "
            "Every answer carries `fallback`: the directory's contacts "
            "for when nobody answers (the child helpline 116 first, then the national focal points); a "
            "result without a phone carries `ask_instead` (its organisation, the social centre of its "
            "region, or the helpline).",
            ambiguous=True,
        ),
        "/api/v1/offline": {
            "get": {
                "summary": "The public directory, gazetteer, boundaries and phrases in one versioned package, "
                "for the referral page offline",
                "description": "The same for every viewer: confidential locations at their town's point only. "
                "`version` is the ETag; send it back in `If-None-Match` and an unchanged package is 304. "
                "Tables are `{fields, rows}`. Compressed (brotli or gzip) as the client accepts.",
                "parameters": [],
                "responses": {
                    "200": {"description": "The package", "content": {"application/json": {"schema": s.OFFLINE}}},
                    "304": {"description": "Not modified: the client's version is current"},
                },
            }
        },
        "/api/v1/campaigns": _get(
            "Prevention campaigns as GeoJSON (demonstration campaigns flagged DÉMO)",
            [
                *PERIOD,
                _param("days", "Instead of from/to: the last N days.", _integer(1, MAX_CAMPAIGN_DAYS)),
                _codes("theme", "Campaign theme code(s).", THEMES),
                _codes("channel", "Campaign channel code(s).", CHANNELS),
                _param("demo", "Include (1, the default) or exclude (0) demonstration campaigns.",
                       {"type": "string", "enum": ["0", "1"]}),
                _limit(max_limit, min(DEFAULT_CAMPAIGN_LIMIT, max_limit)),
            ],
            s.campaigns(THEMES, CHANNELS),
            GEOJSON,
        ),
        "/api/v1/risk-zones": _get(
            "At-risk zones as GeoJSON, each with its criterion and source",
            [_codes("kind", "Zone kind code(s).", RISK_KINDS)],
            s.risk_zones(RISK_KINDS),
            GEOJSON,
        ),
        "/api/v1/coverage": _get(
            "Campaign coverage of at-risk zones per région or département for a period",
            [
                _param("level", "region or departement (the default).", s.codes(COVERAGE_LEVELS)),
                *PERIOD,
            ],
            s.coverage(COVERAGE_LEVELS),
        ),
    }


def openapi_document(version: str, max_limit: int) -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "webmap API",
            "version": version,
            "description": "Child-protection assistance structures in Côte d'Ivoire. Coordinates are WGS 84. "
            "Errors are JSON {error, detail}; a bad parameter is named in detail.parameter. A parameter "
            "given with an empty value is refused, except free text (empty text is no filter).",
        },
        "paths": api_paths(max_limit),
        "components": {
            "responses": {
                "Error": {"description": "Error", "content": {"application/json": {"schema": s.ERROR}}}
            }
        },
    }


@cache
def typed_parameters(path: str) -> frozenset[str]:
    """The query parameters of a documented path whose value must not be empty: every one but
    free text (numbers, codes, dates, the bbox, names that must not be blank)."""
    operation = api_paths(1).get(path, {}).get("get", {})
    return frozenset(
        param["name"]
        for param in operation.get("parameters", ())
        if param["in"] == "query" and param["schema"].get("pattern") != NO_NUL
    )
