"""The OpenAPI document covers every /api/v1 route the app serves, and only those, and the API
enforces what it declares (see also ``test_api_contract.py``, the property-based client)."""

from __future__ import annotations

import re

from webmap.api.openapi import NO_NUL
from webmap.referral.nearest import MAX_AGE, MAX_KM, MAX_LIMIT, MIN_KM


def _documented(client) -> set[str]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.")
    return set(document["paths"])


def test_every_api_route_is_documented(app, client):
    served = {
        re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
    }
    documented = _documented(client)
    assert served - documented == set(), "routes missing from /openapi.json"


def test_documented_paths_exist(app, client):
    served = {
        re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule) for rule in app.url_map.iter_rules()
    }
    assert _documented(client) - served == set(), "documented paths the app does not serve"


def _query_parameters(client):
    document = client.get("/openapi.json").get_json()
    for path, item in document["paths"].items():
        for param in item["get"]["parameters"]:
            if param["in"] == "query":
                yield path, param


def test_typed_parameters_given_empty_are_refused(client):
    typed = [(path, p["name"]) for path, p in _query_parameters(client) if p["schema"].get("pattern") != NO_NUL]
    assert ("/api/v1/services", "limit") in typed and ("/api/v1/campaigns", "demo") in typed
    for path, name in typed:
        response = client.get(path, query_string={name: ""})
        assert response.status_code == 400, (path, name)
        assert response.get_json()["detail"]["parameter"] == name, (path, name)


def test_empty_free_text_is_no_filter(client):
    free = [(path, p["name"]) for path, p in _query_parameters(client) if p["schema"].get("pattern") == NO_NUL]
    assert ("/api/v1/services", "q") in free
    for path, name in free:
        query = {"level": "1"} if path == "/api/v1/admin-areas" else {}
        assert client.get(path, query_string={**query, name: ""}).status_code == 200, (path, name)


def test_the_pages_still_take_empty_fields(client):
    # The referral form sends its empty fields; only the API is strict.
    response = client.get("/referral?place=&coords=&age=&sex=&max_km=&limit=5&lat=7.69&lon=-5.03")
    assert response.status_code == 200


def test_a_nul_byte_is_refused_not_a_server_error(client):
    for url, name in (
        ("/api/v1/places?q=Bouak%00", "q"),
        ("/api/v1/services?q=a%00b", "q"),
        ("/api/v1/nearest?place=Man%00", "place"),
        ("/api/v1/admin-areas?level=1&parent=CI%00", "parent"),
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert response.get_json()["detail"]["parameter"] == name, url


def test_an_undeclared_method_is_answered_405_with_allow(client):
    response = client.post("/api/v1/services")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert response.get_json()["error"] == "method not allowed"


def test_the_bounds_are_the_parsers(client):
    document = client.get("/openapi.json").get_json()
    nearest = {p["name"]: p["schema"] for p in document["paths"]["/api/v1/nearest"]["get"]["parameters"]}
    assert (nearest["max_km"]["minimum"], nearest["max_km"]["maximum"]) == (MIN_KM, MAX_KM)
    assert nearest["limit"]["maximum"] == MAX_LIMIT and nearest["age"]["maximum"] == MAX_AGE
    # What the document allows, the API takes; one step beyond, it refuses and names the parameter.
    base = "/api/v1/nearest?lat=7.69&lon=-5.03"
    assert client.get(f"{base}&max_km={MAX_KM}&age={MAX_AGE}&limit={MAX_LIMIT}").status_code == 200
    for name, value in (("max_km", MAX_KM + 1), ("max_km", MIN_KM / 2), ("age", MAX_AGE + 1), ("limit", 0)):
        response = client.get(f"{base}&{name}={value}")
        assert response.status_code == 400 and response.get_json()["detail"]["parameter"] == name
