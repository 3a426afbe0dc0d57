"""The OpenAPI document covers every /api/v1 route the app serves, and only those."""

from __future__ import annotations

import re


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
