"""``/export/hsds.zip``: an HSDS 3.0 tabular data package that validates against the Open Referral
JSON schemas (offline copy in ../shared/hsds/schema), with confidentiality applied."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import select

from webmap.directory.query import ServiceFilter
from webmap.directory.records import ServiceInput, save_service
from webmap.directory.visibility import PUBLIC, Viewer
from webmap.history import set_actor
from webmap.models import Location, Place, ServiceAtLocation
from webmap.transfer.hsds import (
    HIDDEN_VALUE,
    TABLES,
    build_tables,
    default_schema_dir,
    export_hsds,
    package_zip,
    read_package,
    validate_package,
)

from .factories import sign_in

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
        assert paths | {"datapackage.json", "LISEZMOI.txt"} == set(archive.namelist())
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
        content = export_hsds(db_session, ServiceFilter(), viewer).content
        assert validate_package(content, schema_dir) == []
        assert len(read_package(content)["service"]) >= 17  # the seed directory at least


def test_confidential_location_in_the_package(db_session, fr, records):
    _secret, _planned, place = records
    town = to_shape(place.geom)

    def secret_location(viewer):
        tables = read_package(export_hsds(db_session, ServiceFilter(q="hsds", statuses=()), viewer).content)
        location = next(loc for loc in tables["location"] if loc["name"] == "Foyer HSDS confidentiel")
        addresses = [a for a in tables["address"] if a["location_id"] == location["id"]]
        return location, addresses

    location, addresses = secret_location(PUBLIC)
    assert (location["longitude"], location["latitude"]) == (round(town.x, 6), round(town.y, 6))
    assert addresses == []  # no address at all: an empty street with its town would still be one
    assert location["description"].startswith(
        "Lieu confidentiel (adresse masquée)\u00a0: position donnée au centre de Man, sans adresse.")
    assert "Direction régionale de Man" in location["description"]
    location, addresses = secret_location(STAFF)
    assert (location["longitude"], location["latitude"]) == (-7.5401, 7.4207)
    assert [a["address_1"] for a in addresses] == ["Quartier Libreville"]
    assert addresses[0]["city"] == "Man" and addresses[0]["country"] == "CI"


def test_the_validation_catches_broken_packages(db_session, fr, records, schema_dir):
    content = export_hsds(db_session, ServiceFilter(q="hsds", statuses=()), PUBLIC).content
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


# --- metadata: the change history of the published records -----------------------------------


def _metadata_bytes(content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("metadata.csv")


def test_the_metadata_table_follows_the_hsds_schema(client, records, schema_dir):
    content = client.get("/export/hsds.zip?q=hsds&status=all").data
    assert validate_package(content, schema_dir) == []
    schema = json.loads((schema_dir / "metadata.json").read_text(encoding="utf-8"))
    descriptor = json.loads(zipfile.ZipFile(io.BytesIO(content)).read("datapackage.json"))
    resource = next(r for r in descriptor["resources"] if r["name"] == "metadata")
    assert resource["path"] == schema["path"] == "metadata.csv"
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    assert set(fields) == set(schema["properties"])
    required = {name for name, f in fields.items() if f.get("constraints", {}).get("required")}
    assert required == set(schema["required"]) | set(schema["tabular_required"])
    assert fields["last_action_date"]["type"] == schema["properties"]["last_action_date"]["datapackage_type"]
    tables = read_package(content)
    published = {(name, r["id"]) for name in ("organization", "service", "location", "phone",
                                              "service_at_location") for r in tables[name]}
    assert tables["metadata"] and {(m["resource_type"], m["resource_id"]) for m in tables["metadata"]} == published
    # A pointer to a record that is not in the package is caught.
    source = zipfile.ZipFile(io.BytesIO(content))
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        for name in source.namelist():
            data = source.read(name)
            if name == "metadata.csv":
                data = data.replace(tables["service"][0]["id"].encode(), b"00000000-0000-4000-8000-000000000000")
            archive.writestr(name, data)
    assert any("resource_id 00000000-0000-4000-8000-000000000000 not in service" in p
               for p in validate_package(broken.getvalue(), schema_dir))


def test_an_edit_through_the_write_path_is_in_the_metadata(db_session, fr, make, schema_dir):
    user = make.user(role="admin", name="Awa Koné")
    set_actor(db_session, user.id, user.name)
    values = dict(name="Centre d'écoute HSDS", category="ngo", organization_name="ONG Écoute HSDS",
                  source="tests", lon=-5.0300, lat=7.6900, phones=["07 07 12 34 56"])
    service = save_service(db_session, ServiceInput(**values))
    values.update(organization_id=service.organization_id, name="Centre d'écoute HSDS de Bouaké",
                  lon=-5.0310, lat=7.6910)
    save_service(db_session, ServiceInput(**values), service)
    filters = ServiceFilter(q="écoute hsds", statuses=())
    content = export_hsds(db_session, filters, PUBLIC).content
    assert validate_package(content, schema_dir) == []
    metadata = read_package(content)["metadata"]
    changes = {(m["resource_type"], m["field_name"], m["last_action_type"]): m for m in metadata}
    renamed = changes[("service", "name", "update")]
    assert renamed["resource_id"] == str(service.id) and renamed["updated_by"] == "Awa Koné"
    assert (renamed["previous_value"], renamed["replacement_value"]) == (
        "Centre d'écoute HSDS", "Centre d'écoute HSDS de Bouaké")
    assert renamed["last_action_date"] == dt.datetime.now(dt.UTC).date().isoformat()
    moved = changes[("location", "geom", "update")]  # an open place: its positions are public
    assert (moved["previous_value"], moved["replacement_value"]) == ("POINT (-5.03 7.69)", "POINT (-5.031 7.691)")
    created = changes[("phone", "number", "create")]
    assert created["previous_value"] == "" and created["replacement_value"] == "+225 07 07 12 34 56"
    # Deterministic: the same records give the same bytes.
    moment = dt.datetime(2026, 1, 31, tzinfo=dt.UTC)
    assert package_zip(build_tables(db_session, filters), moment) == \
        package_zip(build_tables(db_session, filters), moment)


def test_the_public_metadata_never_shows_a_confidential_place(client, db_session, make, records, schema_dir):
    secret = records[0]
    location = db_session.scalars(
        select(Location).join(ServiceAtLocation).where(ServiceAtLocation.service_id == secret.id)
    ).one()
    location.address = "Quartier Libreville, rue 12"
    db_session.flush()
    public = client.get("/export/hsds.zip?q=hsds&status=all").data
    assert validate_package(public, schema_dir) == []
    with zipfile.ZipFile(io.BytesIO(public)) as archive:
        for name in archive.namelist():  # the raw bytes of every file, metadata.csv included
            raw = archive.read(name)
            assert b"7.5401" not in raw and b"7.4207" not in raw and b"Libreville" not in raw, name
    metadata = read_package(public)["metadata"]
    hidden = [m for m in metadata if m["resource_id"] == str(location.id)
              and m["field_name"] in ("geom", "address", "adm3_pcode")]
    assert {m["field_name"] for m in hidden} >= {"geom", "address"}
    assert all(m["previous_value"] in ("", HIDDEN_VALUE) and m["replacement_value"] == HIDDEN_VALUE
               for m in hidden)
    assert HIDDEN_VALUE.encode() in _metadata_bytes(public)
    # Once confidential, always hidden: its old positions stay masked after it is opened.
    location.confidential = False
    db_session.flush()
    opened = _metadata_bytes(client.get("/export/hsds.zip?q=hsds&status=all").data)
    assert b"POINT (-7.5401 7.4207)" not in opened and b"Libreville" not in opened
    # Signed-in staff get the exact values, as on the history pages.
    sign_in(client, make.user(role="referral"))
    staff = _metadata_bytes(client.get("/export/hsds.zip?q=hsds&status=all").data)
    assert b"POINT (-7.5401 7.4207)" in staff and b"Quartier Libreville, rue 12" in staff
    assert HIDDEN_VALUE.encode() not in staff


def test_the_whole_public_package_hides_every_confidential_place(db_session, fr, schema_dir):
    content = export_hsds(db_session, ServiceFilter(), PUBLIC).content
    raw = _metadata_bytes(content)
    secrets = db_session.execute(
        select(Location.geom, Location.address).where(Location.confidential.is_(True))
    ).all()
    assert secrets  # the seed's CHPM and reintegration centres
    for geom, address in secrets:
        assert to_shape(geom).wkt.encode() not in raw
        assert not address or address.encode() not in raw


def test_a_filtered_package_carries_only_the_history_of_its_records(db_session, fr, make, records):
    other = make.service(name="Structure filtrée ailleurs", category="police", lon=-4.02, lat=5.33,
                         phones=("+225 27 22 44 55 66",))
    other.description = "Changée"
    db_session.flush()

    def history(q):
        tables = read_package(export_hsds(db_session, ServiceFilter(q=q, statuses=()), PUBLIC).content)
        ids = {r["id"] for name in ("organization", "service", "location", "phone", "service_at_location")
               for r in tables[name]}
        return ids, {m["resource_id"] for m in tables["metadata"]}

    ids, described = history("hsds")
    assert described == ids and str(records[0].id) in described
    assert str(other.id) not in described and str(other.organization_id) not in described
    ids, described = history("filtrée ailleurs")
    assert described == ids and str(other.id) in described and str(records[0].id) not in described


def test_the_staff_package_is_marked_confidential_and_the_public_one_is_not(client, make, records):
    def download():
        response = client.get("/export/hsds.zip?q=hsds&status=all")
        with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
            readme = archive.read("LISEZMOI.txt").decode("utf-8")
        return response.headers["Content-Disposition"], response.headers.get("Cache-Control", ""), readme

    disposition, cache, readme = download()
    assert "CONFIDENTIEL" not in disposition and "no-store" not in cache
    assert readme.startswith("Lieux confidentiels (confidential = true)\u00a0: position au centre de leur ville")
    sign_in(client, make.user(role="referral"))
    disposition, cache, readme = download()
    assert f'filename="webmap-hsds-CONFIDENTIEL-{dt.date.today().isoformat()}.zip"' in disposition
    assert "no-store" in cache and "private" in cache
    assert readme.startswith("CONFIDENTIEL\u00a0: ce fichier contient les positions exactes")
