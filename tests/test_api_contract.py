"""/openapi.json is the contract of /api/v1: a property-based client (Schemathesis) holds the app to it.

Against the app serving on a local port (``live_server``, the test database's committed data),
every operation of the document gets Schemathesis' generated requests, valid and invalid, with
all its checks: no server error, every answer in its documented status, content type and schema,
every valid request accepted, every invalid one rejected, undeclared methods answered 405 with
``Allow``. Bounded and reproducible: a fixed number of examples per operation, a fixed seed, no
Hypothesis example database.
"""

from __future__ import annotations

import datetime as dt
from importlib.metadata import version

import requests
import schemathesis
from hypothesis import HealthCheck, assume, seed, settings
from sqlalchemy.orm import Session

from webmap.api.openapi import openapi_document
from webmap.config import from_env
from webmap.referral.origin import within_reach

EXAMPLES_PER_OPERATION = 30
SEED = 20261204

# The document the app serves, built without an app (``test_the_served_document_is_the_one_tested``
# checks they are the same), so that the operations are known when pytest collects this module.
schema = schemathesis.openapi.from_dict(openapi_document(version("webmap"), from_env()["WEBMAP_API_MAX_LIMIT"]))


def test_the_served_document_is_the_one_tested(live_server):
    assert requests.get(f"{live_server}/openapi.json", timeout=10).json() == schema.raw_schema


# Where a generated /nearest request gives half a point, the other half (the centre of the country).
CENTRE = {"lat": 7.54, "lon": -5.55}


def follow_the_rules_across_parameters(session: Session, path: str, query: dict) -> bool:
    """Bring a valid request under the rules OpenAPI 3.0 cannot state (in the document's
    descriptions), or say False when it cannot be: then it is no valid request at all."""
    if path in ("/api/v1/services", "/api/v1/services/clusters", "/api/v1/towns") and "bbox" in query:
        minlon, minlat, maxlon, maxlat = (float(v) for v in query["bbox"].split(","))
        return minlon <= maxlon and minlat <= maxlat
    if path in ("/api/v1/campaigns", "/api/v1/coverage") and "from" in query:
        return query["from"] <= query.get("to", dt.date.today().isoformat())
    if path == "/api/v1/nearest":
        # Exactly one origin: a point (lat with lon) first, else a place, else a P-code.
        if "lat" in query or "lon" in query:
            for name in ("place", "pcode"):
                query.pop(name, None)
            for name, value in CENTRE.items():
                query.setdefault(name, value)
            return within_reach(session, float(query["lat"]), float(query["lon"]))
        if "place" in query:
            query.pop("pcode", None)
        return "place" in query or "pcode" in query
    return True


@schema.parametrize()
@seed(SEED)
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_keeps_its_documented_contract(case, live_server, engine):
    if case.meta.generation.mode.is_positive:
        with Session(engine) as session:
            assume(follow_the_rules_across_parameters(session, case.path, case.query or {}))
    case.call_and_validate(base_url=live_server)


# What the run found in the code as it was, replayed as plain requests.


def test_a_period_ending_in_the_first_year_is_no_server_error(client):
    response = client.get("/api/v1/coverage?to=0001-01-02")
    assert response.status_code == 400 and response.get_json()["detail"]["parameter"] == "to"
    response = client.get("/api/v1/coverage?to=1900-01-02")
    assert response.status_code == 200
    assert response.get_json()["period"]["to"] == "1900-01-02"  # and a default start a year before


def test_a_date_is_written_yyyy_mm_dd(client):
    assert client.get("/api/v1/coverage?to=20260101").status_code == 400
    assert client.get("/api/v1/campaigns?from=2026-01-01&to=2026-02-01").status_code == 200
