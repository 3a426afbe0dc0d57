"""JSON Schemas of the /api/v1 answers, for /openapi.json (OpenAPI 3.0: ``nullable`` marks ``null``).

Each schema names the fields clients rely on, with their types; answers may carry more fields.
``tests/test_api_contract.py`` checks every answer against them.
"""

from __future__ import annotations

from ..reference.matching import MATCH_KINDS
from ..taxonomy import CATEGORIES, LOCATION_PRECISIONS, NEEDS, SERVICE_STATUSES, VERIFICATION_STATUSES


def _nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


def _object(required: dict[str, dict], optional: dict[str, dict] | None = None) -> dict:
    return {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
    }


STRING = {"type": "string"}
NUMBER = {"type": "number"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
UUID = {"type": "string", "format": "uuid"}
STRINGS = {"type": "array", "items": STRING}


def codes(vocabulary) -> dict:
    return {"type": "string", "enum": [str(code) for code in vocabulary]}


POSITION = {"type": "array", "items": NUMBER, "minItems": 2, "maxItems": 3}
POINT = _object({"type": {"type": "string", "enum": ["Point"]}, "coordinates": POSITION})
GEOMETRY = _object(
    {
        "type": {"type": "string", "enum": ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                                            "MultiPolygon"]},
        "coordinates": {"type": "array"},
    }
)


def feature(properties: dict, geometry: dict = GEOMETRY, id_schema: dict = STRING) -> dict:
    return _object(
        {
            "type": {"type": "string", "enum": ["Feature"]},
            "geometry": _nullable(geometry),
            "properties": properties,
        },
        {"id": id_schema},
    )


def feature_collection(item: dict, extra: dict | None = None) -> dict:
    return _object(
        {"type": {"type": "string", "enum": ["FeatureCollection"]}, "features": {"type": "array", "items": item}},
        extra,
    )


PAGING = {"numberReturned": INTEGER, "truncated": BOOLEAN}

SERVICE = feature(
    _object(
        {
            "id": UUID,
            "location_id": UUID,
            "name": STRING,
            "category": codes(CATEGORIES),
            "status": codes(SERVICE_STATUSES),
            "verification": codes(VERIFICATION_STATUSES),
            "precision": codes(LOCATION_PRECISIONS),
            "confidential": BOOLEAN,
            "masked": BOOLEAN,
            "needs": {"type": "array", "items": codes(NEEDS)},
            "phones": STRINGS,
        },
        {
            "organization": _nullable(STRING),
            "town": _nullable(STRING),
            "address": _nullable(STRING),
            "adm1_pcode": _nullable(STRING),
            "adm2_pcode": _nullable(STRING),
            "email": _nullable(STRING),
            "public_contact": _nullable(STRING),
            "assured_date": _nullable(DATE),
            "stale": BOOLEAN,
            "minimum_age": _nullable(INTEGER),
            "maximum_age": _nullable(INTEGER),
            "source": _nullable(STRING),
            # Opening hours as people write them ("lun-ven 08:00-17:00; sam 08:00-12:00"), null
            # when not known; languages by French name.
            "hours": _nullable(STRING),
            "languages": STRINGS,
        },
    ),
    POINT,
    UUID,
)

# A cluster of the map's services layer (/api/v1/services/clusters): the services of one grid cell.
CLUSTER = feature(
    _object(
        {
            "cluster": {"type": "boolean", "enum": [True]},
            "count": {"type": "integer", "minimum": 1},
            "categories": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1}},
        }
    ),
    POINT,
)


def map_services(zoom_range: tuple[int, int]) -> dict:
    return feature_collection(
        {"anyOf": [SERVICE, CLUSTER]},
        {
            "mode": {"type": "string", "enum": ["services", "clusters"]},
            "zoom": {"type": "integer", "minimum": zoom_range[0], "maximum": zoom_range[1]},
            "total": INTEGER,
            **PAGING,
        },
    )


