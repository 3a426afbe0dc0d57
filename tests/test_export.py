"""Exports: every format read back by pyogrio, filtered like the list, confidentiality for the
public vs signed-in staff, and export → import giving the same records."""

from __future__ import annotations

import datetime as dt
import tempfile
import zipfile
from pathlib import Path

import pyogrio
import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import select

from webmap.directory.hours import format_hours
from webmap.directory.query import ServiceFilter
from webmap.directory.records import ServiceInput, save_service
from webmap.directory.schedules import stored_languages, stored_openings
from webmap.directory.visibility import PUBLIC, Viewer
from webmap.models import Location, Place, Service, ServiceAtLocation
from webmap.transfer.exporters import FORMATS, export_services
from webmap.transfer.importer import import_file
from webmap.transfer.rows import ImportOptions

from .factories import sign_in

STAFF = Viewer(can_see_confidential=True)
EXACT = (-5.0123, 7.6543)  # a point in Bouaké, away from the town's gazetteer point


@pytest.fixture()
def fr(app):
    with app.test_request_context("/"):
        yield


def read_back(content: bytes, fmt: str, filename: str | None = None):
    """The exported bytes saved as a file and opened by pyogrio (GDAL) by its plain path, as a
    GIS tool opens it: (frame, info)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (filename or f"services.{FORMATS[fmt].extension}")
        path.write_bytes(content)
        if fmt == "shp.zip":  # GDAL's .shp.zip convention: the files at the archive's root
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
            assert "LISEZMOI.txt" in names and "services.shp" in names
            assert not [name for name in names if "/" in name]
            assert pyogrio.read_info(f"/vsizip/{path}")["features"] == pyogrio.read_info(path)["features"]
        return pyogrio.read_dataframe(path), pyogrio.read_info(path)


def bouake(db_session) -> Place:
    return db_session.scalars(
        select(Place).where(Place.name == "Bouaké").order_by(Place.population.desc())
    ).first()


@pytest.fixture()
def shelter(db_session, make):
    """A confidential shelter at an exact address in Bouaké, and an open centre nearby."""
    place = bouake(db_session)
    secret = make.service(
        name="Foyer confidentiel d'export", category="chpm", lon=EXACT[0], lat=EXACT[1],
        phones=("+225 07 00 00 00 01",),
        location={"confidential": True, "address": "Quartier Koko, lot 12", "place_id": place.id,
                  "town": "Bouaké", "public_contact": "Direction régionale, +225 27 31 00 00 00"},
    )
    open_centre = make.service(name="Centre ouvert d'export", category="social_centre",
                               lon=-5.03, lat=7.69, location={"address": "Avenue 1", "town": "Bouaké"})
    return secret, open_centre, place


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_reads_back_with_its_rows_and_crs(db_session, fr, shelter, fmt):
    export = export_services(db_session, fmt, ServiceFilter(q="d'export"), PUBLIC)
    frame, info = read_back(export.content, fmt)
    assert export.rows == 2 and len(frame) == 2 and info["features"] == 2
    names = set(frame["name"])
    assert names == {"Foyer confidentiel d'export", "Centre ouvert d'export"}
    if fmt == "csv":
        assert info["crs"] is None and {"longitude", "latitude"} <= set(frame.columns)
    else:
        assert info["crs"] == "EPSG:4326" and info["geometry_type"] == "Point"
    assert export.filename.endswith("." + FORMATS[fmt].extension)


def _positions(content: bytes, fmt: str) -> dict[str, tuple]:
    frame, _info = read_back(content, fmt)
    address = "address" if "address" in frame.columns else None
    result = {}
    for _index, row in frame.iterrows():
        if fmt == "csv":
            point = (float(row["longitude"]), float(row["latitude"]))
        else:
            point = (row.geometry.x, row.geometry.y)
        value = row[address] if address else None
        text = value if isinstance(value, str) and value else None  # a CSV cannot tell "" from null
        result[row["name"]] = (round(point[0], 5), round(point[1], 5), text)
    return result


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_confidential_location_public_town_point_staff_exact(db_session, fr, shelter, fmt):
    _secret, _open, place = shelter
    town = to_shape(place.geom)
    public = export_services(db_session, fmt, ServiceFilter(q="d'export"), PUBLIC)
    lon, lat, address = _positions(public.content, fmt)["Foyer confidentiel d'export"]
    assert (lon, lat) == (round(town.x, 5), round(town.y, 5)) and address is None
    assert not public.exact_confidential and "CONFIDENTIEL" not in public.filename
    # the open centre keeps its exact position and address for everyone
    assert _positions(public.content, fmt)["Centre ouvert d'export"][2] == "Avenue 1"
    staff = export_services(db_session, fmt, ServiceFilter(q="d'export"), STAFF)
    lon, lat, address = _positions(staff.content, fmt)["Foyer confidentiel d'export"]
    assert (lon, lat) == EXACT and address == "Quartier Koko, lot 12"
    assert staff.exact_confidential and "-CONFIDENTIEL-" in staff.filename


def test_http_exports_anonymous_vs_signed_in(client, make, shelter):
    _secret, _open, place = shelter
    town = to_shape(place.geom)
    response = client.get("/export/services.gpkg?q=d'export")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/geopackage+sqlite3"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="webmap-services-')
    lon, lat, address = _positions(response.data, "gpkg")["Foyer confidentiel d'export"]
    assert (lon, lat, address) == (round(town.x, 5), round(town.y, 5), None)
    sign_in(client, make.user(role="referral"))
    response = client.get("/export/services.gpkg?q=d'export")
    assert _positions(response.data, "gpkg")["Foyer confidentiel d'export"] == (*EXACT, "Quartier Koko, lot 12")
    assert "no-store" in response.headers["Cache-Control"]
    assert "CONFIDENTIEL" in response.headers["Content-Disposition"]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_http_export_opens_by_its_plain_file_name_masked_for_the_public(client, make, shelter, fmt):
    """The file as downloaded, under the name the server gives it, opened by pyogrio as it is."""
    _secret, _open, place = shelter
    town = to_shape(place.geom)
    response = client.get(f"/export/services.{fmt}?q=d'export")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(FORMATS[fmt].mimetype)
    filename = response.headers["Content-Disposition"].split('filename="')[1].rstrip('"')
    assert filename.endswith("." + FORMATS[fmt].extension) and "CONFIDENTIEL" not in filename
    frame, info = read_back(response.data, fmt, filename)
    assert len(frame) == 2 == info["features"]
    assert _positions(response.data, fmt)["Foyer confidentiel d'export"] == (round(town.x, 5), round(town.y, 5), None)
    sign_in(client, make.user(role="referral"))
    response = client.get(f"/export/services.{fmt}?q=d'export")
    filename = response.headers["Content-Disposition"].split('filename="')[1].rstrip('"')
    assert "-CONFIDENTIEL-" in filename and "no-store" in response.headers["Cache-Control"]
    read_back(response.data, fmt, filename)
    assert _positions(response.data, fmt)["Foyer confidentiel d'export"] == (*EXACT, "Quartier Koko, lot 12")


def test_flatgeobuf_export_carries_its_attribution_and_spatial_index(db_session, fr, shelter):
    export = export_services(db_session, "fgb", ServiceFilter(q="d'export"), PUBLIC)
    assert export.content[:4] == b"fgb\x03"
    _frame, info = read_back(export.content, "fgb")
    assert info["layer_name"] == "services" and info["capabilities"]["fast_spatial_filter"]
    assert "OpenStreetMap" in info["layer_metadata"]["DESCRIPTION"]
    assert "position au centre de leur ville" in info["layer_metadata"]["DESCRIPTION"]


def test_exports_are_filtered_like_the_list(client, make):
    make.service(name="Filtre police active", category="police", lon=-5.03, lat=7.69)
    make.service(name="Filtre police fermée", category="police", lon=-5.03, lat=7.70, status="inactive")
    make.service(name="Filtre centre social", category="social_centre", lon=-5.04, lat=7.69)
    frame, _ = read_back(client.get("/export/services.geojson?q=filtre&category=police").data, "geojson")
    assert set(frame["name"]) == {"Filtre police active"}  # the list hides inactive ones by default
    frame, _ = read_back(client.get("/export/services.csv?q=filtre&status=all").data, "csv")
    assert len(frame) == 3
    list_page = client.get("/directory/?q=filtre&category=police").get_data(as_text=True)
    assert "Filtre police active" in list_page and "Filtre police fermée" not in list_page
    response = client.get("/export/services.csv?category=orphelinat")
    assert response.status_code == 400 and response.get_json()["detail"]["parameter"] == "category"


def test_csv_export_defuses_spreadsheet_formulas(db_session, fr, make):
    make.service(name="=HYPERLINK(\"http://x\")", category="ngo", phones=("+225 07 00 00 00 02",))
    export = export_services(db_session, "csv", ServiceFilter(q="hyperlink"), PUBLIC)
    text = export.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",+225 07 00 00 00 02," in text


# --- export → import --------------------------------------------------------------------------

ROUND_TRIP = [
    ServiceInput(
        name="Aller-retour Foyer Sœurs de Béoumi", category="chpm", organization_name="Œuvre Aller-Retour",
        source="Test aller-retour", lon=-5.5712, lat=7.6741, precision="exact", confidential=True,
        public_contact="Direction régionale", address="Quartier Résidentiel, villa 3", town="Béoumi",
        description="Hébergement d'urgence ; « accueil » 24 h/24", alternate_name="FSB",
        needs=["shelter", "psychosocial"], minimum_age=6, maximum_age=17, sexes="female", capacity=24,
        capacity_updated=dt.date(2024, 3, 31), status="active", email="foyer@example.org",
        url="https://example.org/foyer", phones=["+225 07 11 22 33 44", "+225 27 31 00 11 22"],
        hours="lun-ven 08:00-17:00; sam 08:00-12:00", languages="français, dioula, sénoufo",
    ),
    ServiceInput(
        name="Aller-retour Cellule juridique d'Odienné", category="justice",
        organization_name="Œuvre Aller-Retour", source="Test aller-retour", lon=-7.5643, lat=9.5051,
        precision="approximate", needs=["legal"], status="planned", hours="24h/24",
    ),
]
COMPARED = ("name", "category", "source", "precision", "confidential", "public_contact", "address", "town",
            "description", "alternate_name", "needs", "minimum_age", "maximum_age", "sexes", "capacity",
            "capacity_updated", "status", "email", "url", "organization", "phones", "lon", "lat")


def snapshot(db_session) -> list[dict]:
    rows = db_session.execute(
        select(Service, Location, Location.geom.ST_X().label("lon"), Location.geom.ST_Y().label("lat"))
        .join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(Service.name.like("Aller-retour%"))
        .order_by(Service.name)
    ).all()
    result = []
    for service, location, lon, lat in rows:
        record = {name: getattr(service, name, None) for name in COMPARED}
        record.update({name: getattr(location, name) for name in (
            "precision", "confidential", "public_contact", "address", "town")})
        record["organization"] = service.organization.name
        record["phones"] = sorted(p.number for p in service.phones)
        record["lon"], record["lat"] = round(lon, 6), round(lat, 6)
        record["hours"] = format_hours(stored_openings(db_session, service.id))
        record["languages"] = stored_languages(db_session, service.id)
        result.append(record)
    return result


# FlatGeobuf is written for GIS tools, not read by the import (its formats: webmap.transfer.readers).
@pytest.mark.parametrize("fmt", [fmt for fmt in FORMATS if fmt != "fgb"])
def test_export_then_import_gives_the_same_records(db_session, fr, fmt):
    savepoint = db_session.begin_nested()
    for entry in ROUND_TRIP:
        save_service(db_session, entry)
    original = snapshot(db_session)
    export = export_services(db_session, fmt, ServiceFilter(q="aller-retour", statuses=()), STAFF)
    savepoint.rollback()  # the records are gone; only the file remains
    assert snapshot(db_session) == []
    report = import_file(db_session, export.content, export.filename, ImportOptions(), dry_run=False)
    assert report.committed, [(r.number, r.messages) for r in report.rows]
    assert snapshot(db_session) == original
    assert len(original) == 2 and original[1]["phones"] and original[0]["status"] == "planned"
    assert original[1]["hours"] == "lun-ven 08:00-17:00; sam 08:00-12:00" and original[0]["hours"] == "24h/24"
    assert original[1]["languages"] == ["français", "dioula", "sénoufo"] and original[0]["languages"] == []
