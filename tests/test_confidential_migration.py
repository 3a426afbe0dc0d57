"""Migration 0008 moves existing confidential locations to the town their editor named.

Run for real on the test database inside one transaction that is rolled back (PostgreSQL's DDL
is transactional): downgrade to 0007, write records as the old code stored them (town = the
place nearest the exact point), upgrade to 0008, look, roll back.
"""

from __future__ import annotations

import uuid

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from webmap.migrations import alembic_config

# 4.8 km from Bouaké's centre; the old code stored Boblénou, the nearest village, as its town.
NEAR_BOUAKE = (-4.99213, 7.72468)


@pytest.fixture()
def at_0007(engine, database_url):
    connection = engine.connect()
    transaction = connection.begin()
    config = alembic_config(database_url)
    config.attributes["connection"] = connection
    command.downgrade(config, "0007")
    try:
        yield connection, config
    finally:
        transaction.rollback()
        connection.close()


def _legacy_location(connection, town: str | None, point=NEAR_BOUAKE) -> uuid.UUID:
    location_id = uuid.uuid4()
    connection.execute(
        text("""
            INSERT INTO location (id, town, place_id, adm3_pcode, adm2_pcode, adm1_pcode, precision,
                                  confidential, source, geom, created_at, updated_at)
            SELECT :id, :town, p.id, 'CI110301', 'CI1103', 'CI11', 'exact', true, 'test',
                   ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), now(), now()
              FROM place p ORDER BY p.geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) LIMIT 1
        """),
        {"id": location_id, "town": town, "lon": point[0], "lat": point[1]},
    )
    return location_id


def _town_of(connection, location_id) -> tuple[str, str]:
    return connection.execute(
        text("SELECT l.town, p.name FROM location l JOIN place p ON p.id = l.place_id WHERE l.id = :id"),
        {"id": location_id},
    ).one()


def test_upgrade_moves_confidential_locations_to_their_named_town_or_their_seat(at_0007):
    connection, config = at_0007
    named = _legacy_location(connection, "bouake")
    unnamed = _legacy_location(connection, None)
    assert _town_of(connection, named)[1] == "Boblénou"  # as the old code stored it
    command.upgrade(config, "0008")
    assert tuple(_town_of(connection, named)) == ("Bouaké", "Bouaké")
    # no town typed: the seat of the sous-préfecture of Bouaké, named like it
    assert tuple(_town_of(connection, unnamed)) == ("Bouaké", "Bouaké")


def test_after_upgrade_a_confidential_location_without_a_town_is_refused(at_0007):
    connection, config = at_0007
    command.upgrade(config, "0008")
    location = _legacy_location(connection, "Bouaké")
    with pytest.raises(IntegrityError, match="ck_location_confidential_town"):
        with connection.begin_nested():
            connection.execute(text("UPDATE location SET place_id = NULL WHERE id = :id"), {"id": location})
