"""The map's services layer at any size: ``GET /api/v1/services/clusters`` on real PostGIS.

The counts come from ``service_cluster``, kept by triggers on ``service_point`` (migration 0016):
they must equal a count of the points themselves after every kind of write, add up to the
services ``/api/v1/services`` gives for the same area, and, for the public, count a confidential
shelter at its town, never at its exact position.
"""

from __future__ import annotations

import math

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import delete, select, text, update

from webmap.directory import clusters
from webmap.models import Location, Place, Service

from .factories import sign_in

CATEGORIES = ("chpm", "health", "ngo", "police")
# An area of the north-east (around Bouna) where the test's services are placed.
AREA = (-3.30, 9.00, -2.70, 9.45)


def _expected(db_session) -> set[tuple]:
    """What ``service_cluster`` must hold, counted from ``service_point`` itself."""
    rows = db_session.execute(text("""
        SELECT e.exact, z.zoom, floor(ST_X(e.g) / z.size)::int, floor(ST_Y(e.g) / z.size)::int,
               sp.category, sp.status, count(*), round(sum(ST_X(e.g))::numeric, 6), round(sum(ST_Y(e.g))::numeric, 6)
        FROM service_point sp
        CROSS JOIN LATERAL (VALUES (true, sp.geom), (false, sp.public_geom)) e(exact, g)
        CROSS JOIN (SELECT zoom, 360.0::float8 / 2 ^ (zoom + 2) AS size FROM generate_series(5, 14) zoom) z
        GROUP BY 1, 2, 3, 4, 5, 6
    """)).all()
    return {tuple(r) for r in rows}


def _stored(db_session) -> set[tuple]:
    rows = db_session.execute(text("""
        SELECT exact, zoom, ix, iy, category, status, n, round(sum_lon::numeric, 6), round(sum_lat::numeric, 6)
        FROM service_cluster WHERE n > 0
    """)).all()
    return {tuple(r) for r in rows}


def _assert_in_step(db_session) -> None:
    db_session.flush()
    assert _stored(db_session) == _expected(db_session)


def _point(lon: float, lat: float):
    return from_shape(Point(lon, lat), srid=4326)


def _town(db_session, name: str) -> Place:
    return db_session.scalars(select(Place).where(Place.name == name).limit(1)).one()


def _many(make, count: int, area=AREA) -> list[Service]:
    """``count`` services spread over ``area`` on a fixed pattern, four categories."""
    minlon, minlat, maxlon, maxlat = area
    org = make.organization("Organisation des grappes")
    services = []
    for i in range(count):
        lon = minlon + (maxlon - minlon) * ((i * 0.6180339887) % 1)
        lat = minlat + (maxlat - minlat) * ((i * 0.7548776662) % 1)
        services.append(make.service(name=f"Grappe {i}", category=CATEGORIES[i % 4], lon=round(lon, 5),
                                     lat=round(lat, 5), organization=org))
    return services


def _bbox(values) -> str:
    return ",".join(f"{v:.5f}" for v in values)


