"""The OpenAPI 3.1 document of the HSDS API (``/hsds/openapi.json``).

It follows the Open Referral API reference (``../shared/hsds/schema/openapi.json``): the same
paths, operation ids, parameter names and response schemas (the HSDS 3.0 compiled schemas and
the Page object), with what this server adds or leaves out said in each description. Bounds
come from the constants the parsers use.
"""

from __future__ import annotations

from .params import MAX_PROXIMITY_M, MAX_SEARCH_LENGTH
from .query import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE

SCHEMAS = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
PAGE = {
    "type": "object",
    "required": ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty",
                 "contents"],
    "properties": {
        "total_items": {"type": "integer", "description": "Number of objects matching the request."},
        "total_pages": {"type": "integer", "description": "Number of pages of `per_page` objects."},
        "page_number": {"type": "integer", "description": "This page's number, from 1."},
        "size": {"type": "integer", "description": "Number of objects in this page."},
        "first_page": {"type": "boolean"},
        "last_page": {"type": "boolean"},
        "empty": {"type": "boolean", "description": "This page holds no object."},
        "contents": {"type": "array"},
    },
}


def _query(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


BOOLEAN = {"type": "boolean"}
UUID = {"type": "string", "format": "uuid"}
PARAMETERS = {
    "search": _query("search", "Text in the name, town or organization (accents and case ignored).",
                     {"type": "string", "maxLength": MAX_SEARCH_LENGTH}),
    "page": _query("page", "Page number, from 1.", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
    "per_page": _query("per_page", f"Objects per page (default {DEFAULT_PER_PAGE}).",
                       {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}),
    "format": _query("format", "`json` (pages, the default) or `ndjson`: every matching object, one JSON "
                     "object a line, streamed without pages.", {"type": "string", "enum": ["json", "ndjson"]}),
    "taxonomy_term_id": _query("taxonomy_term_id", "Services with this term (a category or a need, see "
                               "/taxonomy_terms).", UUID),
    "taxonomy_id": _query("taxonomy_id", "Services with any term of this taxonomy.", UUID),
    "organization_id": _query("organization_id", "Services of this organization.", UUID),
    "modified_after": _query("modified_after", "Objects modified on or after this date or date-time (ISO 8601; "
                             "UTC when no offset is given).", {"type": "string", "format": "date-time"}),
    "full": _query("full", "Fully nested objects.", BOOLEAN),
    "full_service": _query("full_service", "An organization's services fully nested.", BOOLEAN),
    "minimal": _query("minimal", "Only each service's `id` and `last_modified`.", BOOLEAN),
    "postcode": _query("postcode", "Not supported: Côte d'Ivoire has no postal codes (400). Use `lat`, `lon` and "
                       "`proximity`.", {"type": "string"}),
    "proximity": _query("proximity", "Metres from the point `lat`, `lon` (all three together): the locations "
                        "within, nearest first. Confidential locations are at their town's point.",
                        {"type": "number", "minimum": 1, "maximum": MAX_PROXIMITY_M}),
    "lat": _query("lat", "Latitude (WGS 84) of the proximity search (an extension: the reference measures "
                  "from a postcode).", {"type": "number", "minimum": -90, "maximum": 90}),
    "lon": _query("lon", "Longitude (WGS 84) of the proximity search.", {"type": "number", "minimum": -180,
                                                                          "maximum": 180}),
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/parameters/{name}"}


def _id(what: str) -> list[dict]:
    return [{"in": "path", "name": "id", "required": True, "description": f"The {what}'s id.",
             "schema": {"type": "string"}}]


def _get(operation_id: str, summary: str, schema: dict, parameters: list[str] = (), paged: bool = False,
         path_parameters: list[dict] | None = None) -> dict:
    body = {"allOf": [{"$ref": "#/components/schemas/Page"}],
            "properties": {"contents": {"type": "array", "items": schema}}} if paged else schema
    content = {"application/json": {"schema": body}}
    if paged:
        content["application/x-ndjson"] = {"schema": schema, "description": "with format=ndjson"}
    operation = {
        "operationId": operation_id, "summary": summary, "parameters": [_ref(p) for p in parameters],
        "responses": {
            "200": {"description": summary, "content": content},
            "400": {"$ref": "#/components/responses/Error"},
            "404": {"$ref": "#/components/responses/Error"},
        },
    }
    path = {"get": operation}
    if path_parameters:
        path["parameters"] = path_parameters
    return path


def _merged(path: dict) -> dict:
    """A record merged into another answers 301 with the remaining record's address."""
    path["get"]["responses"]["301"] = {
        "description": "The record was merged into another one: `Location` is that record's address, "
                       "`merged_into` its id.",
        "headers": {"Location": {"schema": {"type": "string"}}},
        "content": {"application/json": {"schema": {
            "type": "object", "required": ["error", "merged_into"],
            "properties": {"error": {"type": "string", "enum": ["merged"]}, "merged_into": {"type": "string"},
                           "detail": {"type": "object"}}}}},
    }
    return path


def _compiled(name: str) -> dict:
    return {"$ref": f"{SCHEMAS}compiled/{name}.json"}


LISTING = ["search", "page", "per_page", "format"]


def hsds_document(base_url: str) -> dict:
    """The document; ``base_url``: where ``/hsds`` is served (its ``servers`` entry)."""
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "webmap — API HSDS 3.0 (Open Referral)",
            "version": "1.0.0",
            "summary": "Child-protection services in Côte d'Ivoire as Open Referral HSDS 3.0 objects.",
            "description": (
                "Public reads, no key, `Access-Control-Allow-Origin: *`. Published: the active and planned "
                "services at a location (planned ones with status `inactive` and a note), their organizations "
                "and two taxonomies (categories, needs). Confidential locations (shelters) are always given at "
                "their town's point, without address, with a note saying so in the location's description, "
                "whoever asks. An organization without a description gets one built from what is published "
                "(the kinds of its structures and their towns). `postal_code` is empty: Côte d'Ivoire has no "
                "postal codes. Errors are JSON `{\"error\": ..., \"detail\": ...}` with status 400 or 404."
            ),
            "license": {"name": "See the sources named in each record; boundaries CC BY-IGO, places CC BY 4.0",
                        "identifier": "CC-BY-4.0"},
        },
        "servers": [{"url": base_url}],
        "paths": {
            "/": _get("getAPIMetaInformation", "This API and its relation to HSDS", {
                "type": "object", "required": ["version", "profile", "openapi_url"],
                "properties": {"version": {"type": "string"}, "profile": {"type": "string", "format": "uri"},
                               "openapi_url": {"type": "string", "format": "uri"},
                               "publisher": {"type": "object"}}}),
            "/services": _get("getPaginatedListOfServices", "Pages of services with their organization",
                              _compiled("service_list"), LISTING + ["taxonomy_term_id", "taxonomy_id",
                                                                    "organization_id", "modified_after", "minimal",
                                                                    "full"], paged=True),
            "/services/{id}": _merged(_get("getFullyNestedServiceById", "A fully nested service",
                                           _compiled("service"), path_parameters=_id("service"))),
            "/service_at_locations": _get(
                "getPaginatedListOfServiceAtLocation", "Pages of services at locations", _compiled(
                    "service_at_location_list"), LISTING + ["taxonomy_term_id", "taxonomy_id", "organization_id",
                                                            "modified_after", "full", "postcode", "proximity",
                                                            "lat", "lon"], paged=True),
            "/service_at_locations/{id}": _get(
                "getServiceAtLocationWithNestedDataById", "A service at a location, nested",
                _compiled("service_at_location"), path_parameters=_id("service_at_location")),
            "/organizations": _get("getPaginatedListOfOrganizations", "Pages of organizations",
                                   _compiled("organization_list"), LISTING + ["modified_after", "full",
                                                                              "full_service"], paged=True),
            "/organizations/{id}": _get("getOrganizationById", "An organization with its services",
                                        _compiled("organization"), ["full_service"],
                                        path_parameters=_id("organization")),
            "/taxonomies": _get("getPaginatedListOfTaxonomies", "Pages of taxonomies",
                                {"$ref": f"{SCHEMAS}taxonomy.json"}, LISTING, paged=True),
            "/taxonomies/{id}": _get("getTaxonomyById", "A taxonomy", {"$ref": f"{SCHEMAS}taxonomy.json"},
                                     path_parameters=_id("taxonomy")),
            "/taxonomy_terms": _get("getPaginatedListOfTaxonomyTerms", "Pages of taxonomy terms",
                                    {"$ref": f"{SCHEMAS}taxonomy_term.json"}, LISTING + ["taxonomy_id"],
                                    paged=True),
            "/taxonomy_terms/{id}": _get("getTaxonomyTermById", "A taxonomy term",
                                         {"$ref": f"{SCHEMAS}taxonomy_term.json"},
                                         path_parameters=_id("taxonomy term")),
        },
        "components": {
            "schemas": {"Page": PAGE},
            "parameters": PARAMETERS,
            "responses": {"Error": {"description": "Bad parameter or unknown id", "content": {"application/json": {
                "schema": {"type": "object", "required": ["error"],
                           "properties": {"error": {"type": "string"}, "detail": {}}}}}}},
        },
    }
