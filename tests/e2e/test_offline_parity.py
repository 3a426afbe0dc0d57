"""The search offline gives the server's answer: 300 random searches (seeded) over a synthetic
directory, run by the server (webmap.referral) and by the browser (webmap/static/offline/search.js
in Chromium, over the package the server builds of the same data): the same ids in the same
order, distances within 0.1 km, the same road estimates, whom to ask instead for a result without
a phone, and the same questions and suggestions for typed names."""

from __future__ import annotations

import json
import random
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

from webmap.errors import WebmapError
from webmap.models import Location, ServiceAtLocation
from webmap.offline import package
from webmap.offline.messages import catalogues
from webmap.referral import fallback, nearest
from webmap.taxonomy import CATEGORIES, NEEDS

pytestmark = pytest.mark.e2e

SEED = 20261204
CASES = 300
SERVICES = 400


def _directory(db_session, make, rng: random.Random, places: list) -> None:
    """Synthetic services (labelled as such) around random gazetteer places: every category, need
    subsets, age bounds and sexes known or not, some full, some confidential, some at two places."""
    organization = make.organization("Organisation synthétique (test de parité)")
    for i in range(SERVICES):
        place = rng.choice(places)
        lon, lat = place.lon + rng.uniform(-0.3, 0.3), place.lat + rng.uniform(-0.3, 0.3)
        low = rng.choice([None, 0, 5, 10, 12])
        high = rng.choice([None, 14, 17, 18, 25])
        if low is not None and high is not None and low > high:
            low, high = high, low
        confidential = rng.random() < 0.1
        service = make.service(
            f"Service synthétique {i:03d}", category=rng.choice(list(CATEGORIES)), lon=lon, lat=lat,
            organization=organization, needs=rng.sample(list(NEEDS), rng.randint(0, 3)),
            minimum_age=low, maximum_age=high, sexes=rng.choice([None, "all", "female", "male"]),
            status=rng.choice(["active"] * 8 + ["planned", "inactive"]),
            capacity_available=rng.choice([None, None, 0, 3]),
            phones=rng.choice([(), (f"27 20 00 00 {i % 100:02d}",)]),
            location={"confidential": confidential, "town": place.name, "place_id": place.id,
                      "public_contact": "Point de contact synthétique" if confidential else None},
        )
        if rng.random() < 0.1:
            other = rng.choice(places)
            second = make.location(lon=other.lon + 0.05, lat=other.lat - 0.05, organization_id=organization.id,
                                   town=other.name, place_id=other.id)
            db_session.add(ServiceAtLocation(service=service, location=second))
    db_session.flush()
    assert db_session.query(Location).count() > SERVICES


def _typo(rng: random.Random, name: str) -> str:
    letters = list(name.lower())
    if len(letters) > 5 and rng.random() < 0.5:
        del letters[rng.randrange(1, len(letters) - 1)]
    return "".join(letters)


def _cases(rng: random.Random, places: list) -> list[dict]:
    cases = []
    for _ in range(CASES):
        params: list[tuple[str, str]] = []
        kind = rng.random()
        place = rng.choice(places)
        if kind < 0.5:
            params.append(("place", str(place.id)))
        elif kind < 0.8:
            params += [("lat", f"{place.lat + rng.uniform(-0.1, 0.1):.5f}"),
                       ("lon", f"{place.lon + rng.uniform(-0.1, 0.1):.5f}")]
        else:
            params.append(("place", _typo(rng, place.name)))
        params += [("need", need) for need in rng.sample(list(NEEDS), rng.choice([0, 0, 1, 1, 2]))]
        if rng.random() < 0.3:
            params.append(("category", rng.choice(list(CATEGORIES))))
        if rng.random() < 0.5:
            params.append(("age", str(rng.randint(0, 25))))
        if rng.random() < 0.3:
            params.append(("sex", rng.choice(["female", "male"])))
        params.append(("limit", str(rng.choice([3, 5, 10, 20]))))
        if rng.random() < 0.2:
            params.append(("max_km", str(rng.choice([10, 25, 50, 100]))))
        cases.append({"query": urlencode(params), "params": params})
    return cases