def _clusters(client, bbox, zoom: int, **params) -> dict:
    response = client.get("/api/v1/services/clusters", query_string={"bbox": _bbox(bbox), "zoom": zoom, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/geo+json"
    return response.get_json()


@pytest.fixture()
def points_limit(app, monkeypatch):
    """Set the map's limit of services drawn one by one (the app's is 1000)."""
    def set_limit(value: int) -> None:
        monkeypatch.setitem(app.config, "WEBMAP_MAP_POINTS_LIMIT", value)
    return set_limit


# --- the counts the database keeps --------------------------------------------------------------


def test_the_migration_counted_the_loaded_directory(db_session):
    assert _stored(db_session) == _expected(db_session)
    assert _stored(db_session)  # the seed directory is there


def test_the_counts_follow_every_write(db_session, make):
    services = _many(make, 6)
    _assert_in_step(db_session)
    services[0].category, services[1].status = "justice", "inactive"
    _assert_in_step(db_session)
    location = services[2].locations[0].location
    location.geom = _point(-6.1, 5.2)
    _assert_in_step(db_session)
    # Confidential at a town: the public rows move to the town's point, the exact ones stay.
    town = _town(db_session, "Bouna")
    location.confidential, location.place_id, location.town = True, town.id, town.name
    _assert_in_step(db_session)
    db_session.execute(update(Place).where(Place.id == town.id).values(geom=_point(-2.99, 9.27)))
    _assert_in_step(db_session)
    db_session.execute(delete(Service).where(Service.id == services[3].id))
    db_session.execute(delete(Location).where(Location.id == services[4].locations[0].location_id))
    db_session.expire_all()
    _assert_in_step(db_session)
    db_session.execute(text(
        "INSERT INTO service_at_location (id, service_id, location_id) "
        "SELECT gen_random_uuid(), :service, id FROM location WHERE organization_id = :org AND id <> :own"
    ), {"service": services[5].id, "org": services[5].organization_id, "own": services[5].locations[0].location_id})
    _assert_in_step(db_session)


# --- the counts add up ---------------------------------------------------------------------------


def _services_in(client, bbox, **params) -> list[dict]:
    answer = client.get("/api/v1/services", query_string={"bbox": _bbox(bbox), "limit": 5000, **params}).get_json()
    assert not answer["truncated"]
    return answer["features"]


@pytest.mark.parametrize("zoom", [5, 7, 9, 12, 14])
def test_cluster_counts_add_up_to_the_services_in_the_view(client, make, points_limit, zoom):
    _many(make, 60)
    points_limit(10)
    country = (-8.7, 4.2, -2.4, 10.8)
    for bbox, params in ((country, {}), (AREA, {}), (AREA, {"category": "chpm,ngo"}),
                         (country, {"status": "inactive,active"})):
        answer = _clusters(client, bbox, zoom, **params)
        cells = answer["cells"]
        assert answer["mode"] == "clusters"
        # The zoom's own cells, unless the bbox spans too many of them (then a coarser level).
        spans = clusters.cells_for(bbox, zoom).count()
        assert cells["zoom"] == zoom if math.prod(
            math.floor(bbox[i + 2] / clusters.cell_size(zoom)) - math.floor(bbox[i] / clusters.cell_size(zoom)) + 1
            for i in (0, 1)) <= clusters.MAX_CELLS else cells["zoom"] < zoom
        assert spans <= clusters.MAX_CELLS
        features = answer["features"]
        assert all(f["properties"]["cluster"] for f in features)
        counts = [f["properties"]["count"] for f in features]
        assert sum(counts) == answer["total"]
        # The same services as /api/v1/services over the cells' area, category by category.
        listed = _services_in(client, cells["bbox"], **params)
        assert answer["total"] == len(listed) > 10
        by_category: dict[str, int] = {}
        for f in features:
            assert sum(f["properties"]["categories"].values()) == f["properties"]["count"]
            for code, n in f["properties"]["categories"].items():
                by_category[code] = by_category.get(code, 0) + n
        expected: dict[str, int] = {}
        for f in listed:
            expected[f["properties"]["category"]] = expected.get(f["properties"]["category"], 0) + 1
        assert by_category == expected
        # Each cluster lies in its cell, at the mean of the points counted.
        size = cells["size"]
        for f in features:
            lon, lat = f["geometry"]["coordinates"]
            _zoom, ix, iy = map(int, f["id"].split("/"))
            assert ix * size <= lon <= (ix + 1) * size and iy * size <= lat <= (iy + 1) * size
            mine = [s for s in listed if math.floor(s["geometry"]["coordinates"][0] / size) == ix
                    and math.floor(s["geometry"]["coordinates"][1] / size) == iy]
            assert len(mine) == f["properties"]["count"]
            assert lon == pytest.approx(sum(s["geometry"]["coordinates"][0] for s in mine) / len(mine), abs=2e-5)


def test_a_view_within_the_limit_gets_the_services_one_by_one(client, make, points_limit):
    _many(make, 30)
    points_limit(1000)
    answer = _clusters(client, AREA, 9)
    assert answer["mode"] == "services" and not answer["truncated"]
    # The features of /api/v1/services: same records, same fields (popups).
    listed = _services_in(client, AREA)
    assert answer["features"] == listed and answer["total"] == len(listed) >= 30
    # Beyond the limit the same view is clusters, at any zoom: at 16 the level-14 cells.
    points_limit(len(listed) - 1)
    assert _clusters(client, AREA, 9)["mode"] == "clusters"
    points_limit(0)
    deep = _clusters(client, (-3.05, 9.1, -2.85, 9.3), 16)
    assert deep["mode"] == "clusters" and deep["cells"]["zoom"] == 14
    points_limit(len(listed) - 1)
    # A small view at a high zoom holds few: one by one again.
    one = listed[0]["geometry"]["coordinates"]
    near = _clusters(client, (one[0] - 0.001, one[1] - 0.001, one[0] + 0.001, one[1] + 0.001), 16)
    assert near["mode"] == "services" and listed[0]["id"] in [f["id"] for f in near["features"]]


def test_a_wide_bbox_at_a_high_zoom_is_read_at_a_coarser_level(client, make, points_limit):
    _many(make, 20)
    points_limit(0)
    answer = _clusters(client, (-180, -90, 180, 90), 14)
    assert answer["cells"]["zoom"] < 14 and len(answer["features"]) <= clusters.MAX_CELLS
    assert answer["total"] == sum(f["properties"]["count"] for f in answer["features"])


def test_bad_parameters_are_refused(client):
    for query, name in (("bbox=-6,5,-5,6", "zoom"), ("zoom=", "zoom"), ("zoom=23", "zoom"), ("zoom=x", "zoom"),
                        ("zoom=7&bbox=1,2,3", "bbox"), ("zoom=7&category=nope", "category")):
        response = client.get(f"/api/v1/services/clusters?{query}")
        assert response.status_code == 400, query
        assert response.get_json()["detail"]["parameter"] == name, query


# --- masking ----------------------------------------------------------------------------------------

ZOOM = 9
SIZE = clusters.cell_size(ZOOM)
# Bouaké's confidential CHPM, 25 km west-north-west of the town: another zoom-9 cell.
SHELTER = (-5.25, 7.80)
MOVED_TO = (-5.40, 7.55)
VIEW = (-5.8, 7.3, -4.6, 8.1)


def _cell(lon: float, lat: float) -> str:
    return f"{ZOOM}/{math.floor(lon / SIZE)}/{math.floor(lat / SIZE)}"


def _counts(answer: dict) -> dict[str, int]:
    if answer["mode"] == "services":  # an empty view (nothing to cluster)
        assert answer["features"] == []
        return {}
    return {f["id"]: f["properties"]["count"] for f in answer["features"]}


def _shelter(db_session, make) -> tuple[Service, Place]:
    town = _town(db_session, "Bouaké")
    service = make.service(
        name="Abri confidentiel des grappes", category="chpm", lon=SHELTER[0], lat=SHELTER[1],
        location={"confidential": True, "place_id": town.id, "town": town.name, "address": "Lot secret 12"},
    )
    return service, town


def _diff(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    keys = set(after) | set(before)
    return {k: after.get(k, 0) - before.get(k, 0) for k in keys if after.get(k, 0) != before.get(k, 0)}


def test_the_public_counts_a_confidential_shelter_at_its_town(client, db_session, make, points_limit):
    points_limit(0)
    make.service(name="Centre ouvert de Bouaké", lon=-5.02, lat=7.70)  # in the town's cell
    before = _clusters(client, VIEW, ZOOM)
    service, town = _shelter(db_session, make)
    town_lon, town_lat = db_session.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM place WHERE id = :id"),
                                            {"id": town.id}).one()
    assert _cell(*SHELTER) != _cell(town_lon, town_lat)
    after = _clusters(client, VIEW, ZOOM)
    assert _diff(_counts(after), _counts(before)) == {_cell(town_lon, town_lat): 1}
    assert after["total"] == before["total"] + 1
    # Its town's cluster moved towards the town, not towards the shelter.
    town_cluster = next(f for f in after["features"] if f["id"] == _cell(town_lon, town_lat))
    old = next(f for f in before["features"] if f["id"] == town_cluster["id"])
    n = town_cluster["properties"]["count"]
    for axis, value in ((0, town_lon), (1, town_lat)):
        expected = (old["geometry"]["coordinates"][axis] * (n - 1) + value) / n
        assert town_cluster["geometry"]["coordinates"][axis] == pytest.approx(expected, abs=2e-5)
    # Moving the exact point changes nothing the public receives, byte for byte.
    answer = client.get(f"/api/v1/services/clusters?bbox={_bbox(VIEW)}&zoom={ZOOM}").get_data()
    location = service.locations[0].location
    location.geom = _point(*MOVED_TO)
    db_session.flush()
    assert client.get(f"/api/v1/services/clusters?bbox={_bbox(VIEW)}&zoom={ZOOM}").get_data() == answer


def test_the_public_list_mode_masks_as_the_services_endpoint(client, db_session, make, points_limit):
    points_limit(1000)
    _service, _town_ = _shelter(db_session, make)
    view = (-5.2, 7.6, -4.9, 7.8)  # around Bouaké's centre
    answer = _clusters(client, view, 12)
    assert answer["mode"] == "services"
    mine = [f for f in answer["features"] if f["properties"]["name"] == "Abri confidentiel des grappes"]
    assert len(mine) == 1 and mine[0]["properties"]["masked"] and mine[0]["properties"]["address"] is None
    assert answer["features"] == _services_in(client, view)
    around = (SHELTER[0] - 0.05, SHELTER[1] - 0.05, SHELTER[0] + 0.05, SHELTER[1] + 0.05)
    assert "Abri confidentiel des grappes" not in client.get(
        f"/api/v1/services/clusters?bbox={_bbox(around)}&zoom=12").get_data(as_text=True)


def test_staff_see_the_shelter_counted_at_its_exact_point(client, db_session, make, points_limit):
    sign_in(client, make.user(role="referral"))
    points_limit(0)
    before = _clusters(client, VIEW, ZOOM)
    _shelter(db_session, make)
    after = _clusters(client, VIEW, ZOOM)
    assert _diff(_counts(after), _counts(before)) == {_cell(*SHELTER): 1}
    points_limit(1000)
    around = (SHELTER[0] - 0.05, SHELTER[1] - 0.05, SHELTER[0] + 0.05, SHELTER[1] + 0.05)
    listed = _clusters(client, around, 12)
    assert listed["mode"] == "services"
    mine = [f for f in listed["features"] if f["properties"]["name"] == "Abri confidentiel des grappes"]
    assert mine and mine[0]["geometry"]["coordinates"] == list(SHELTER)
    assert mine[0]["properties"]["address"] == "Lot secret 12"
