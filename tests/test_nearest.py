"""The nearest-service search: known answers on the seed directory, every eligibility rule on
factory-made services, masking, ranking against a brute-force answer, words, and bad input.

Real PostGIS (the loaded test database); each test's records are rolled back.
"""

from __future__ import annotations

import json
import math
import random

import pytest
from geoalchemy2 import Geography
from sqlalchemy import cast, func, select, text

from webmap.directory.visibility import PUBLIC, Viewer, displayed_geom, town_place
from webmap.models import Location, Place, Service, ServiceAtLocation
from webmap.referral import nearest
from webmap.referral.nearest import Criteria, Origin

STAFF = Viewer(can_see_confidential=True)

# An empty spot in the centre-east (no seed structure within ~90 km), for factory services.
SPOT = (8.30, -4.30)  # lat, lon
KM_PER_DEG_LAT = 110.6


def _get(client, query: str, status: int = 200) -> dict:
    response = client.get("/api/v1/nearest?" + query)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    return response.get_json()


def _error(client, query: str, status: int, parameter: str) -> dict:
    body = _get(client, query, status)
    assert set(body) == {"error", "detail"}
    assert body["detail"]["parameter"] == parameter
    assert body["detail"]["message"]
    return body


def _near(km_north: float = 0.0, km_east: float = 0.0, origin=SPOT) -> tuple[float, float]:
    """(lon, lat) about ``km_north`` / ``km_east`` from ``origin``."""
    lat = origin[0] + km_north / KM_PER_DEG_LAT
    lon = origin[1] + km_east / (111.32 * math.cos(math.radians(origin[0])))
    return lon, lat


def _service(make, name: str, km_north: float = 0.0, km_east: float = 0.0, **fields):
    lon, lat = _near(km_north, km_east)
    fields.setdefault("category", "health")
    fields.setdefault("needs", ["medical"])
    return make.service(name=name, lon=lon, lat=lat, **fields)


def _names(body: dict) -> list[str]:
    return [r["name"] for r in body["results"]]


SPOT_QUERY = f"lat={SPOT[0]}&lon={SPOT[1]}&max_km=30"


# --- known answers on the seed directory ------------------------------------------------------


def test_soubre_shelter_for_a_12_year_old_lists_the_soubre_chpm_first(client):
    body = _get(client, "place=Soubré&need=shelter&age=12")
    assert body["origin"]["name"] == "Soubré" and body["origin"]["kind"] == "place"
    first = body["results"][0]
    assert first["category"] == "chpm"
    assert "Soubré" in first["name"] and first["town"] == "Soubré"
    assert first["distance_km"] < 5
    assert first["masked"] is True  # anonymous: a confidential centre, shown at its town
    # The next ones are the other CHPMs, nearest first.
    assert all(r["category"] == "chpm" for r in body["results"])
    distances = [r["distance_km"] for r in body["results"]]
    assert distances == sorted(distances)
    assert body["count"] == len(body["results"]) == 5  # default limit


def test_korhogo_reintegration_lists_the_korhogo_centre_first(client):
    body = _get(client, "place=Korhogo&need=reintegration")
    first = body["results"][0]
    assert first["category"] == "reintegration" and first["town"] == "Korhogo"
    assert first["distance_km"] < 5
    assert {r["town"] for r in body["results"]} == {"Korhogo", "Tiébissou", "Man"}


def test_a_19_year_old_gets_no_centre_for_minors(client):
    body = _get(client, "place=Soubré&need=shelter&age=19")
    assert body["results"] == [] and body["count"] == 0
    # The answer says why, from the data's age ranges: the shelters receive minors up to 17.
    assert body["message"] == (
        "Ces structures accueillent des mineurs (jusqu'à 17 ans)\u00a0: pour un jeune adulte, "
        "voir les contacts «\u00a0Si personne ne répond\u00a0»."
    )
    assert body["hint"]["oldest_served"] == 17 and body["hint"]["max_km"] is None
    assert any("116" in contact["phones"] for contact in body["fallback"])
    every = _get(client, "place=Soubré&age=19&limit=50")
    assert every["results"], "bodies without an age limit still answer"
    assert not {r["category"] for r in every["results"]} & {"chpm", "reintegration"}
    minors = _get(client, "place=Soubré&age=17&limit=50")
    assert {"chpm", "reintegration"} <= {r["category"] for r in minors["results"]}