def _server(db_session, case: dict) -> dict:
    from werkzeug.datastructures import MultiDict

    from webmap.referral.params import parse_criteria, parse_page_origin

    args = MultiDict(case["params"])
    try:
        criteria = parse_criteria(args)
        origin = nearest.resolve_origin(db_session, **parse_page_origin(args).__dict__)
    except WebmapError as exc:
        suggestions = (exc.detail or {}).get("suggestions", []) if isinstance(exc.detail, dict) else []
        return {"error": type(exc).__name__, "suggestions": [s.get("id", s.get("pcode")) for s in suggestions]}
    result = nearest.find_nearest(db_session, origin, criteria)
    connection = db_session.connection().connection.driver_connection
    fallback.ask_instead(connection, result.results, fallback.fallback_contacts(connection))
    return {"ids": [r["id"] for r in result.results], "km": [r["distance_km"] for r in result.results],
            "ask": [r["ask_instead"] for r in result.results], "full": [r["full"] for r in result.results],
            "masked": [r["masked"] for r in result.results],
            "road": [r["road_km_estimate"] for r in result.results], "origin": [origin.lat, origin.lon],
            "hint": (result.hint or {}).get("max_km")}


BROWSER = """([pkg, queries]) => {
    const idx = WebmapSearch.index(pkg);
    return queries.map(q => {
        const a = WebmapSearch.run(idx, new URLSearchParams(q), "en");
        if (a.error) return {error: a.error.question ? "AmbiguousOrigin" : a.error.parameter,
                             suggestions: a.error.suggestions.map(s => s.id !== undefined ? s.id : s.pcode)};
        return {ids: a.results.map(r => r.id), km: a.results.map(r => r.distance_km),
                ask: a.results.map(r => r.ask_instead), full: a.results.map(r => r.full),
                masked: a.results.map(r => r.masked),
                road: a.results.map(r => r.road_km_estimate), origin: [a.origin.lat, a.origin.lon],
                hint: a.hint ? a.hint.max_km : null};
    });
}"""

ERRORS = {"AmbiguousOrigin": "AmbiguousOrigin", "UnknownOrigin": "place", "BadParameter": None}


def test_the_browser_search_gives_the_servers_answer(app, db_session, make, live_server, page):
    rng = random.Random(SEED)
    places = db_session.execute(text(
        "SELECT id, name, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM place WHERE population >= 2000 ORDER BY id"
    )).all()
    _directory(db_session, make, rng, places)
    cases = _cases(rng, places)
    with app.test_request_context("/?lang=en"):
        connection = db_session.connection().connection.driver_connection
        document = package.build(db_session, connection, catalogues())
        expected = [_server(db_session, case) for case in cases]
    document = json.loads(json.dumps(document))

    page.goto(live_server + "/referral")
    page.wait_for_function("() => window.WebmapSearch !== undefined", timeout=20_000)
    found = page.evaluate(BROWSER, [document, [case["query"] for case in cases]])

    differences = []
    answered = 0
    for case, server, browser in zip(cases, expected, found, strict=True):
        if "error" in server:
            kind = ERRORS[server["error"]]
            same = "error" in browser and (kind is None or browser["error"] == kind) and (
                server["suggestions"] == browser["suggestions"])
        else:
            answered += bool(server["ids"])
            same = ("ids" in browser and server["ids"] == browser["ids"] and server["road"] == browser["road"]
                    and all(abs(a - b) <= 0.1 for a, b in zip(server["km"], browser["km"], strict=True))
                    and server["hint"] == browser["hint"] and server["ask"] == browser["ask"]
                    and server["full"] == browser["full"] and server["masked"] == browser["masked"])
        if not same:
            differences.append((case["query"], server, browser))
    assert answered > CASES / 2  # most searches find something: the comparison is not of empty lists
    assert not differences, f"{len(differences)} of {CASES} differ, e.g.:\n" + "\n".join(map(str, differences[:5]))
