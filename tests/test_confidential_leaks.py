"""Confidential locations reveal nothing of their exact position in any anonymous output.

Two shelters are created as people create them — one through the directory form, one through
the import — each far from the village nearest its point, one across a département line from
its town. Then every GET route of the app's URL map (a new route without an entry below fails
``test_every_get_route_is_scanned``) is requested anonymously and read as text (HTML, JSON,
CSV, PDF text, every member of a zip, GeoPackage and Shapefile rows as GeoJSON), and:

* no output mentions the exact coordinates, the address, the areas of the exact point (P-code
  or name) or the village nearest it more often than it did before the shelters existed;
* moving the exact points elsewhere (as an edit would store them) changes no output, byte for
  byte, status and headers included: nothing — sort order, distance, direction, PNG marker,
  ETag — depends on the exact position.
"""

from __future__ import annotations

import html
import io
import json
import re
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pyogrio
import pytest
from geoalchemy2.shape import to_shape
from pypdf import PdfReader
from sqlalchemy import select, text

from webmap.models import Location, Place, Service, ServiceAtLocation

from .factories import csrf_token, sign_in

# The issue's CHPM: 4.8 km from Bouaké's centre; the nearest gazetteer place is Boblénou.
BOUAKE_SHELTER = (-4.99213, 7.72468)
# In Mankono (Béré), 5 km from the small Prikro of Béoumi (Gbêkê) across the département line;
# the nearest gazetteer place is Bada. The larger Prikro (Iffou) is 150 km away.
PRIKRO_SHELTER = (-5.52137, 8.13492)
# Where the differential check moves them (other sous-préfectures, same towns within 60 km).
MOVED = {BOUAKE_SHELTER: (-5.21874, 7.86143), PRIKRO_SHELTER: (-5.40862, 8.02117)}

ADDRESS_FORM = "Quartier Zérobaléa, lot 4417"
ADDRESS_IMPORT = "Cour Yokossi derrière la pompe"
FORGED_TOKEN = "Zm9yZ2VkLXZlcmlmaWNhdGlvbi10b2tlbg"

# Routes that serve the code's own files, not data.
NOT_DATA = {
    "static": "the app's scripts and styles",
    "assets.vendor": "vendored libraries",
    "transfer.static": "the import page's script",
    "offline.service_worker": "the service worker's code (and the names of the app's files)",
    "offline.manifest": "the web app's name and icons",
}


@dataclass
class Shelter:
    service_id: uuid.UUID
    location_id: uuid.UUID
    organization_id: uuid.UUID
    lon: float
    lat: float
    address: str
    town: Place
    exact_areas: dict[str, tuple[str, str]]  # level -> (pcode, name) of the exact point's area
    village: str  # the gazetteer place nearest the exact point
    town_lon: float = 0.0
    town_lat: float = 0.0
    link_id: uuid.UUID | None = None  # its service_at_location row


def _areas_of(db_session, lon: float, lat: float) -> dict[str, tuple[str, str]]:
    rows = db_session.execute(
        text("SELECT level, pcode, name FROM admin_area WHERE level IN ('adm1', 'adm2', 'adm3') "
             "AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"),
        {"lon": lon, "lat": lat},
    ).all()
    return {r.level: (r.pcode, r.name) for r in rows}


def _nearest_place(db_session, lon: float, lat: float) -> str:
    return db_session.scalar(
        text("SELECT name FROM place ORDER BY geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) LIMIT 1"),
        {"lon": lon, "lat": lat},
    )


def _shelter(db_session, name: str, address: str) -> Shelter:
    service, location, link_id = db_session.execute(
        select(Service, Location, ServiceAtLocation.id)
        .join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(Service.name == name)
    ).one()
    lon, lat = db_session.execute(
        text("SELECT ST_X(geom), ST_Y(geom) FROM location WHERE id = :id"), {"id": location.id}
    ).one()
    town = db_session.get(Place, location.place_id)
    town_point = to_shape(town.geom)
    return Shelter(
        service_id=service.id, location_id=location.id, organization_id=service.organization_id,
        lon=lon, lat=lat, address=address, town=town,
        exact_areas=_areas_of(db_session, lon, lat), village=_nearest_place(db_session, lon, lat),
        town_lon=town_point.x, town_lat=town_point.y, link_id=link_id,
    )