def test_odienne_is_found_with_or_without_accents(client):
    for spelling in ("odienne", "Odiénné", "ODIENNE", "Odienné"):
        body = _get(client, f"place={spelling}&need=shelter")
        assert body["origin"]["name"] == "Odienné"
        assert body["results"][0]["town"] == "Odienné"


# --- eligibility, each rule on factory-made services ------------------------------------------


def test_status_must_be_active(client, make):
    _service(make, "Actif", 1)
    _service(make, "Inactif", 0.5, status="inactive")
    _service(make, "Prévu", 0.2, status="planned")
    assert _names(_get(client, SPOT_QUERY)) == ["Actif"]


def test_every_requested_need_must_be_offered(client, make):
    _service(make, "Soins seulement", 1, needs=["medical"])
    _service(make, "Soins et écoute", 2, needs=["medical", "psychosocial"])
    _service(make, "Écoute seulement", 3, needs=["psychosocial"])
    assert _names(_get(client, SPOT_QUERY + "&need=medical")) == ["Soins seulement", "Soins et écoute"]
    assert _names(_get(client, SPOT_QUERY + "&need=medical&need=psychosocial")) == ["Soins et écoute"]
    assert _names(_get(client, SPOT_QUERY + "&need=medical,psychosocial")) == ["Soins et écoute"]
    assert _names(_get(client, SPOT_QUERY + "&need=psychosocial")) == ["Soins et écoute", "Écoute seulement"]


def test_category_filter_is_repeatable(client, make):
    _service(make, "Santé", 1, category="health")
    _service(make, "ONG", 2, category="ngo")
    _service(make, "Police", 3, category="police")
    assert _names(_get(client, SPOT_QUERY + "&category=ngo")) == ["ONG"]
    assert _names(_get(client, SPOT_QUERY + "&category=ngo&category=police")) == ["ONG", "Police"]


def test_age_within_bounds_and_unknown_bounds_do_not_exclude(client, make):
    _service(make, "6 à 12", 1, minimum_age=6, maximum_age=12)
    _service(make, "13 à 17", 2, minimum_age=13, maximum_age=17)
    _service(make, "jusqu'à 17", 3, maximum_age=17)
    _service(make, "dès 10", 4, minimum_age=10)
    _service(make, "âges inconnus", 5)
    assert _names(_get(client, SPOT_QUERY + "&age=8")) == ["6 à 12", "jusqu'à 17", "âges inconnus"]
    assert _names(_get(client, SPOT_QUERY + "&age=12")) == ["6 à 12", "jusqu'à 17", "dès 10", "âges inconnus"]
    assert _names(_get(client, SPOT_QUERY + "&age=13")) == ["13 à 17", "jusqu'à 17", "dès 10", "âges inconnus"]
    assert _names(_get(client, SPOT_QUERY + "&age=19")) == ["dès 10", "âges inconnus"]
    unknown = {r["name"]: r["unknown"] for r in _get(client, SPOT_QUERY + "&age=13")["results"]}
    assert unknown["jusqu'à 17"] == ["minimum_age", "sexes"]
    assert unknown["âges inconnus"] == ["minimum_age", "maximum_age", "sexes"]
    assert unknown["13 à 17"] == ["sexes"]


def test_sex_served_and_unknown_sexes_are_kept_and_flagged(client, make):
    _service(make, "Filles", 1, sexes="female")
    _service(make, "Garçons", 2, sexes="male")
    _service(make, "Tous", 3, sexes="all")
    _service(make, "Inconnu", 4)
    girls = _get(client, SPOT_QUERY + "&sex=female")
    assert _names(girls) == ["Filles", "Tous", "Inconnu"]
    assert [("sexes" in r["unknown"]) for r in girls["results"]] == [False, False, True]
    assert _names(_get(client, SPOT_QUERY + "&sex=male")) == ["Garçons", "Tous", "Inconnu"]
    assert _names(_get(client, SPOT_QUERY)) == ["Filles", "Garçons", "Tous", "Inconnu"]