ADMIN_AREA = feature(
    _object(
        {"pcode": STRING, "name": STRING, "level": STRING},
        {"parent_pcode": _nullable(STRING), "population_2014": _nullable(INTEGER)},
    )
)

TOWN = feature(_object({"id": INTEGER, "name": STRING}, {"population": _nullable(INTEGER)}), POINT, INTEGER)

PLACES = _object(
    {
        "query": STRING,
        "results": {
            "type": "array",
            "items": _object(
                {
                    "id": INTEGER, "name": STRING, "lat": NUMBER, "lon": NUMBER,
                    "match": {"type": "string", "enum": list(MATCH_KINDS)},
                    "quality": {"type": "number", "minimum": 0, "maximum": 1},
                    "score": NUMBER,
                },
                {
                    "population": _nullable(INTEGER),
                    "context": _nullable(STRING),
                    **{key: _nullable(STRING) for key in (
                        "adm1_pcode", "adm2_pcode", "adm3_pcode", "district", "region", "departement",
                        "sous_prefecture",
                    )},
                },
            ),
        },
    }
)

CONTACT_PHONES = {"type": "array", "items": STRING}

# "If nobody answers": the directory's fallback contacts (webmap/referral/fallback.py).
FALLBACK_CONTACT = _object(
    {"id": UUID, "name": STRING, "category": codes(CATEGORIES), "phones": CONTACT_PHONES},
    {
        "alternate_name": _nullable(STRING),
        "email": _nullable(STRING),
        "website": _nullable(STRING),
        "town": _nullable(STRING),
        "address": _nullable(STRING),
    },
)

# For a result without a phone: whom to ask instead.
ASK_INSTEAD = _nullable(
    _object(
        {
            "kind": {"type": "string", "enum": ["organization", "social_centre", "helpline"]},
            "name": STRING,
            "phones": CONTACT_PHONES,
        },
        {"email": _nullable(STRING)},
    )
)

# Opening hours of a result (webmap/directory/schedules.py): status null when not recorded.
HOURS = _object(
    {
        "text": _nullable(STRING),
        "words": STRING,
        "known": BOOLEAN,
        "status": _nullable(_object(
            {"code": {"type": "string", "enum": ["always", "open", "closed"]}, "label": STRING},
            {"closes_at": _nullable(STRING), "opens_at": _nullable(STRING)},
        )),
        "schedules": {"type": "array", "items": _object(
            {"byday": STRING, "opens_at": STRING, "closes_at": STRING}
        )},
    }
)
LANGUAGES = {"type": "array", "items": _object({"name": STRING, "code": _nullable(STRING)})}

NEAREST = _object(
    {
        "origin": _object({"kind": STRING, "lat": NUMBER, "lon": NUMBER}),
        "criteria": _object(
            {
                "category": {"type": "array", "items": codes(CATEGORIES)},
                "need": {"type": "array", "items": codes(NEEDS)},
                "age": _nullable(INTEGER),
                "sex": _nullable(STRING),
                "limit": INTEGER,
                "max_km": _nullable(NUMBER),
            },
            {"open_now": BOOLEAN, "language": _nullable(STRING), "at": STRING},
        ),
        "count": INTEGER,
        "results": {
            "type": "array",
            "items": _object(
                {
                    "rank": INTEGER,
                    "id": UUID,
                    "name": STRING,
                    "category": codes(CATEGORIES),
                    "distance_km": NUMBER,
                    "lat": NUMBER,
                    "lon": NUMBER,
                    "masked": BOOLEAN,
                },
                {
                    "needs": {"type": "array", "items": codes(NEEDS)},
                    "town": _nullable(STRING),
                    "phones": STRINGS,
                    "road_km_estimate": NUMBER,
                    "travel_minutes_estimate": NUMBER,
                    "minimum_age": _nullable(INTEGER),
                    "maximum_age": _nullable(INTEGER),
                    "ask_instead": ASK_INSTEAD,
                    "hours": HOURS,
                    "languages": LANGUAGES,
                },
            ),
        },
        "fallback": {"type": "array", "items": FALLBACK_CONTACT},
    },
    {"message": _nullable(STRING), "hint": _nullable({"type": "object"})},
)


