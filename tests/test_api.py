"""The JSON API: every parameter, good and bad, against the loaded PostGIS database."""

from __future__ import annotations

import uuid

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import select

from webmap import create_app
from webmap.models import Place

SEED_CENTRE_TOWNS = {
    ("chpm", "Man"), ("chpm", "Odienné"), ("chpm", "Daloa"), ("chpm", "Guiglo"),
    ("chpm", "Soubré"), ("chpm", "Bondoukou"), ("chpm", "Toumodi"),
    ("reintegration", "Tiébissou"), ("reintegration", "Korhogo"), ("reintegration", "Man"),
}


def _error(response, status: int, parameter: str | None = None) -> dict:
    assert response.status_code == status
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error", "detail"}
    assert "Traceback" not in response.get_data(as_text=True)
    if parameter:
        assert body["detail"]["parameter"] == parameter
    return body


def _town(db_session, name: str) -> Place:
    return db_session.scalars(
        select(Place).where(Place.name == name).order_by(Place.population.desc())
    ).first()


# --- /healthz ---------------------------------------------------------------------------------


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok"}


def test_healthz_is_503_with_a_reason_when_database_is_down():
    app = create_app({"TESTING": True, "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:9/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error" and body["db"] == "unavailable"
    assert body["detail"]


# --- /api/v1/services -------------------------------------------------------------------------


def test_services_lists_the_ten_seed_centres_in_their_towns(client):
    response = client.get("/api/v1/services?category=chpm,reintegration")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    found = {(f["properties"]["category"], f["properties"]["town"]) for f in body["features"]}
    assert found == SEED_CENTRE_TOWNS
    for feature in body["features"]:
        props = feature["properties"]
        assert props["source"] == "Child Protection Compact Partnership, Annex A (2022)"
        assert props["verification"] == "to_verify"
        assert props["assured_date"] is None
        assert props["confidential"] is True and props["masked"] is True
        assert props["precision"] == "town"
        assert props["phones"] == [] and props["address"] is None


def test_services_default_lists_national_bodies_and_helpline(client):
    body = client.get("/api/v1/services").get_json()
    by_category = {}
    for feature in body["features"]:
        by_category.setdefault(feature["properties"]["category"], []).append(feature["properties"])
    assert len(by_category["coordination"]) == 6  # CNS, CIM, CNLTP and the Compact's 3 ministry focal points
    assert len(by_category["police"]) == 3
    [helpline] = by_category["helpline"]
    assert helpline["phones"] == ["116"]
    [cns] = [s for s in by_category["coordination"] if s["name"].startswith("Comité National de Surveillance")]
    assert cns["phones"] == ["+225 27 22 48 03 03"]  # its published number (Compact, section VII)
    assert body["numberReturned"] == len(body["features"]) >= 20
    assert body["truncated"] is False


def test_services_bbox_keeps_only_points_inside(client, make):
    inside = make.service(name="Centre social de Bouaké test", lon=-5.03, lat=7.69)
    outside = make.service(name="Centre social de San-Pédro test", lon=-6.64, lat=4.75)
    body = client.get("/api/v1/services?bbox=-5.2,7.5,-4.9,7.9").get_json()
    ids = {f["id"] for f in body["features"]}
    assert str(inside.id) in ids
    assert str(outside.id) not in ids
    for feature in body["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert -5.2 <= lon <= -4.9 and 7.5 <= lat <= 7.9


def test_services_category_filter(client, make):
    make.service(name="Commissariat test", category="police", lon=-5.0, lat=7.7)
    body = client.get("/api/v1/services?category=police").get_json()
    assert body["features"]
    assert {f["properties"]["category"] for f in body["features"]} == {"police"}
    repeated = client.get("/api/v1/services?category=chpm&category=helpline").get_json()
    assert {f["properties"]["category"] for f in repeated["features"]} == {"chpm", "helpline"}


def test_services_q_ignores_accents_and_case(client):
    body = client.get("/api/v1/services?q=ODIENNE").get_json()
    names = [f["properties"]["name"] for f in body["features"]]
    assert "Centre d'hébergement pour mineurs (CHPM) d'Odienné" in names
    assert client.get("/api/v1/services?q=hebergement").get_json()["numberReturned"] == 7


def test_services_limit_truncates(client):
    body = client.get("/api/v1/services?limit=2").get_json()
    assert len(body["features"]) == 2
    assert body["truncated"] is True


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=-5,8,-6,7", "bbox"),
        ("bbox=-5,7,-4,95", "bbox"),
        ("bbox=nan,7,-4,8", "bbox"),
        ("limit=0", "limit"),
        ("limit=5001", "limit"),
        ("limit=ten", "limit"),
        ("category=orphanage", "category"),
        ("category=chpm,,bogus", "category"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_services_bad_parameters_are_named(client, query, parameter):
    body = _error(client.get(f"/api/v1/services?{query}"), 400, parameter)
    assert parameter in body["error"]


def test_one_service_by_id(client, make):
    service = make.service(name="Centre social d'Adjamé test", phones=("+225 27 20 00 00 00",))
    response = client.get(f"/api/v1/services/{service.id}")
    assert response.status_code == 200
    feature = response.get_json()
    assert feature["type"] == "Feature"
    assert feature["properties"]["name"] == "Centre social d'Adjamé test"
    assert feature["properties"]["phones"] == ["+225 27 20 00 00 00"]


@pytest.mark.parametrize("service_id", ["not-a-uuid", str(uuid.UUID(int=1))])
def test_unknown_service_is_a_json_404(client, service_id):
    _error(client.get(f"/api/v1/services/{service_id}"), 404)


def test_confidential_location_is_shown_to_the_public_at_its_town_only(client, make, db_session):
    man = _town(db_session, "Man")
    town_point = to_shape(man.geom)
    exact = (-7.5600, 7.4200)  # a few km from the town point
    service = make.service(
        name="Foyer confidentiel test",
        category="chpm",
        lon=exact[0],
        lat=exact[1],
        location={
            "confidential": True, "place_id": man.id, "town": "Man",
            "address": "Quartier secret, rue 12", "public_contact": "Direction régionale, Man",
        },
    )
    feature = client.get(f"/api/v1/services/{service.id}").get_json()
    lon, lat = feature["geometry"]["coordinates"]
    assert (lon, lat) == (pytest.approx(town_point.x), pytest.approx(town_point.y))
    props = feature["properties"]
    assert props["masked"] is True and props["precision"] == "town"
    assert props["address"] is None
    assert props["public_contact"] == "Direction régionale, Man"
    # The exact point is not in the listing either, and a bbox around it alone finds nothing.
    listing = client.get("/api/v1/services?bbox=-7.565,7.415,-7.555,7.425").get_json()
    assert str(service.id) not in {f["id"] for f in listing["features"]}
    assert "Quartier secret" not in client.get("/api/v1/services").get_data(as_text=True)


def test_open_location_keeps_its_exact_position(client, make):
    service = make.service(name="Centre social ouvert test", lon=-4.0123, lat=5.3456,
                           location={"address": "Rue des jardins"})
    props_geom = client.get(f"/api/v1/services/{service.id}").get_json()
    assert props_geom["geometry"]["coordinates"] == [-4.0123, 5.3456]
    assert props_geom["properties"]["masked"] is False
    assert props_geom["properties"]["address"] == "Rue des jardins"


def test_unexpected_errors_are_json_without_stack_trace(client, monkeypatch):
    from webmap.directory import query

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(query, "search_services", boom)
    response = client.get("/api/v1/services")
    body = _error(response, 500)
    assert "secret internals" not in response.get_data(as_text=True)
    assert body["error"] == "internal error"


# --- /api/v1/admin-areas ----------------------------------------------------------------------


@pytest.mark.parametrize("level, count", [("0", 1), ("1", 33), ("2", 108), ("3", 510), ("district", 14)])
def test_admin_area_counts(client, level, count):
    body = client.get(f"/api/v1/admin-areas?level={level}&simplify=0.01").get_json()
    assert body["type"] == "FeatureCollection"
    assert len(body["features"]) == count
    assert all(f["geometry"]["type"] in {"MultiPolygon", "Polygon"} for f in body["features"])


def test_admin_areas_keep_accented_names_and_population(client):
    body = client.get("/api/v1/admin-areas?level=1").get_json()
    names = {f["properties"]["name"] for f in body["features"]}
    assert "Gbêkê" in names and "Kabadougou" in names
    assert sum(f["properties"]["population_2014"] for f in body["features"]) == 22_671_331


def test_admin_areas_simplify_makes_smaller_geometry(client):
    full = client.get("/api/v1/admin-areas?level=0").get_data()
    simple = client.get("/api/v1/admin-areas?level=0&simplify=0.01").get_data()
    assert len(simple) < len(full) / 2


@pytest.mark.parametrize(
    "query, parameter",
    [("", "level"), ("level=4", "level"), ("level=region", "level"),
     ("level=1&simplify=-1", "simplify"), ("level=1&simplify=abc", "simplify")],
)
def test_admin_areas_bad_parameters(client, query, parameter):
    _error(client.get(f"/api/v1/admin-areas?{query}"), 400, parameter)


# --- /api/v1/places ---------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["odienne", "ODIENNE", "Odienné", "Odiénné", "odien", "odiene"])
def test_places_find_odienne_first(client, q):
    results = client.get(f"/api/v1/places?q={q}").get_json()["results"]
    assert results[0]["name"] == "Odienné"
    assert results[0]["region"] == "Kabadougou"
    assert results[0]["departement"]
    assert results[0]["district"]


def test_places_rank_by_match_quality_and_population(client):
    results = client.get("/api/v1/places?q=bo&limit=20").get_json()["results"]
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    assert results[0]["name"] == "Bouaké"
    # Equal match quality: the larger place first.
    for quality in {r["quality"] for r in results}:
        populations = [r["population"] or 0 for r in results if r["quality"] == quality]
        assert populations == sorted(populations, reverse=True)


def test_places_exact_match_beats_bigger_prefix_match(client):
    results = client.get("/api/v1/places?q=man").get_json()["results"]
    assert results[0]["name"] == "Man"
    assert results[0]["match"] == "exact"


@pytest.mark.parametrize(
    "query, parameter", [("", "q"), ("q=", "q"), ("q=abidjan&limit=0", "limit"), ("q=abidjan&limit=x", "limit")]
)
def test_places_bad_parameters(client, query, parameter):
    _error(client.get(f"/api/v1/places?{query}"), 400, parameter)


def test_unknown_api_path_is_json_404(client):
    _error(client.get("/api/v1/nothing-here"), 404)


def test_services_flag_stale_records(client, make):
    import datetime as dt

    today = dt.date.today()
    old = make.service(name="Vérifié il y a longtemps", verification="verified",
                       assured_date=today - dt.timedelta(days=200))
    fresh = make.service(name="Vérifié récemment", verification="verified",
                         assured_date=today - dt.timedelta(days=10))
    never = make.service(name="Jamais vérifié")
    stale = {
        sid: client.get(f"/api/v1/services/{sid}").get_json()["properties"]["stale"]
        for sid in (old.id, fresh.id, never.id)
    }
    assert stale == {old.id: True, fresh.id: False, never.id: True}


def test_services_leave_out_inactive_unless_asked(client, make):
    closed = make.service(name="Centre fermé test", status="inactive")
    planned = make.service(name="Centre prévu test", status="planned")
    default_ids = {f["id"] for f in client.get("/api/v1/services").get_json()["features"]}
    assert str(planned.id) in default_ids and str(closed.id) not in default_ids
    inactive = client.get("/api/v1/services?status=inactive").get_json()["features"]
    assert [f["id"] for f in inactive] == [str(closed.id)]
    _error(client.get("/api/v1/services?status=closed"), 400, "status")