def test_a_service_known_to_be_full_comes_after_the_others_and_is_marked(client, make):
    import datetime as dt

    _service(make, "Complet tout près", 0.5, capacity_available=0, capacity_available_updated=dt.date(2026, 11, 1))
    _service(make, "Places libres", 4, capacity_available=3)
    _service(make, "Capacité inconnue", 8)
    body = _get(client, SPOT_QUERY)
    assert _names(body) == ["Places libres", "Capacité inconnue", "Complet tout près"]
    full = body["results"][-1]
    assert full["full"] is True and full["capacity_available"] == 0
    assert full["capacity_available_updated"] == "2026-11-01"
    assert full["rank"] == 3 and full["distance_km"] < 1
    assert [r["full"] for r in body["results"][:2]] == [False, False]  # unknown is not full


def test_limit_and_max_km(client, make):
    for i in range(8):
        _service(make, f"S{i}", 2 + 3 * i)  # 2, 5, ... 23 km north
    assert _names(_get(client, SPOT_QUERY)) == [f"S{i}" for i in range(5)]  # default limit 5
    assert _names(_get(client, SPOT_QUERY + "&limit=2")) == ["S0", "S1"]
    assert _names(_get(client, SPOT_QUERY + "&limit=50")) == [f"S{i}" for i in range(8)]
    within_10 = _get(client, f"lat={SPOT[0]}&lon={SPOT[1]}&max_km=10")
    assert _names(within_10) == ["S0", "S1", "S2"]
    assert all(r["distance_km"] <= 10 for r in within_10["results"])


def test_distance_is_ellipsoidal_and_direction_in_words(client, make):
    _service(make, "Au nord", 25, 0)
    _service(make, "Au sud-ouest", -20, -20)
    body = _get(client, SPOT_QUERY + "&lang=fr")
    north, southwest = body["results"]
    # 25 km north by construction (110.6 km per degree of latitude here, WGS 84: 110.62).
    assert north["distance_km"] == pytest.approx(25.0, abs=0.2)
    assert north["compass"] == "N" and north["direction"] == "25 km au nord"
    assert southwest["compass"] == "SW" and southwest["direction"].endswith("km au sud-ouest")
    assert southwest["distance_km"] == pytest.approx(math.hypot(20, 20), rel=0.01)
    english = _get(client, SPOT_QUERY + "&lang=en")
    assert english["results"][0]["direction"] == "25 km north"
    assert english["results"][1]["direction"].endswith("km south-west")
    # Estimates: × 1.3 by road, at 40 km/h, rounded up to 5 minutes.
    assert north["road_km_estimate"] == 33  # 25.0 km × 1.3 = 32.5 → 33
    assert north["travel_minutes_estimate"] == 50  # 32.5 km at 40 km/h = 48.75 min → 50


def test_results_carry_phones_town_and_last_verified_date(client, make):
    import datetime as dt

    _service(
        make, "Centre social", 1, phones=("27 22 44 00 00", "+225 07 00 00 00 00"),
        assured_date=dt.date(2025, 3, 4), location={"town": "Village test"},
    )
    result = _get(client, SPOT_QUERY)["results"][0]
    assert result["phones"] == ["+225 07 00 00 00 00", "27 22 44 00 00"]
    assert result["town"] == "Village test"
    assert result["assured_date"] == "2025-03-04"
    assert set(result) >= {
        "id", "name", "category", "needs", "distance_km", "road_km_estimate", "travel_minutes_estimate",
        "direction", "town", "phones", "assured_date", "masked", "full", "lat", "lon",
    }
    assert "address" not in result


# --- confidentiality --------------------------------------------------------------------------


def _odienne(db_session) -> Place:
    return db_session.scalars(select(Place).where(Place.name == "Odienné").order_by(Place.population.desc())).first()


def _point(db_session, place: Place) -> tuple[float, float]:
    return db_session.execute(select(func.ST_Y(place.geom), func.ST_X(place.geom))).one()


