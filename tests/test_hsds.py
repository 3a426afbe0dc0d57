"""``/export/hsds.zip``: an HSDS 3.0 tabular data package that validates against the Open Referral
JSON schemas (offline copy in ../shared/hsds/schema), with confidentiality applied."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import select

from webmap.directory.query import ServiceFilter
from webmap.directory.visibility import PUBLIC, Viewer
from webmap.models import Place
from webmap.transfer.hsds import TABLES, default_schema_dir, export_hsds, read_package, validate_package

STAFF = Viewer(can_see_confidential=True)


@pytest.fixture(scope="module")
def schema_dir():
    folder = default_schema_dir()
    assert (folder / "service.json").is_file(), f"HSDS schemas missing in {folder}"
    return folder


@pytest.fixture()
def fr(app):
    with app.test_request_context("/"):
        yield


@pytest.fixture()
def records(db_session, make):
    place = db_session.scalars(
        select(Place).where(Place.name == "Man").order_by(Place.population.desc())
    ).first()
    org = make.organization(name="ONG HSDS", description=None, website="example.org")
    secret = make.service(
        name="Foyer HSDS confidentiel", category="chpm", lon=-7.5401, lat=7.4207, organization=org,
        phones=("+225 07 12 34 56 78",), needs=["shelter", "medical"], minimum_age=5, maximum_age=17,
        sexes="all", email="foyer@example.org", url="www.example.org/foyer",
        location={"confidential": True, "address": "Quartier Libreville", "place_id": place.id, "town": "Man",
                  "adm1_pcode": "CI0901", "public_contact": "Direction régionale de Man"},
    )
    planned = make.service(name="Centre HSDS prévu", category="social_centre", lon=-7.55, lat=7.41,
                           organization=org, status="planned")
    return secret, planned, place


def test_hsds_zip_validates_against_the_schemas(client, records, schema_dir):
    response = client.get("/export/hsds.zip?q=hsds&status=all")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/zip"
    assert validate_package(response.data, schema_dir) == []
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        descriptor = json.loads(archive.read("datapackage.json"))
        assert descriptor["profile"] == "tabular-data-package"
        paths = {resource["path"] for resource in descriptor["resources"]}
        assert paths == {path for path, _columns in TABLES.values()}
        assert paths | {"datapackage.json"} == set(archive.namelist())
    tables = read_package(response.data)
    assert len(tables["service"]) == 2 and len(tables["organization"]) == 1
    assert len(tables["service_at_location"]) == 2 and len(tables["location"]) == 2
    assert tables["schedule"] == []  # nothing is known about opening hours
    service = next(s for s in tables["service"] if s["name"] == "Centre HSDS prévu")
    assert service["status"] == "inactive" and "prévu" in service["description"]
    secret = next(s for s in tables["service"] if s["name"] == "Foyer HSDS confidentiel")
    assert secret["url"] == "http://www.example.org/foyer"
    assert secret["eligibility_description"] == "Filles et garçons, 5 à 17 ans"
    assert {p["number"] for p in tables["phone"]} == {"+225 07 12 34 56 78"}
    categories = {a["value"] for a in tables["attribute"] if a["link_type"] == "service_category"}
    assert categories == {"chpm", "social_centre"}


def test_whole_directory_package_validates(db_session, fr, schema_dir):
    for viewer in (PUBLIC, STAFF):
        content = export_hsds(db_session, ServiceFilter(), viewer)
        assert validate_package(content, schema_dir) == []
        assert len(read_package(content)["service"]) >= 17  # the seed directory at least


def test_confidential_location_in_the_package(db_session, fr, records):
    _secret, _planned, place = records
    town = to_shape(place.geom)

    def secret_location(viewer):
        tables = read_package(export_hsds(db_session, ServiceFilter(q="hsds", statuses=()), viewer))
        location = next(loc for loc in tables["location"] if loc["name"] == "Foyer HSDS confidentiel")
        address = next(a for a in tables["address"] if a["location_id"] == location["id"])
        return location, address

    location, address = secret_location(PUBLIC)
    assert (location["longitude"], location["latitude"]) == (round(town.x, 6), round(town.y, 6))
    assert address["address_1"] == "" and address["city"] == "Man"
    assert location["description"].startswith("Lieu confidentiel : position donnée au centre de la ville")
    assert "Direction régionale de Man" in location["description"]
    location, address = secret_location(STAFF)
    assert (location["longitude"], location["latitude"]) == (-7.5401, 7.4207)
    assert address["address_1"] == "Quartier Libreville"


def test_the_validation_catches_broken_packages(db_session, fr, records, schema_dir):
    content = export_hsds(db_session, ServiceFilter(q="hsds", statuses=()), PUBLIC)
    source = zipfile.ZipFile(io.BytesIO(content))
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        for name in source.namelist():
            data = source.read(name).decode("utf-8")
            if name == "services.csv":
                lines = data.splitlines()
                cells = lines[1].split(",")
                cells[0] = "pas-un-uuid"
                lines[1] = ",".join(cells)
                data = "\r\n".join(lines) + "\r\n"
            if name == "locations.csv":
                data = data.replace(",physical,", ",spatial,")  # not in the HSDS enumeration
            archive.writestr(name, data)
    problems = validate_package(broken.getvalue(), schema_dir)
    assert any(p.startswith("service row 1: id 'pas-un-uuid' is not a 'uuid'") for p in problems), problems
    assert any("not in service" in p for p in problems)  # the attributes now point nowhere
    assert any("location_type 'spatial' is not one of" in p for p in problems), problems
