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


def breaks_a_rule_across_parameters(session: Session, path: str, query: dict) -> bool:
    """The rules OpenAPI 3.0 cannot state, given in the document's descriptions: a request that
    breaks one is not valid, however valid each of its parameters is."""
    if path == "/api/v1/services" and "bbox" in query:
        minlon, minlat, maxlon, maxlat = (float(v) for v in query["bbox"].split(","))
        return minlon > maxlon or minlat > maxlat
    if path in ("/api/v1/campaigns", "/api/v1/coverage") and "from" in query:
        return query["from"] > query.get("to", dt.date.today().isoformat())
    if path == "/api/v1/nearest":
        origins = [("lat" in query) or ("lon" in query), "place" in query, "pcode" in query]
        if sum(origins) != 1 or ("lat" in query) != ("lon" in query):
            return True
        return "lat" in query and not within_reach(session, float(query["lat"]), float(query["lon"]))
    return False


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
            assume(not breaks_a_rule_across_parameters(session, case.path, case.query or {}))
    case.call_and_validate(base_url=live_server)