def test_public_distances_go_to_the_town_point_staff_ones_to_the_exact_point(db_session, make):
    town = _odienne(db_session)
    town_lat, town_lon = _point(db_session, town)
    exact = (town_lon + 0.05, town_lat + 0.03)  # ~6.5 km north-east of the town point
    make.service(
        name="Refuge confidentiel", category="private_care", needs=["shelter"], lon=exact[0], lat=exact[1],
        location={"confidential": True, "precision": "exact", "place_id": town.id, "town": "Odienné",
                  "public_contact": "Direction régionale"},
    )
    origin = Origin(kind="point", lat=town_lat - 0.2, lon=town_lon)  # ~22 km south of the town
    criteria = Criteria(categories=("private_care",))
    public = nearest.find_nearest(db_session, origin, criteria, PUBLIC).results[0]
    staff = nearest.find_nearest(db_session, origin, criteria, STAFF).results[0]

    assert public["masked"] is True and staff["masked"] is False
    assert (public["lat"], public["lon"]) == (round(town_lat, 5), round(town_lon, 5))
    assert (staff["lat"], staff["lon"]) == (round(exact[1], 5), round(exact[0], 5))
    geodesic = db_session.execute(
        text(
            "SELECT ST_Distance(ST_MakePoint(:lon1, :lat1)::geography, ST_MakePoint(:lon2, :lat2)::geography) / 1000"
        ),
        {"lon1": origin.lon, "lat1": origin.lat, "lon2": town_lon, "lat2": town_lat},
    ).scalar_one()
    assert public["distance_km"] == pytest.approx(geodesic, abs=0.05)
    assert staff["distance_km"] > public["distance_km"] + 2  # the exact point is farther north
    assert public["compass"] == "N" and staff["compass"] == "N"
    assert public["public_contact"] == "Direction régionale"


def test_public_ranking_uses_displayed_points_so_it_cannot_reveal_exact_ones(db_session, make):
    """A confidential place whose exact point is next to the origin but whose town is far must
    rank by its town for the public (else probing origins would locate it)."""
    town = _odienne(db_session)
    town_lat, town_lon = _point(db_session, town)
    origin = Origin(kind="point", lat=town_lat - 0.4, lon=town_lon)  # ~44 km south of Odienné
    make.service(
        name="Confidentiel", category="private_care", lon=origin.lon + 0.01, lat=origin.lat,
        location={"confidential": True, "place_id": town.id, "town": "Odienné"},
    )
    make.service(name="Ouvert", category="private_care", lon=origin.lon, lat=origin.lat + 0.15)  # ~17 km
    criteria = Criteria(categories=("private_care",), limit=1)
    assert [r["name"] for r in nearest.find_nearest(db_session, origin, criteria, PUBLIC).results] == ["Ouvert"]
    assert [r["name"] for r in nearest.find_nearest(db_session, origin, criteria, STAFF).results] == ["Confidentiel"]


def test_anonymous_api_masks_the_seed_centres(client):
    body = _get(client, "place=Man&need=shelter")
    for result in body["results"]:
        assert result["masked"] is True


# --- ranking against a brute force ------------------------------------------------------------


def _brute_force(db_session, origin: Origin, criteria: Criteria, viewer: Viewer) -> list[str]:
    shown = displayed_geom(viewer)
    point = func.ST_SetSRID(func.ST_MakePoint(origin.lon, origin.lat), 4326)
    metres = func.ST_Distance(cast(shown, Geography), cast(point, Geography))
    stmt = (
        select(Service.id, Service.name, func.min(metres).label("m"))
        .join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .outerjoin(town_place, town_place.id == Location.place_id)
        .where(Service.status == "active", Service.category.in_(criteria.categories))
        .group_by(Service.id, Service.name)
    )
    rows = sorted(db_session.execute(stmt).all(), key=lambda r: (r.m, r.name, str(r.id)))
    if criteria.max_km is not None:
        rows = [r for r in rows if r.m <= criteria.max_km * 1000]
    return [str(r.id) for r in rows[: criteria.limit]]


