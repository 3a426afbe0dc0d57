"""The public change feeds: valid Atom, masked like the public history, JSON for syncing, filters."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import select, text, update

from webmap.history import set_actor
from webmap.models import AuditEntry, Location, Phone, ServiceAtLocation

ATOM = "{http://www.w3.org/2005/Atom}"


def _location(db_session, service) -> Location:
    return db_session.scalars(
        select(Location).join(ServiceAtLocation).where(ServiceAtLocation.service_id == service.id)
    ).one()


def _new_change(db_session) -> None:
    """End the test's current change: the next writes are another transaction, as in real use."""
    db_session.commit()  # a savepoint here (tests/conftest.py): rolled back with the test


@pytest.fixture()
def edited(db_session, make):
    """A structure created by the data load, then edited by a named editor: phone and name."""
    organization = make.organization("ONG Aya Solidarité")
    service = make.service("Centre social de Brobo", organization=organization, phones=("0707000001",),
                           lon=-4.99, lat=7.68)
    _new_change(db_session)
    editor = make.user(role="editor", organizations=[organization], name="Yao Kouassi",
                       email="yao.kouassi@example.org")
    set_actor(db_session, editor.id, editor.name)
    service.name = "Centre social de Brobo (CS)"
    service.phones[0].number = "0707000002"
    db_session.add(Phone(service=service, number="0505000003"))
    db_session.flush()
    _new_change(db_session)
    set_actor(db_session, None, "system")
    return {"service": service, "organization": organization, "editor": editor}


def _atom(client, url="/feeds/changes.atom"):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/atom+xml"
    return response, ET.fromstring(response.data)


def _entries_for(root, service_id):
    return [e for e in root.findall(f"{ATOM}entry")
            if e.find(f"{ATOM}link").get("href").endswith(f"/directory/services/{service_id}")]


def test_the_atom_feed_is_atom_1_0_with_one_entry_per_change_in_words(client, edited):
    response, root = _atom(client)
    assert root.tag == f"{ATOM}feed"
    # RFC 4287 4.1.1: a feed has exactly one id, title and updated, an author, and a self link.
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{ATOM}{name}")) == 1, name
    assert root.find(f"{ATOM}author/{ATOM}name").text == "webmap"
    assert root.find(f"{ATOM}title").text == "Modifications de l'annuaire"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links["self"].endswith("/feeds/changes.atom") and links["alternate"].endswith("/directory/")
    entries = _entries_for(root, edited["service"].id)
    assert len(entries) == 2  # the creation, then the edit
    for entry in root.findall(f"{ATOM}entry"):  # 4.1.2: id, title, updated; a link to the record
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1, name
        assert entry.find(f"{ATOM}id").text.startswith("urn:uuid:")
        dt.datetime.fromisoformat(entry.find(f"{ATOM}updated").text)
    edit, creation = entries  # newest first
    assert edit.find(f"{ATOM}title").text == "Modifiée\u00a0: Centre social de Brobo (CS)"
    content = edit.find(f"{ATOM}content").text
    assert "Nom\u00a0: Centre social de Brobo → Centre social de Brobo (CS)" in content
    assert "Numéro de téléphone\u00a0: 0707000001 → 0707000002" in content
    assert "Numéro de téléphone ajouté\u00a0: 0505000003" in content
    assert creation.find(f"{ATOM}title").text == "Nouvelle structure\u00a0: Centre social de Brobo (CS)"  # named as now
    assert "Catégorie\u00a0: Centre social" in creation.find(f"{ATOM}content").text
    body = response.get_data(as_text=True)
    assert "Yao Kouassi" not in body and "yao.kouassi" not in body and "system" not in body


def test_the_feed_reads_in_english_on_request(client, edited):
    _response, root = _atom(client, "/feeds/changes.atom?lang=en")
    assert root.find(f"{ATOM}title").text == "Changes to the directory"
    edit = _entries_for(root, edited["service"].id)[0]
    assert edit.find(f"{ATOM}title").text == "Changed: Centre social de Brobo (CS)"
    assert "Phone number added: 0505000003" in edit.find(f"{ATOM}content").text


