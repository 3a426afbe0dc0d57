"""``/ogc``: OGC API – Features (Part 1 core). Read by GDAL's OGC API client (the one QGIS uses)
against a live server; paging, bbox, datetime and property filters, HTML pages, masking."""

from __future__ import annotations

import datetime as dt
import html
import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator

import pyogrio
import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import select

from webmap.models import Place
from webmap.ogc.collections import COLLECTIONS

from .factories import sign_in
from .test_planning_support import planning, square  # noqa: F401

COLLECTION_IDS = ["services", "admin-areas-0", "admin-areas-1", "admin-areas-2", "admin-areas-3", "risk-zones",
                  "campaigns"]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - the test's own server
        return json.loads(response.read())


# --- GDAL reads every collection ----------------------------------------------------------------


SERVE = """
import sys
from werkzeug.serving import make_server
from webmap import create_app
app = create_app({"SECRET_KEY": "ogc-tests-only", "DATABASE_URL": sys.argv[1]})
server = make_server("127.0.0.1", 0, app, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""


@pytest.fixture(scope="module")
def live_server(database_url) -> Iterator[str]:
    """The app on a local port in a child process: GDAL holds this process's interpreter while it
    reads, so a server thread here would never answer. It sees committed data only."""
    child = subprocess.Popen([sys.executable, "-c", SERVE, database_url], stdout=subprocess.PIPE, text=True)
    try:
        port = int(child.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        child.terminate()
        child.wait(timeout=10)
        child.stdout.close()


@pytest.fixture(scope="module")
def gdal_layers(live_server):
    return pyogrio.list_layers(f"OAPIF:{live_server}/ogc")


def test_gdal_lists_every_collection(gdal_layers):
    assert [str(name) for name, _kind in gdal_layers] == COLLECTION_IDS
    kinds = dict((str(n), str(k)) for n, k in gdal_layers)
    assert kinds["services"] == "Point" and kinds["admin-areas-2"] == "MultiPolygon"


API_COUNTS = {
    "services": "/api/v1/services?limit=5000",
    "admin-areas-0": "/api/v1/admin-areas?level=0&simplify=0.05",
    "admin-areas-1": "/api/v1/admin-areas?level=1&simplify=0.05",
    "admin-areas-2": "/api/v1/admin-areas?level=2&simplify=0.05",
    "admin-areas-3": "/api/v1/admin-areas?level=3&simplify=0.05",
    "risk-zones": "/api/v1/risk-zones",
    "campaigns": "/api/v1/campaigns?limit=5000",
}


@pytest.mark.parametrize("collection", COLLECTION_IDS)
def test_gdal_reads_every_feature(live_server, gdal_layers, collection):
    frame = pyogrio.read_dataframe(f"OAPIF:{live_server}/ogc", layer=collection)
    expected = _get(live_server + API_COUNTS[collection])["features"]
    assert len(frame) == len(expected)
    matched = _get(f"{live_server}/ogc/collections/{collection}/items?limit=1")["numberMatched"]
    assert matched == len(expected)
    if collection == "services":
        assert set(frame["service_id"]) == {f["id"] for f in expected}
        masked = frame[frame["confidential"]]
        assert len(masked) > 0 and masked["masked"].all() and masked["address"].isna().all()
        points = {(f["properties"]["location_id"]): f["geometry"]["coordinates"] for f in expected}
        for _, row in masked.iterrows():  # the same public point as /api/v1
            assert [round(row.geometry.x, 6), round(row.geometry.y, 6)] == points[row["location_id"]]
    if collection.startswith("admin-areas"):
        assert set(frame["pcode"]) == {f["properties"]["pcode"] for f in expected}


def test_gdal_follows_the_next_links(live_server):
    """A small page size makes GDAL walk the ``next`` links of services and sous-préfectures."""
    services = pyogrio.read_dataframe(f"OAPIF:{live_server}/ogc", layer="services", PAGE_SIZE=7)
    assert len(services) == _get(f"{live_server}/ogc/collections/services/items?limit=1")["numberMatched"]
    assert services["name"].notna().all() and len(set(services.index)) == len(services)
    areas = pyogrio.read_dataframe(f"OAPIF:{live_server}/ogc", layer="admin-areas-3", PAGE_SIZE=100)
    assert len(areas) == len(set(areas["pcode"])) == 510


# --- the pages ----------------------------------------------------------------------------------


def test_landing_conformance_collections(client):
    landing = client.get("/ogc")
    assert landing.status_code == 200 and landing.headers["Access-Control-Allow-Origin"] == "*"
    rels = {link["rel"]: link for link in landing.get_json()["links"]}
    assert {"self", "alternate", "service-desc", "conformance", "data"} <= set(rels)
    assert rels["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    api = client.get("/ogc/api")
    assert api.mimetype == "application/vnd.oai.openapi+json" and api.get_json()["openapi"].startswith("3.0")
    conformance = client.get("/ogc/conformance").get_json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conformance
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conformance
    collections = client.get("/ogc/collections").get_json()["collections"]
    assert [c["id"] for c in collections] == COLLECTION_IDS == list(COLLECTIONS)
    services = collections[0]
    west, south, east, north = services["extent"]["spatial"]["bbox"][0]
    assert -9 < west < east < -2 and 4 < south < north < 11  # Côte d'Ivoire
    campaigns = next(c for c in collections if c["id"] == "campaigns")
    assert "DÉMO" in campaigns["title"] and "DÉMO" in campaigns["description"]


def test_paging_links_and_counts(client):
    first = client.get("/ogc/collections/admin-areas-2/items?limit=50").get_json()
    assert (first["numberMatched"], first["numberReturned"]) == (108, 50)
    rels = {link["rel"]: link["href"] for link in first["links"]}
    assert "prev" not in rels and "offset=50" in rels["next"] and "limit=50" in rels["next"]
    last = client.get("/ogc/collections/admin-areas-2/items?limit=50&offset=100").get_json()
    assert last["numberReturned"] == 8 and "next" not in {link["rel"] for link in last["links"]}
    assert "offset=50" in next(link["href"] for link in last["links"] if link["rel"] == "prev")
    past = client.get("/ogc/collections/admin-areas-2/items?offset=5000")
    assert past.status_code == 200
    body = past.get_json()
    assert body["features"] == [] and body["numberMatched"] == 108 and body["numberReturned"] == 0
    assert "next" not in {link["rel"] for link in body["links"]}
    default = client.get("/ogc/collections/admin-areas-3/items").get_json()
    assert default["numberReturned"] == 100 and default["numberMatched"] == 510
    ids = [f["id"] for o in range(0, 108, 40)
           for f in client.get(f"/ogc/collections/admin-areas-2/items?limit=40&offset={o}").get_json()["features"]]
    assert len(ids) == len(set(ids)) == 108


@pytest.mark.parametrize("query, parameter", [
    ("limit=0", "limit"),
    ("limit=10001", "limit"),
    ("limit=abc", "limit"),
    ("offset=-1", "offset"),
    ("bbox=170,-10,-170,10", "bbox"),  # across the antimeridian
    ("bbox=1,2,3", "bbox"),
    ("bbox=a,b,c,d", "bbox"),
    ("bbox=-5,8,-4,7", "bbox"),  # south above north
    ("bbox=-5,7,-4,97", "bbox"),
    ("bbox-crs=http://www.opengis.net/def/crs/EPSG/0/3857&bbox=0,0,1,1", "bbox-crs"),
    ("category=nope", "category"),
    ("datetime=2025-01-01", "datetime"),  # services have no time
    ("sortby=name", "sortby"),
    ("f=xml", "f"),
])
def test_bad_item_parameters_are_400_json(client, query, parameter):
    response = client.get(f"/ogc/collections/services/items?{query}")
    assert response.status_code == 400 and response.is_json, query
    assert response.get_json()["detail"]["parameter"] == parameter


def test_bbox_and_property_filters(client, make):
    inside = make.service(name="Centre OGC de Korhogo", category="social_centre", lon=-5.63, lat=9.46)
    make.service(name="Centre OGC d'Abidjan", category="ngo", lon=-4.02, lat=5.33)
    names = {f["properties"]["name"] for f in client.get(
        "/ogc/collections/services/items?bbox=-5.7,9.4,-5.6,9.5&limit=1000").get_json()["features"]}
    assert "Centre OGC de Korhogo" in names and "Centre OGC d'Abidjan" not in names
    six = client.get("/ogc/collections/services/items?bbox=-5.7,9.4,0,-5.6,9.5,100").get_json()
    assert "Centre OGC de Korhogo" in {f["properties"]["name"] for f in six["features"]}
    social = client.get("/ogc/collections/services/items?category=social_centre&limit=1000").get_json()
    assert {f["properties"]["category"] for f in social["features"]} == {"social_centre"}
    assert social["numberMatched"] == len(social["features"])
    both = client.get("/ogc/collections/services/items?category=social_centre,ngo&limit=1000").get_json()
    assert both["numberMatched"] > social["numberMatched"]
    one = client.get(f"/ogc/collections/services/items/{_link_id(client, inside.id)}").get_json()
    assert one["properties"]["service_id"] == str(inside.id)
    assert client.get("/ogc/collections/services/items/00000000-0000-4000-8000-000000000000").status_code == 404
    assert client.get("/ogc/collections/services/items/nope").status_code == 404
    assert client.get("/ogc/collections/nowhere/items").status_code == 404
    regions = client.get("/ogc/collections/admin-areas-2/items?parent_pcode=CI01&limit=1000").get_json()
    assert regions["numberMatched"] >= 1 and {f["properties"]["parent_pcode"] for f in regions["features"]} == {"CI01"}
    assert client.get("/ogc/collections/admin-areas-0/items/CI").get_json()["properties"]["name"]


def _link_id(client, service_id) -> str:
    features = client.get("/ogc/collections/services/items?limit=10000").get_json()["features"]
    return next(f["id"] for f in features if f["properties"]["service_id"] == str(service_id))


def test_campaigns_by_datetime_and_demo_label(client, planning):  # noqa: F811
    planning.clear()
    area = square(-5.2, 7.5, -4.8, 7.9)
    planning.campaign(area, dt.date(2025, 1, 1), dt.date(2025, 1, 31), name="Radio de janvier")
    planning.campaign(area, dt.date(2025, 6, 1), dt.date(2025, 6, 30), name="Écoles de juin", is_demo=True,
                      channel="schools")

    def names(query: str) -> list[str]:
        response = client.get(f"/ogc/collections/campaigns/items?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return sorted(f["properties"]["name"] for f in response.get_json()["features"])

    assert names("") == ["Radio de janvier", "[DÉMO] Écoles de juin"]
    assert names("datetime=2025-01-15") == ["Radio de janvier"]
    assert names("datetime=2025-01-31T10:00:00Z/2025-06-01") == ["Radio de janvier", "[DÉMO] Écoles de juin"]
    assert names("datetime=../2025-05-31") == ["Radio de janvier"]
    assert names("datetime=2025-02-01/..") == ["[DÉMO] Écoles de juin"]
    assert names("datetime=2026-01-01") == []
    assert names("channel=schools") == ["[DÉMO] Écoles de juin"]
    demo = client.get("/ogc/collections/campaigns/items?channel=schools").get_json()["features"][0]["properties"]
    assert demo["is_demo"] is True and demo["demo_label"] == "DÉMO"
    assert client.get("/ogc/collections/campaigns/items?datetime=2025-06-01/2025-01-01").status_code == 400
    assert client.get("/ogc/collections/campaigns/items?datetime=hier").status_code == 400
    temporal = client.get("/ogc/collections/campaigns").get_json()["extent"]["temporal"]["interval"][0]
    assert temporal == ["2025-01-01T00:00:00Z", "2025-06-30T23:59:59Z"]


def test_html_pages_by_f_or_accept(client):
    for url in ("/ogc?f=html", "/ogc/collections?f=html", "/ogc/conformance?f=html",
                "/ogc/collections/services?f=html", "/ogc/collections/risk-zones/items?f=html&limit=3"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "text/html", url
        assert '<html lang="fr">' in response.get_data(as_text=True)
    page = client.get("/ogc/collections", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.mimetype == "text/html"
    assert "Structures de protection de l'enfance" in html.unescape(page.get_data(as_text=True))
    assert client.get("/ogc/collections", headers={"Accept": "application/json"}).is_json
    items = client.get("/ogc/collections/admin-areas-1/items?f=html&limit=5").get_data(as_text=True)
    assert "33 entités correspondent" in items and "Page suivante" in items
    english = client.get("/ogc/collections?f=html&lang=en").get_data(as_text=True)
    assert "Child protection services" in english


def test_masked_for_everyone(client, db_session, make):
    man = db_session.scalars(select(Place).where(Place.name == "Man").order_by(Place.population.desc())).first()
    make.service(name="Foyer OGC confidentiel", category="chpm", lon=-7.5401, lat=7.4207,
                 location={"confidential": True, "address": "Quartier Libreville lot 12", "place_id": man.id,
                           "town": "Man", "public_contact": "Direction régionale de Man"})
    town = to_shape(man.geom)
    for signed_in in (False, True):
        if signed_in:
            sign_in(client, make.user(role="admin"))
        features = client.get("/ogc/collections/services/items?limit=10000").get_json()["features"]
        secret = next(f for f in features if f["properties"]["name"] == "Foyer OGC confidentiel")
        assert secret["geometry"]["coordinates"] == [round(town.x, 6), round(town.y, 6)]
        assert secret["properties"]["address"] is None and secret["properties"]["masked"] is True
        near = client.get("/ogc/collections/services/items?bbox=-7.545,7.415,-7.535,7.425").get_json()
        assert "Foyer OGC confidentiel" not in {f["properties"]["name"] for f in near["features"]}