@pytest.mark.parametrize("first_candidates", [None, 1])
def test_ranking_matches_a_brute_force_over_every_service(db_session, make, monkeypatch, first_candidates):
    """Random services (a third confidential, at real towns), random origins: the indexed search
    returns exactly the brute-force answer, for the public and for staff. Starting from one
    candidate per branch, the completeness bound must fetch again (1, 4, 16, 64) to get it right."""
    if first_candidates is not None:
        monkeypatch.setattr(nearest, "candidate_count", lambda limit: first_candidates)
    rng = random.Random(20261122)
    towns = db_session.execute(
        select(Place.id, Place.name).where(
            func.ST_DWithin(Place.geom, func.ST_SetSRID(func.ST_MakePoint(SPOT[1], SPOT[0]), 4326), 0.8)
        ).limit(40)
    ).all()
    assert len(towns) >= 10
    for i in range(60):
        lon, lat = _near(rng.uniform(-60, 60), rng.uniform(-60, 60))
        location = {}
        if i % 3 == 0:
            town = rng.choice(towns)
            location = {"confidential": True, "place_id": town.id, "town": town.name}
        make.service(name=f"Aléatoire {i}", category="labour_inspectorate", lon=lon, lat=lat, location=location)
    for trial in range(6):
        lon, lat = _near(rng.uniform(-50, 50), rng.uniform(-50, 50))
        origin = Origin(kind="point", lat=lat, lon=lon)
        for limit, max_km in ((1, None), (5, None), (7, 40.0)):
            criteria = Criteria(categories=("labour_inspectorate",), limit=limit, max_km=max_km)
            for viewer in (PUBLIC, STAFF):
                found = [r["id"] for r in nearest.find_nearest(db_session, origin, criteria, viewer).results]
                assert found == _brute_force(db_session, origin, criteria, viewer), (trial, limit, viewer)


# --- words and estimates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("azimuth", "french", "english"),
    [
        (0, "12 km au nord", "12 km north"),
        (44, "12 km au nord-est", "12 km north-east"),
        (90, "12 km à l'est", "12 km east"),
        (135, "12 km au sud-est", "12 km south-east"),
        (180, "12 km au sud", "12 km south"),
        (225, "12 km au sud-ouest", "12 km south-west"),
        (270, "12 km à l'ouest", "12 km west"),
        (315, "12 km au nord-ouest", "12 km north-west"),
        (350, "12 km au nord", "12 km north"),
    ],
)
def test_direction_words_in_french_and_english(app, azimuth, french, english):
    with app.test_request_context("/?lang=fr"):
        assert nearest.direction_words(12.3, azimuth) == french
    with app.test_request_context("/?lang=en"):
        assert nearest.direction_words(12.3, azimuth) == english


def test_short_distances_and_decimals(app):
    with app.test_request_context("/?lang=fr"):
        assert nearest.direction_words(0.4, 10) == "à moins d'un kilomètre"
        assert nearest.direction_words(3.46, 90) == "3,5 km à l'est"
    with app.test_request_context("/?lang=en"):
        assert nearest.direction_words(0.4, None) == "less than 1 km away"
        assert nearest.direction_words(3.46, 90) == "3.5 km east"


def test_road_estimate_uses_the_documented_factor_and_speed():
    assert (nearest.DETOUR_FACTOR, nearest.AVERAGE_SPEED_KMH) == (1.3, 40.0)
    assert nearest.road_estimate(100) == (130, 195)  # 130 km at 40 km/h = 3 h 15
    assert nearest.road_estimate(0) == (1, 5)
    assert nearest.road_estimate(10) == (13, 20)  # 19.5 min → 20


# --- origins and bad input --------------------------------------------------------------------


def test_origin_by_gazetteer_id_and_by_pcode(client, db_session):
    soubre = db_session.scalars(select(Place).where(Place.name == "Soubré").order_by(Place.population.desc())).first()
    by_id = _get(client, f"place={soubre.id}&need=shelter")
    assert by_id["origin"]["place_id"] == soubre.id and by_id["origin"]["name"] == "Soubré"
    assert by_id["results"][0]["town"] == "Soubré"
    area = _get(client, "pcode=CI26&need=shelter")  # the Nawa region, around Soubré
    assert area["origin"]["kind"] == "area" and area["origin"]["name"] == "Nawa"
    inside = db_session.execute(
        text("SELECT ST_Contains(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) FROM admin_area "
             "WHERE level = 'adm1' AND pcode = 'CI26'"),
        {"lon": area["origin"]["lon"], "lat": area["origin"]["lat"]},
    ).scalar_one()
    assert inside
    assert area["results"][0]["town"] == "Soubré"


def test_unknown_place_gets_404_with_suggestions(client):
    body = _get(client, "place=Soubr%C3%A9%20centre&need=shelter", 404)
    assert body["detail"]["parameter"] == "place"
    assert [s["name"] for s in body["detail"]["suggestions"]][0] == "Soubré"
    nothing = _get(client, "place=Xqzwvy", 404)
    assert nothing["detail"]["suggestions"] == []
    assert _get(client, "place=999999999", 404)["detail"]["parameter"] == "place"
    unknown_area = _get(client, "pcode=CI99", 404)
    assert unknown_area["detail"]["parameter"] == "pcode"