def campaigns(themes, channels) -> dict:
    return feature_collection(
        feature(
            _object(
                {
                    "id": UUID,
                    "name": STRING,
                    "theme": codes(themes),
                    "channel": codes(channels),
                    "start_date": DATE,
                    "end_date": DATE,
                    "is_demo": BOOLEAN,
                },
                {
                    "organization": _nullable(STRING),
                    "people_reached": _nullable(INTEGER),
                    "area_pcodes": STRINGS,
                    "source": _nullable(STRING),
                    "demo_label": _nullable(STRING),
                    "recency": NUMBER,
                },
            ),
            id_schema=UUID,
        ),
        {
            "period": _nullable(_object({"from": DATE, "to": DATE})),
            **PAGING,
            "demo": BOOLEAN,
        },
    )


def risk_zones(kinds) -> dict:
    return feature_collection(
        feature(
            _object(
                {"id": UUID, "name": STRING, "kind": codes(kinds), "level": INTEGER, "criterion": STRING,
                 "source": STRING, "date": DATE},
                {"admin_pcode": _nullable(STRING), "notes": _nullable(STRING), "is_reference": BOOLEAN},
            ),
            id_schema=UUID,
        )
    )


def coverage(levels) -> dict:
    share = _nullable(NUMBER)
    return _object(
        {
            "level": codes(levels),
            "period": _object({"from": DATE, "to": DATE}),
            "rows": {
                "type": "array",
                "items": _object(
                    {"pcode": STRING, "name": STRING, "campaigns": INTEGER, "risk_zones": INTEGER,
                     "risk_area_km2": NUMBER, "covered_km2": NUMBER, "covered_share": share},
                    {"parent": _nullable(STRING), "population_2014": _nullable(INTEGER),
                     "people_reached": INTEGER, "reached_per_1000": share, "shelter_km": share,
                     "social_centre_km": share},
                ),
            },
            "totals": {"type": "object"},
        },
        {"campaigns": INTEGER, "demo_campaigns": INTEGER},
    )


ERROR = _object({"error": STRING, "detail": {}})

# A record merged into another one (0013_dedupe): 301 to the remaining record's address.
MERGED = _object({"error": {"type": "string", "enum": ["merged"]}, "merged_into": UUID,
                  "detail": _object({"merged_into": UUID})})

PLACE_SUGGESTION = _object(
    {"id": INTEGER, "name": STRING},
    {
        "context": _nullable(STRING),
        "population": _nullable(INTEGER),
        "departement": _nullable(STRING),
        "region": _nullable(STRING),
    },
)

# 300: the typed place name fits several places about as well; the caller asks which one.
AMBIGUOUS_PLACE = _object(
    {
        "error": STRING,
        "detail": _object(
            {
                "parameter": {"type": "string", "enum": ["place"]},
                "message": STRING,
                "suggestions": {"type": "array", "minItems": 2, "items": PLACE_SUGGESTION},
            }
        ),
    }
)

# The offline package (webmap/offline/package.py): tables as field names and rows of values.
_TABLE = _object({"fields": STRINGS, "rows": {"type": "array", "items": {"type": "array"}}})
OFFLINE = _object(
    {
        "version": STRING,
        "generated_at": {"type": "string", "format": "date-time"},
        "format": INTEGER,
        "services": _object({"fields": STRINGS, "location_fields": STRINGS,
                             "rows": {"type": "array", "items": {"type": "array"}}}),
        "fallback": {"type": "array", "items": FALLBACK_CONTACT},
        "places": _object({"fields": STRINGS, "rows": {"type": "array", "items": {"type": "array"}},
                           "names": STRINGS}),
        "aliases": {"type": "array", "items": {"type": "array"}},
        "boundaries": _object({"country": {"type": "object"}, "regions": {"type": "object"}}),
        "rules": {"type": "object"},
        "messages": {"type": "object"},
    },
    {"reach": _nullable({"type": "object"})},
)