def _through_the_form(client, db_session, editor, organization) -> Shelter:
    sign_in(client, editor)
    lon, lat = BOUAKE_SHELTER
    response = client.post("/directory/services/new", data={
        "csrf_token": csrf_token(client), "name": "Centre d'hébergement confidentiel Alpha",
        "category": "chpm", "organization_id": str(organization.id), "status": "active",
        "source": "Visite de terrain, décembre 2026", "lat": str(lat), "lon": str(lon),
        "precision": "exact", "town": "bouake", "confidential": "y", "address": ADDRESS_FORM,
        "public_contact": "Centre social de Bouaké", "phones": "116", "needs": ["shelter"],
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    return _shelter(db_session, "Centre d'hébergement confidentiel Alpha", ADDRESS_FORM)


def _through_the_import(client, db_session, editor, organization) -> Shelter:
    sign_in(client, editor)
    lon, lat = PRIKRO_SHELTER
    rows = (
        "nom,categorie,ville,adresse,confidentiel,longitude,latitude,source,telephone\n"
        f"Centre de transit confidentiel Bêta,chpm,Prikro,{ADDRESS_IMPORT},oui,{lon},{lat},"
        "Liste du ministère 2026,116\n"
    ).encode()
    token = csrf_token(client, "/directory/import")
    response = client.post("/directory/import", data={
        "csrf_token": token, "file": (io.BytesIO(rows), "centres.csv"), "organization_id": str(organization.id),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    preview = response.headers["Location"]
    report = client.get(preview).get_data(as_text=True)
    assert "Importer 1 structure" in report, report
    assert client.post(preview + "/commit", data={"csrf_token": token}).status_code == 302
    return _shelter(db_session, "Centre de transit confidentiel Bêta", ADDRESS_IMPORT)


@pytest.fixture()
def shelters(client, db_session, make) -> list[Shelter]:
    organization = make.organization("ONG Refuge")
    editor = make.user(role="editor", organizations=[organization], name="Awa Koné")
    found = [
        _through_the_form(client, db_session, editor, organization),
        _through_the_import(client, db_session, editor, organization),
    ]
    client.post("/auth/logout", data={"csrf_token": csrf_token(client)})
    with client.session_transaction() as session:
        session.clear()
    return found


# --- the records are where they should be -------------------------------------------------------


def test_the_public_point_is_the_named_town_never_a_place_near_the_exact_point(client, shelters):
    bouake, prikro = shelters
    assert (bouake.town.name, bouake.village) == ("Bouaké", "Boblénou")
    assert bouake.town.population > 800_000  # the city, not a homonym
    assert (prikro.town.name, prikro.town.adm2_pcode) == ("Prikro", "CI1101")  # the one 5 km away
    assert prikro.exact_areas["adm2"][0] == "CI0703" and prikro.village == "Bada"
    for shelter in shelters:
        feature = client.get(f"/api/v1/services/{shelter.service_id}").get_json()
        properties = feature["properties"]
        assert properties["masked"] is True and properties["address"] is None
        assert properties["town"] == shelter.town.name
        town_areas = (shelter.town.adm1_pcode, shelter.town.adm2_pcode)
        assert (properties["adm1_pcode"], properties["adm2_pcode"]) == town_areas
        assert feature["geometry"]["coordinates"] == [round(shelter.town_lon, 6), round(shelter.town_lat, 6)]
        nearest = client.get(f"/api/v1/nearest?lat={shelter.lat}&lon={shelter.lon}&category=chpm&limit=50").get_json()
        mine = [r for r in nearest["results"] if r["id"] == str(shelter.service_id)]
        assert mine, nearest
        expected_km = _km(shelter.lon, shelter.lat, shelter.town_lon, shelter.town_lat)
        assert abs(mine[0]["distance_km"] - expected_km) < 0.05  # measured to the town, not the shelter


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    from pyproj import Geod

    return Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2] / 1000


def test_the_directory_and_exports_filter_by_the_towns_areas_for_the_public(client, shelters):
    prikro = shelters[1]
    exact_departement = prikro.exact_areas["adm2"][0]
    listed = client.get(f"/directory/?departement={prikro.town.adm2_pcode}").get_data(as_text=True)
    assert "Centre de transit confidentiel" in listed
    for url in (f"/directory/?departement={exact_departement}", f"/export/services.csv?departement={exact_departement}",
                f"/directory/?region={prikro.exact_areas['adm1'][0]}"):
        assert "Centre de transit confidentiel" not in client.get(url).get_data(as_text=True), url


def test_every_get_route_is_scanned(app, shelters, batch_id):
    covered = set(_urls(shelters, batch_id)) | set(NOT_DATA)
    missing = _get_endpoints(app) - covered
    assert not missing, f"GET routes without a confidentiality check: {sorted(missing)}"
    assert not covered - _get_endpoints(app), "entries for routes that no longer exist"


# --- every anonymous output ---------------------------------------------------------------------


def _urls(shelters: list[Shelter], batch_id) -> dict[str, list[str]]:
    """For every GET endpoint, the anonymous requests that exercise it."""
    first = shelters[0]
    ids = [s.service_id for s in shelters]
    nearest = []
    for s in shelters:
        for lon, lat in ((s.lon, s.lat), (s.lon + 0.02, s.lat - 0.01), (s.town_lon, s.town_lat)):
            nearest.append(f"/api/v1/nearest?lat={lat:.5f}&lon={lon:.5f}&limit=10")
            nearest.append(f"/api/v1/nearest?lat={lat:.5f}&lon={lon:.5f}&category=chpm&need=shelter&limit=5")
    boxes = [f"{s.lon - 0.05:.4f},{s.lat - 0.05:.4f},{s.lon + 0.05:.4f},{s.lat + 0.05:.4f}" for s in shelters]
    areas = [s.exact_areas[level][0] for s in shelters for level in ("adm1", "adm2")]
    towns_areas = [getattr(s.town, f"{level}_pcode") for s in shelters for level in ("adm1", "adm2")]
    region_args = [f"region={p}" for p in areas[::2] + towns_areas[::2]] + [
        f"departement={p}" for p in areas[1::2] + towns_areas[1::2]]
    unknown = uuid.uuid4()
    return {
        "map.index": ["/", "/?lang=en"],
        "map.shell_script": ["/map/shell.js"],
        "map.symbols_sprite": ["/map/symbols.svg"],
        "map.places_file": ["/map/places.geojson"],
        "map.boundaries_file": ["/map/boundaries/regions.geojson", "/map/boundaries/country.geojson",
                                "/map/boundaries/departements.geojson"],
        "api.healthz": ["/healthz"],
        "api.openapi": ["/openapi.json"],
        "api.admin_areas": ["/api/v1/admin-areas?level=1&simplify=0.01"],
        "api.places": [f"/api/v1/places?q={name}" for s in shelters for name in (s.village, s.town.name)],
        "api.towns": ["/api/v1/towns", "/api/v1/towns?limit=500"] + [f"/api/v1/towns?bbox={b}" for b in boxes],
        "api.services": ["/api/v1/services", "/api/v1/services?category=chpm"]
        + [f"/api/v1/services?bbox={b}" for b in boxes]
        + [f"/api/v1/services?q={s.village}" for s in shelters],
        "api.service": [f"/api/v1/services/{i}" for i in ids],
        # The map's layer: clusters wherever a view holds more than 3 services (see the scan), the
        # services one by one in the shelters' small boxes; every zoom level the table counts.
        "api.service_clusters": [f"/api/v1/services/clusters?zoom={z}" for z in (5, 7, 9, 11, 12, 14, 16)]
        + [f"/api/v1/services/clusters?bbox=-8.7,4.2,-2.4,10.8&zoom={z}" for z in range(5, 15)]
        + [f"/api/v1/services/clusters?bbox={b}&zoom={z}" for b in boxes for z in (9, 12, 14)]
        + ["/api/v1/services/clusters?zoom=7&category=chpm"],
        "referral.api_nearest": nearest,
        "referral.index": ["/referral"],
        "offline.offline_package": ["/api/v1/offline"],
        "referral.results": [u.replace("/api/v1/nearest", "/referral/results") for u in nearest[::2]]
        + [f"/referral/results?place={s.town.name}&need=shelter" for s in shelters],
        "referral.sheet_page": [u.replace("/api/v1/nearest", "/referral/sheet") for u in nearest[1::4]],
        "planning.campaigns_api": ["/api/v1/campaigns"],
        "planning.risk_zones_api": ["/api/v1/risk-zones"],
        "planning.coverage_api": ["/api/v1/coverage?level=1", "/api/v1/coverage?level=2"],
        "planning.index": ["/planning"],
        "planning.coverage_csv": ["/planning/coverage.csv?level=2"],
        "planning.priorities_api": ["/planning/priorities.json"],
        "planning.service_desert_api": ["/planning/service-desert.geojson"],
        "planning.manage": ["/planning/manage"],
        "planning.campaign_create": ["/planning/campaigns/new"],
        "planning.campaign_edit": [f"/planning/campaigns/{unknown}/edit"],
        "planning.zone_create": ["/planning/zones/new"],
        "planning.zone_edit": [f"/planning/zones/{unknown}/edit"],
        "directory.index": ["/directory/", "/directory/?category=chpm", f"/directory/?q={first.village}"]
        + [f"/directory/?{a}" for a in region_args],
        "directory.detail": [f"/directory/services/{i}" for i in ids],
        "directory.edit": [f"/directory/services/{i}/edit" for i in ids],
        "directory.create": ["/directory/services/new"],
        "directory.dashboard": ["/directory/dashboard"],
        "directory.to_verify": ["/directory/to-verify"],
        "directory.proposals": ["/directory/proposals"],
        "directory.organizations": ["/directory/organizations"],
        "directory.organization_form": [
            "/directory/organizations/new", f"/directory/organizations/{first.organization_id}/edit"],
        "directory.organization_history": [f"/directory/organizations/{first.organization_id}/history"],
        "transfer.import_upload": ["/directory/import"],
        "transfer.import_template": ["/directory/import/template.csv"],
        "transfer.import_history": ["/directory/imports"],
        "transfer.import_preview": [f"/directory/import/{batch_id}"],
        "transfer.import_report_csv": [f"/directory/import/{batch_id}/report.csv"],
        "transfer.import_left_out_csv": [f"/directory/import/{batch_id}/left-out.csv"],
        "transfer.import_values": ["/directory/import/values.csv"],
        "directory.merge_page": ["/directory/merge", f"/directory/merge?keep={ids[0]}",
                                 f"/directory/merge?keep={ids[0]}&drop={ids[1]}"],
        "transfer.export_csv": ["/export/services.csv"] + [f"/export/services.csv?{a}" for a in region_args],
        "transfer.export_geojson": ["/export/services.geojson"],
        "transfer.export_gpkg": ["/export/services.gpkg"],
        "transfer.export_shp_zip": ["/export/services.shp.zip"],
        "transfer.export_fgb": ["/export/services.fgb"],
        "transfer.export_hsds_zip": ["/export/hsds.zip"],
        "export.print_page": ["/print"],
        "export.map_pdf": ["/export/map.pdf"] + [f"/export/map.pdf?{a}" for a in region_args[:2]],
        "export.map_png": ["/export/map.png?width=800&height=600"]
        + [f"/export/map.png?{a}&width=600&height=600" for a in region_args[1:4:2]],
        "export.atlas_pdf": ["/export/atlas.pdf"],
        "feeds.changes_atom": ["/feeds/changes.atom", "/feeds/changes.atom?lang=en",
                               f"/feeds/changes.atom?organization={first.organization_id}"]
        + [f"/feeds/changes.atom?{a}" for a in region_args if a.startswith("region=")],
        "feeds.changes_json": ["/feeds/changes.json",
                               "/feeds/changes.json?modified_after=2000-01-01T00:00:00Z&limit=500",
                               f"/feeds/changes.json?organization={first.organization_id}"]
        + [f"/feeds/changes.json?{a}" for a in region_args if a.startswith("region=")],
        "auth.login": ["/auth/login"],
        "auth.password": ["/auth/password"],
        "auth.users": ["/auth/users"],
        "auth.user_new": ["/auth/users/new"],
        "auth.user_edit": [f"/auth/users/{unknown}"],
        "suggest.form": ["/suggest"] + [f"/suggest?service={i}" for i in ids],
        # A verification link shows its structure's confidential details to whoever holds it
        # (tests/test_verification_links.py); without one, nothing.
        "suggest.verify": [f"/verify/{FORGED_TOKEN}"],
        "suggest.verify_corrections": [f"/verify/{FORGED_TOKEN}/corrections"],
        "suggest.accept": [f"/directory/suggestions/{unknown}/accept"],
        "suggest.service_links": [f"/directory/services/{i}/verification-links" for i in ids],
        "suggest.verification_campaign": ["/directory/verification"],
        **_open_interfaces(shelters, boxes),
    }


def _open_interfaces(shelters: list[Shelter], boxes: list[str]) -> dict[str, list[str]]:
    """The HSDS API and the OGC API: every page of the lists that hold the shelters."""
    pages = [f"per_page=10&page={n}" for n in range(1, 5)]
    near = [f"lat={lat:.5f}&lon={lon:.5f}&proximity={metres}" for s in shelters
            for lon, lat in ((s.lon, s.lat), (s.town_lon, s.town_lat)) for metres in (500, 20000)]
    words = [f"search={s.village}" for s in shelters] + [f"search={s.address.split()[-1]}" for s in shelters]
    organization = shelters[0].organization_id
    offsets = [f"limit=10&offset={n}" for n in range(0, 40, 10)]
    return {
        "hsds.index": ["/hsds/"],
        "hsds.openapi": ["/hsds/openapi.json"],
        "hsds.services": ["/hsds/services?full=true&per_page=1000", "/hsds/services?format=ndjson&full=true"]
        + [f"/hsds/services?{p}" for p in pages] + [f"/hsds/services?{w}&full=true" for w in words],
        "hsds.service": [f"/hsds/services/{s.service_id}" for s in shelters],
        "hsds.service_at_locations": ["/hsds/service_at_locations?full=true&per_page=1000",
                                      "/hsds/service_at_locations?format=ndjson&full=true"]
        + [f"/hsds/service_at_locations?{p}" for p in pages]
        + [f"/hsds/service_at_locations?{n}&full=true" for n in near],
        "hsds.service_at_location": [f"/hsds/service_at_locations/{s.link_id}" for s in shelters],
        "hsds.organizations": ["/hsds/organizations?full=true&full_service=true&per_page=1000",
                               "/hsds/organizations?format=ndjson&full_service=true"],
        "hsds.organization": [f"/hsds/organizations/{organization}?full_service=true"],
        "hsds.taxonomies": ["/hsds/taxonomies"],
        "hsds.taxonomy": ["/hsds/taxonomies/nope"],
        "hsds.taxonomy_terms": ["/hsds/taxonomy_terms?per_page=100"],
        "hsds.taxonomy_term": ["/hsds/taxonomy_terms/nope"],
        "ogc.landing": ["/ogc", "/ogc?f=html"],
        "ogc.api": ["/ogc/api"],
        "ogc.conformance": ["/ogc/conformance"],
        "ogc.collections": ["/ogc/collections", "/ogc/collections?f=html"],
        "ogc.collection": ["/ogc/collections/services", "/ogc/collections/services?f=html"],
        "ogc.items": ["/ogc/collections/services/items?limit=10000",
                      "/ogc/collections/services/items?f=html&limit=10000",
                      "/ogc/collections/services/items?category=chpm&need=shelter"]
        + [f"/ogc/collections/services/items?{o}" for o in offsets]
        + [f"/ogc/collections/services/items?bbox={b}" for b in boxes],
        "ogc.item": [f"/ogc/collections/services/items/{s.link_id}" for s in shelters]
        + [f"/ogc/collections/services/items/{s.link_id}?f=html" for s in shelters],
    }


def _get_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}


def _zip_text(data: bytes) -> str:
    parts = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        for name in names:
            if name.endswith((".csv", ".json", ".txt", ".md", ".prj", ".cpg", ".geojson", ".ndjson", ".xml")):
                parts.append(archive.read(name).decode("utf-8", "replace"))
        for name in names:
            if name.endswith(".shp"):
                parts.append(_ogr_text(data, ".zip", inner=name))
    return "\n".join(parts)


def _ogr_text(data: bytes, suffix: str, inner: str = "") -> str:
    """Every layer's rows and geometries as GeoJSON text (``inner``: a file inside a zip)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"file{suffix}"
        path.write_bytes(data)
        source = f"/vsizip/{path}/{inner}" if inner else str(path)
        parts = []
        for layer, _kind in pyogrio.list_layers(source):
            frame = pyogrio.read_dataframe(source, layer=layer)
            parts.append(frame.to_json() if hasattr(frame, "to_json") else frame.to_csv())
        return "\n".join(parts)


def _ogr_metadata(data: bytes, suffix: str) -> dict:
    """Every layer's metadata (title, description…), which GIS tools show too."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"file{suffix}"
        path.write_bytes(data)
        return {str(layer): pyogrio.read_info(path, layer=layer)["layer_metadata"]
                for layer, _kind in pyogrio.list_layers(path)}


def readable(response) -> str:
    """The response as text a person (or a scraper) could read."""
    data = response.get_data()
    kind = response.mimetype or ""
    if kind == "application/pdf":
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    if data[:2] == b"PK":
        return _zip_text(data)
    if kind.startswith("image/"):
        return ""  # pixels: covered by the differential check
    if "geopackage" in kind or data[:16] == b"SQLite format 3\x00":
        return _ogr_text(data, ".gpkg")
    if data[:4] == b"fgb\x03":  # FlatGeobuf: its rows, geometries and layer metadata
        return _ogr_text(data, ".fgb") + "\n" + json.dumps(_ogr_metadata(data, ".fgb"), ensure_ascii=False)
    return html.unescape(data.decode("utf-8", "replace"))


def _coordinates(shelter: Shelter) -> list[str]:
    """The exact point's coordinates as an output could write them."""
    found = []
    for value in (shelter.lon, shelter.lat):
        for digits in (3, 4, 5):
            found.append(f"{value:.{digits}f}")
            found.append(f"{value:.{digits}f}".replace(".", ","))  # French decimal comma
        found.append(f"{int(value * 10_000) / 10_000:.4f}")  # truncated
    return found


def _words(shelter: Shelter) -> list[str]:
    """The address, the exact point's areas (P-codes, names) and its nearest village."""
    found = [shelter.address, shelter.village]
    town_codes = {shelter.town.adm1_pcode, shelter.town.adm2_pcode, shelter.town.adm3_pcode}
    for pcode, name in shelter.exact_areas.values():
        if pcode not in town_codes:
            found += [pcode, name]
    return [n for n in found if n and n != shelter.town.name]


# Outputs made of polygons: their thousands of vertices may hold any 4-decimal number, so the
# coordinates are not looked for as text there; the differential check covers them.
POLYGONS = {"api.admin_areas", "planning.service_desert_api", "planning.risk_zones_api", "planning.campaigns_api"}


def _fetch(client, urls: dict[str, list[str]]) -> dict[str, object]:
    # buffered: a streamed answer (NDJSON) is read to its end before the next request is made
    return {url: client.get(url, buffered=True) for group in urls.values() for url in group}


def _counts(text_: str, needles: list[str]) -> dict[str, int]:
    return {n: len(re.findall(rf"(?<![\w.]){re.escape(n)}(?![\w])", text_)) for n in needles}


def _move_exact_points(db_session, shelters: list[Shelter]) -> None:
    """Store other exact points (and their areas), as an edit of the position would."""
    for shelter in shelters:
        lon, lat = MOVED[(round(shelter.lon, 5), round(shelter.lat, 5))]
        areas = _areas_of(db_session, lon, lat)
        db_session.execute(
            text("UPDATE location SET geom = ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), "
                 "adm1_pcode = :adm1, adm2_pcode = :adm2, adm3_pcode = :adm3 WHERE id = :id"),
            {"lon": lon, "lat": lat, "id": shelter.location_id,
             **{level: areas[level][0] for level in ("adm1", "adm2", "adm3")}},
        )
        assert areas["adm3"][0] != shelter.exact_areas["adm3"][0]
    db_session.flush()


@pytest.fixture()
def batch_id(db_session, shelters):
    from webmap.models.transfer import ImportBatch

    return db_session.scalars(select(ImportBatch.id).order_by(ImportBatch.created_at.desc()).limit(1)).first()


def test_no_anonymous_output_depends_on_or_reveals_an_exact_position(app, client, db_session, shelters, batch_id,
                                                                    monkeypatch):
    # The map's layer draws a view of more than 3 services as clusters: both of its answers scanned.
    monkeypatch.setitem(app.config, "WEBMAP_MAP_POINTS_LIMIT", 3)
    urls = _urls(shelters, batch_id)
    assert set(urls) | set(NOT_DATA) >= _get_endpoints(app)

    # 1. Nothing says more about the exact points than the same outputs without the shelters.
    links = _unlink(db_session, shelters)
    baseline = {url: readable(r) for url, r in _fetch(client, urls).items()}
    _relink(db_session, links)
    after = _fetch(client, urls)
    leaks = []
    for endpoint, group in urls.items():
        for url in group:
            response = after[url]
            assert response.status_code < 500, (url, response.status_code)
            for shelter in shelters:
                needles = _words(shelter) + ([] if endpoint in POLYGONS else _coordinates(shelter))
                now, then = _counts(readable(response), needles), _counts(baseline[url], needles)
                leaks += [(url, n, then[n], now[n]) for n in needles if now[n] > then[n]]
    assert not leaks, "exact positions revealed:\n" + "\n".join(map(str, leaks))

    # 2. Moving the exact points changes nothing the public sees.
    _move_exact_points(db_session, shelters)
    moved = _fetch(client, urls)
    differ = [url for url, response in after.items() if comparable(response) != comparable(moved[url])]
    assert not differ, f"outputs depending on the exact position: {differ}"


# Values that differ between two identical requests: folium's element ids, CSRF tokens, nonces,
# the time of day a package was made.
_PER_RESPONSE = re.compile(rb"(?<=_)[0-9a-f]{32}\b|(?<=csrf_token\" type=\"hidden\" value=\")[^\"]+|"
                           rb"(?<=nonce=\")[^\"]+|(?<=nonce-)[A-Za-z0-9+/=_-]+|"
                           rb"(?<=\d{4}-\d\d-\d\dT)\d\d:\d\d:\d\d(?:\.\d+)?")


def comparable(response) -> tuple:
    """What a person receives, less what changes on every request and container metadata
    (zip member dates, GeoPackage timestamps), and the ETag: status, headers, and the content itself."""
    data = response.get_data()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            body = tuple((name, _PER_RESPONSE.sub(b"*", archive.read(name))) for name in sorted(archive.namelist())
                         if not name.endswith(".gpkg"))
    elif data[:16] == b"SQLite format 3\x00":
        body = readable(response)
    else:
        body = _PER_RESPONSE.sub(b"*", data)
    # The ETag follows the data version, which every write moves (webmap/httpcache): it tells that
    # something was written, never what nor where; the content itself must not change.
    # max-age of the nearest search runs to the end of the current minute.
    headers = {k: re.sub(rb"max-age=\d+", b"max-age=*", _PER_RESPONSE.sub(b"*", v.encode()))
               for k, v in response.headers.items()
               if k not in {"Date", "Set-Cookie", "Vary", "Content-Length", "ETag"}}
    return response.status_code, headers, body


def _unlink(db_session, shelters: list[Shelter]) -> list:
    """Take the shelters out of every output (their service-location links) for the baseline."""
    links = [
        db_session.execute(
            text("DELETE FROM service_at_location WHERE service_id = :s RETURNING id, service_id, location_id"),
            {"s": shelter.service_id},
        ).one()
        for shelter in shelters
    ]
    db_session.flush()
    return links


def _relink(db_session, links: list) -> None:
    for link in links:
        db_session.execute(
            text("INSERT INTO service_at_location (id, service_id, location_id) VALUES (:id, :s, :l)"),
            {"id": link.id, "s": link.service_id, "l": link.location_id},
        )
    db_session.flush()