def test_origin_outside_cote_d_ivoire_beyond_50_km_is_refused(client, db_session):
    def km_outside(lat, lon):
        return db_session.execute(
            text("SELECT ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) / 1000 "
                 "FROM admin_area WHERE level = 'adm0'"),
            {"lat": lat, "lon": lon},
        ).scalar_one()

    assert 25 < km_outside(8.0, -2.3) < 35 and 80 < km_outside(8.0, -1.7) < 100  # the premises
    assert _get(client, "lat=8.0&lon=-2.3&need=shelter")["results"][0]["town"] == "Bondoukou"
    body = _error(client, "lat=8.0&lon=-1.7", 400, "lat")
    assert "outside Côte d'Ivoire" in body["detail"]["message"] and "50 km" in body["detail"]["message"]
    _error(client, "lat=14.69&lon=-17.44", 400, "lat")  # Dakar
    _error(client, "lat=-5.5&lon=7.5", 400, "lat")  # lat/lon swapped: in the Gulf of Guinea


def test_nothing_within_max_km_says_so_and_offers_to_widen(client):
    body = _get(client, "place=Soubré&need=reintegration&max_km=10")
    assert body["results"] == []
    assert "10 km" in body["message"]
    hint = body["hint"]
    assert hint["nearest_km"] > 10 and hint["max_km"] >= hint["nearest_km"]
    widened = _get(client, f"place=Soubré&need=reintegration&max_km={hint['max_km']}")
    assert widened["results"] and widened["results"][0]["distance_km"] == pytest.approx(hint["nearest_km"], abs=0.1)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("place=Man&age=abc", "age"),
        ("place=Man&age=-1", "age"),
        ("place=Man&age=121", "age"),
        ("place=Man&sex=girl", "sex"),
        ("place=Man&need=flying", "need"),
        ("place=Man&category=school", "category"),
        ("place=Man&limit=0", "limit"),
        ("place=Man&limit=51", "limit"),
        ("place=Man&max_km=0", "max_km"),
        ("place=Man&max_km=ten", "max_km"),
        ("lat=95&lon=-5", "lat"),
        ("lat=nan&lon=-5", "lat"),
        ("lat=7.5&lon=-500", "lon"),
        ("lat=7.5", "lon"),
        ("lon=-5.5", "lat"),
        ("need=shelter", "place"),
        ("place=Man&lat=7.5&lon=-5.5", "place"),
        ("place=" + "x" * 201, "place"),
    ],
)
def test_bad_parameters_get_a_4xx_json_naming_the_parameter(client, query, parameter):
    response = client.get("/api/v1/nearest?" + query)
    assert 400 <= response.status_code < 500
    body = response.get_json()
    assert set(body) == {"error", "detail"}
    assert body["detail"]["parameter"] == parameter
    assert "Traceback" not in response.get_data(as_text=True)


# --- payload ----------------------------------------------------------------------------------


def test_result_payload_for_five_results_is_under_10_kb(client, make):
    real = client.get("/api/v1/nearest?place=Soubré&need=shelter&limit=5")
    assert len(real.data) < 10 * 1024
    for i in range(5):  # a heavy case: long names, several phones, public contact, all needs
        _service(
            make, ("Centre d'accueil et de protection de l'enfance " * 5)[:250], i + 1,
            needs=["shelter", "psychosocial", "medical", "legal", "family_tracing", "reintegration",
                   "case_management", "reporting"],
            phones=("+225 27 22 44 00 00", "+225 07 00 00 00 00", "+225 05 00 00 00 00"),
            email="contact@example.org",
            location={"town": "Village au nom assez long", "public_contact": "Direction régionale " * 10},
        )
    heavy = client.get(f"/api/v1/nearest?{SPOT_QUERY}&limit=5")
    assert len(heavy.get_json()["results"]) == 5
    assert len(heavy.data) < 10 * 1024, len(heavy.data)
    assert json.loads(heavy.data)  # compact, UTF-8 (accents not escaped)
    assert "é" in heavy.get_data(as_text=True)
