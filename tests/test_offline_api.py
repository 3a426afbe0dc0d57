"""``GET /api/v1/offline``: the public package the referral page stores for offline use."""

from __future__ import annotations

import gzip
import json

import brotli
from sqlalchemy import text

from webmap.offline import package

from .factories import sign_in

ODIENNE = (-7.56432, 9.50511)


def _package(client, **headers) -> tuple[object, dict]:
    response = client.get("/api/v1/offline", headers=headers)
    assert response.status_code == 200
    data = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        data = brotli.decompress(data)
    elif encoding == "gzip":
        data = gzip.decompress(data)
    return response, json.loads(data)


def _rows(document: dict) -> dict[str, dict]:
    fields = document["services"]["fields"]
    return {row[0]: dict(zip(fields, row, strict=True)) for row in document["services"]["rows"]}


def test_the_package_holds_the_directory_gazetteer_boundaries_and_phrases(client, make):
    service = make.service("Centre test hors ligne", category="chpm", lon=ODIENNE[0], lat=ODIENNE[1],
                           phones=("27 33 70 00 00",), needs=["shelter"], minimum_age=6, maximum_age=17)
    response, document = _package(client)
    assert response.mimetype == "application/json"
    assert response.headers["ETag"] == f'"{document["version"]}"'
    assert "no-cache" in response.headers["Cache-Control"]
    row = _rows(document)[str(service.id)]
    assert row["name"] == "Centre test hors ligne" and row["needs"] == ["shelter"]
    assert (row["minimum_age"], row["maximum_age"], row["phones"]) == (6, 17, ["27 33 70 00 00"])
    town, contact, lon, lat, masked = row["locations"][0]
    assert (lon, lat, masked) == (ODIENNE[0], ODIENNE[1], 0)
    places = document["places"]
    names = [r[places["fields"].index("name")] for r in places["rows"]]
    assert "Odienné" in names and len(names) > 1000
    assert document["aliases"] and all(key == key.lower() for key, _ in document["aliases"])
    assert document["boundaries"]["regions"]["features"]
    assert document["messages"]["fr"]["banner"] == "Hors ligne — données du %(date)s"
    assert document["messages"]["en"]["if_nobody"] == "If nobody answers"
    assert document["messages"]["fr"]["if_nobody"] == "Si personne ne répond"
    assert document["rules"]["detour_factor"] == 1.3


def test_unchanged_data_is_a_304_and_a_changed_record_a_new_version(client, make, db_session):
    service = make.service("Centre versionné", lon=-5.0, lat=7.7)
    first = client.get("/api/v1/offline")
    etag = first.headers["ETag"]
    again = client.get("/api/v1/offline", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    # A change in plain SQL, with no timestamp touched, is seen too.
    db_session.execute(text("UPDATE service SET name = 'Centre renommé' WHERE id = :id"), {"id": service.id})
    db_session.flush()
    changed = client.get("/api/v1/offline", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    _, document = _package(client)
    assert _rows(document)[str(service.id)]["name"] == "Centre renommé"


def test_compressed_as_the_client_accepts(client, make):
    make.service("Centre compressé")
    plain = client.get("/api/v1/offline", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    for encoding, decompress in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        response = client.get("/api/v1/offline", headers={"Accept-Encoding": encoding})
        assert response.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in response.headers["Vary"]
        assert decompress(response.get_data()) == plain.get_data()
        assert len(response.get_data()) < len(plain.get_data()) / 2.5


def test_a_confidential_place_is_at_its_town_even_for_staff(client, make, db_session):
    exact = (-4.99213, 7.72468)  # 4.8 km from Bouaké's centre
    needles = ("-4.99213", "7.72468", "-4.9921", "7.7247", "Lot 4417")
    before = client.get("/api/v1/offline", headers={"Accept-Encoding": "identity"}).get_data(as_text=True)
    shelter = make.service("Refuge secret", category="chpm", lon=exact[0], lat=exact[1], needs=["shelter"],
                           location={"confidential": True, "town": "Bouaké", "address": "Lot 4417, rue cachée",
                                     "public_contact": "Centre social de Bouaké"})
    staff = make.user(role="referral")
    anonymous = client.get("/api/v1/offline", headers={"Accept-Encoding": "identity"})
    sign_in(client, staff)
    signed_in = client.get("/api/v1/offline", headers={"Accept-Encoding": "identity"})
    assert signed_in.get_data() == anonymous.get_data()
    assert signed_in.headers["ETag"] == anonymous.headers["ETag"]
    body = anonymous.get_data(as_text=True)
    for needle in needles:  # the gazetteer and the boundaries hold many numbers: none more often
        assert body.count(needle) == before.count(needle), needle
    row = _rows(json.loads(body))[str(shelter.id)]
    town, contact, lon, lat, masked = row["locations"][0]
    town_point = db_session.execute(
        text("SELECT ST_X(p.geom), ST_Y(p.geom) FROM location l JOIN place p ON p.id = l.place_id "
             "JOIN service_at_location x ON x.location_id = l.id WHERE x.service_id = :id"), {"id": shelter.id}).one()
    assert (lon, lat) == (round(town_point[0], 6), round(town_point[1], 6))
    assert masked == 1 and contact == "Centre social de Bouaké"
    # Moving the exact point keeps the version: the ETag says nothing about it.
    db_session.execute(text("UPDATE location SET geom = ST_SetSRID(ST_MakePoint(-5.2, 7.86), 4326) WHERE id IN "
                            "(SELECT location_id FROM service_at_location WHERE service_id = :id)"),
                       {"id": shelter.id})
    db_session.flush()
    assert client.get("/api/v1/offline").headers["ETag"] == anonymous.headers["ETag"]


def test_the_package_weighs_little(client):
    response = client.get("/api/v1/offline", headers={"Accept-Encoding": "br"})
    # The seed directory and the whole gazetteer: well under the 600 KB budget of 5,000 services.
    assert len(response.get_data()) < 400_000


def test_the_version_is_the_content_not_the_time(db_session):
    connection = db_session.connection().connection.driver_connection
    one = package.build(db_session, connection, {"fr": {}})
    two = package.build(db_session, connection, {"fr": {}})
    assert one["version"] == two["version"]
    three = package.build(db_session, connection, {"fr": {"x": "y"}})
    assert three["version"] != one["version"]