def test_the_feed_answers_if_none_match(client, edited):
    response, _root = _atom(client)
    again = client.get("/feeds/changes.atom", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


@pytest.fixture()
def shelter(db_session, make):
    """A confidential shelter 5 km from Bouaké's centre, shown at Bouaké."""
    service = make.service("Refuge confidentiel Gamma", category="chpm", lon=-4.99213, lat=7.72468,
                           location={"confidential": True, "town": "Bouaké", "address": "Lot 4417 Zérobaléa"})
    _new_change(db_session)
    return service


def test_moving_a_confidential_place_changes_no_feed(client, db_session, shelter):
    urls = ["/feeds/changes.atom", "/feeds/changes.json", "/feeds/changes.json?modified_after=2000-01-01T00:00:00Z"]
    before = {url: client.get(url).data for url in urls}
    creation = "".join(b.decode() for b in before.values())
    assert "Refuge confidentiel Gamma" in creation
    for secret in ("Lot 4417", "Zérobaléa", "-4.99213", "7.72468", "Boblénou"):
        assert secret not in creation, secret
    location = _location(db_session, shelter)
    location.geom = from_shape(Point(-5.21874, 7.86143), srid=4326)  # as the form stores a move
    location.address = "Cour derrière le marché"
    location.adm3_pcode = "CI0000"
    db_session.flush()
    _new_change(db_session)
    assert db_session.scalar(select(AuditEntry.id).where(AuditEntry.field_name == "address",
                                                         AuditEntry.replacement_value.like("Cour%")))
    assert {url: client.get(url).data for url in urls} == before
    # A public change of the same record still shows, without the masked fields.
    shelter.capacity = 12
    location.address = "Encore ailleurs"
    db_session.flush()
    _new_change(db_session)
    _response, root = _atom(client)
    latest = _entries_for(root, shelter.id)[0].find(f"{ATOM}content").text
    assert latest == "Capacité (places)\u00a0: — → 12"


def test_the_json_feed_syncs_with_modified_after_page_by_page(client, db_session, make):
    services = [make.service(f"Structure {i}", lon=-5.0 + i / 100, lat=7.5) for i in range(5)]
    _new_change(db_session)
    for i, service in enumerate(services):  # one change each, at distinct instants (a test is one transaction)
        service.capacity = i + 1
        db_session.flush()
        _new_change(db_session)
    stamp = dt.datetime(2031, 5, 1, 8, 0, tzinfo=dt.UTC)
    for i, service in enumerate(services):
        db_session.execute(update(AuditEntry).where(AuditEntry.resource_id == str(service.id),
                                                    AuditEntry.field_name == "capacity")
                           .values(last_action_date=stamp + dt.timedelta(minutes=i // 2)))  # pairs share one instant
    db_session.flush()
    later = client.get("/feeds/changes.json?modified_after=2031-05-01T08:00:00%2B00:00").get_json()
    assert [c["service"]["name"] for c in later["changes"]] == ["Structure 2", "Structure 3", "Structure 4"]
    assert later["next"] is None
    assert later["changes"][0]["fields"] == [{
        "field_name": "capacity", "resource_type": "service", "previous_value": None, "replacement_value": "3",
        "text": "Capacité (places)\u00a0: — → 3"}]
    seen, url = [], "/feeds/changes.json?modified_after=2031-01-01T00:00:00&limit=2"
    while url:
        page = client.get(url).get_json()
        assert len(page["changes"]) <= 2
        seen += [c["service"]["name"] for c in page["changes"]]
        url = page["next"]
    assert seen == [f"Structure {i}" for i in range(5)]  # oldest first, none missed at a shared instant
    assert client.get("/feeds/changes.json?modified_after=yesterday").status_code == 400
    assert client.get("/feeds/changes.json?limit=100000").status_code == 400


def test_feeds_per_organisation(client, db_session, make, edited):
    other = make.service("Autre structure", organization=make.organization("ONG Tierce"))
    _new_change(db_session)
    organization = edited["organization"]
    _response, root = _atom(client, f"/feeds/changes.atom?organization={organization.id}")
    assert root.find(f"{ATOM}title").text == "Modifications de l'annuaire — structures d'ONG Aya Solidarité"
    assert len(_entries_for(root, edited["service"].id)) == 2 and not _entries_for(root, other.id)
    listed = client.get(f"/feeds/changes.json?organization={organization.id}").get_json()
    assert {c["service"]["id"] for c in listed["changes"]} == {str(edited["service"].id)}
    assert client.get("/feeds/changes.atom?organization=00000000-0000-0000-0000-000000000000").status_code == 404


def test_feeds_per_region_use_the_public_town_never_the_exact_point(client, db_session, make):
    # Exact point in Mankono (Béré); the public sees it at Prikro, across the line, in Gbêkê.
    lon, lat = -5.52137, 8.13492
    prikro = db_session.execute(text(
        "SELECT id, adm1_pcode FROM place WHERE name = 'Prikro' "
        "ORDER BY geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) LIMIT 1"), {"lon": lon, "lat": lat}).one()
    exact_region = db_session.scalar(text(
        "SELECT pcode FROM admin_area WHERE level = 'adm1' "
        "AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"), {"lon": lon, "lat": lat})
    assert exact_region != prikro.adm1_pcode
    shelter = make.service("Refuge confidentiel Delta", category="chpm", lon=lon, lat=lat,
                           location={"confidential": True, "town": "Prikro", "place_id": prikro.id})
    _new_change(db_session)
    _response, town_feed = _atom(client, f"/feeds/changes.atom?region={prikro.adm1_pcode}")
    assert _entries_for(town_feed, shelter.id)
    _response, exact_feed = _atom(client, f"/feeds/changes.atom?region={exact_region}")
    assert not _entries_for(exact_feed, shelter.id)
    in_json = client.get(f"/feeds/changes.json?region={exact_region}").get_json()
    assert str(shelter.id) not in {c["service"]["id"] for c in in_json["changes"]}
    assert client.get("/feeds/changes.atom?region=XX99").status_code == 400


def test_the_directory_pages_link_the_feed(client):
    page = client.get("/directory/").get_data(as_text=True)
    assert 'rel="alternate" type="application/atom+xml"' in page and "/feeds/changes.atom" in page
