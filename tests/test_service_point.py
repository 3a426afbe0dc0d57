"""``service_point``, the nearest search's index, is kept by database triggers (migration 0007).

Every way a row can change is exercised on real PostGIS, in the test's rolled-back transaction:
links inserted (through the ORM and in bulk SQL), updated and deleted; a service's eligibility
columns, a location's point, confidentiality and town, and a town's point changed; services and
locations deleted. After each change the table must equal what it is derived from, and its
public point must equal ``visibility.displayed_geom`` for the public.
"""

from __future__ import annotations

import uuid

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import IntegrityError

from webmap.directory.visibility import PUBLIC, displayed_geom, town_place
from webmap.models import Location, Place, Service, ServiceAtLocation, ServicePoint
from webmap.referral import nearest
from webmap.referral.nearest import Criteria, Origin


def _expected(db_session) -> set[tuple]:
    """The rows ``service_point`` must hold, derived from the directory (brute force)."""
    rows = db_session.execute(
        select(
            ServiceAtLocation.id,
            Service.id,
            Location.id,
            Service.status,
            Service.category,
            Service.needs,
            Service.minimum_age,
            Service.maximum_age,
            Service.sexes,
            Location.confidential,
            func.ST_AsText(Location.geom),
            func.ST_AsText(displayed_geom(PUBLIC)),
        )
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .outerjoin(town_place, town_place.id == Location.place_id)
    ).all()
    return {(*row[:5], tuple(row[5]), *row[6:]) for row in rows}


def _stored(db_session) -> set[tuple]:
    rows = db_session.execute(
        select(
            ServicePoint.id,
            ServicePoint.service_id,
            ServicePoint.location_id,
            ServicePoint.status,
            ServicePoint.category,
            ServicePoint.needs,
            ServicePoint.minimum_age,
            ServicePoint.maximum_age,
            ServicePoint.sexes,
            ServicePoint.confidential,
            func.ST_AsText(ServicePoint.geom),
            func.ST_AsText(ServicePoint.public_geom),
        )
    ).all()
    return {(*row[:5], tuple(row[5]), *row[6:]) for row in rows}


def _assert_in_step(db_session) -> None:
    db_session.flush()
    assert _stored(db_session) == _expected(db_session)


def _point(lon: float, lat: float):
    return from_shape(Point(lon, lat), srid=4326)


def _town(db_session, name: str) -> Place:
    return db_session.scalars(select(Place).where(Place.name == name).limit(1)).one()


def test_the_loaded_directory_is_indexed(db_session):
    """The migration filled the table from the seed directory; it has one row per link."""
    stored = _stored(db_session)
    assert len(stored) == db_session.scalar(select(func.count()).select_from(ServiceAtLocation)) > 0
    assert stored == _expected(db_session)


def test_links_inserted_updated_and_deleted(db_session, make):
    first = make.service(name="Premier", category="health", needs=["medical"], lon=-5.3, lat=7.7)
    second = make.service(name="Second", category="ngo", needs=["legal"], lon=-5.2, lat=7.6)
    _assert_in_step(db_session)
    # A second location for the first service.
    place = make.location(lon=-5.1, lat=7.5)
    db_session.add(ServiceAtLocation(service=first, location=place))
    _assert_in_step(db_session)
    # A link moved to the other service (an UPDATE of service_at_location).
    db_session.execute(
        update(ServiceAtLocation)
        .where(ServiceAtLocation.location_id == place.id)
        .values(service_id=second.id)
    )
    _assert_in_step(db_session)
    db_session.execute(delete(ServiceAtLocation).where(ServiceAtLocation.location_id == place.id))
    _assert_in_step(db_session)


def test_links_inserted_in_bulk_sql(db_session, make):
    """Raw SQL (imports, the benchmark's loader) is indexed like ORM writes."""
    services = [make.service(name=f"Lot {i}", lon=-5.0 - i / 100, lat=7.0) for i in range(3)]
    extra = make.location(lon=-4.9, lat=7.1)
    db_session.execute(
        text(
            "INSERT INTO service_at_location (id, service_id, location_id) "
            "SELECT gen_random_uuid(), s, :loc FROM unnest(CAST(:ids AS uuid[])) AS s"
        ),
        {"loc": extra.id, "ids": [s.id for s in services]},
    )
    _assert_in_step(db_session)


def test_service_changes_are_copied(db_session, make):
    service = make.service(name="Changeant", category="health", needs=["medical"], lon=-5.3, lat=7.7)
    _assert_in_step(db_session)
    service.status = "inactive"
    service.category = "ngo"
    service.needs = ["legal", "reporting"]
    service.minimum_age, service.maximum_age, service.sexes = 6, 17, "female"
    _assert_in_step(db_session)
    service.description = "Sans effet sur l'index"
    service.sexes = None
    _assert_in_step(db_session)


def test_location_changes_are_copied_and_the_public_point_follows_confidentiality(db_session, make):
    service = make.service(name="Abri", category="chpm", needs=["shelter"], lon=-6.60, lat=5.80)
    location = service.locations[0].location
    _assert_in_step(db_session)
    location.geom = _point(-6.61, 5.79)
    _assert_in_step(db_session)
    # Confidential at a town: the public point becomes the town's.
    town = _town(db_session, "Soubré")
    location.confidential, location.place_id = True, town.id
    _assert_in_step(db_session)
    stored = db_session.execute(
        select(func.ST_AsText(ServicePoint.public_geom)).where(ServicePoint.location_id == location.id)
    ).scalar_one()
    assert stored == db_session.scalar(select(func.ST_AsText(Place.geom)).where(Place.id == town.id))
    # The point moves: the public point stays at the town.
    location.geom = _point(-6.70, 5.85)
    _assert_in_step(db_session)
    assert stored == db_session.execute(
        select(func.ST_AsText(ServicePoint.public_geom)).where(ServicePoint.location_id == location.id)
    ).scalar_one()
    location.confidential = False
    _assert_in_step(db_session)


def test_a_town_that_moves_moves_its_confidential_places(db_session, make):
    town = _town(db_session, "Odienné")
    make.service(
        name="Secret", category="chpm", lon=-7.57, lat=9.52,
        location={"confidential": True, "place_id": town.id, "town": town.name},
    )
    make.service(name="Ouvert", category="chpm", lon=-7.56, lat=9.51, location={"place_id": town.id})
    _assert_in_step(db_session)
    db_session.execute(update(Place).where(Place.id == town.id).values(geom=_point(-7.50, 9.50)))
    _assert_in_step(db_session)


def test_deleting_a_service_or_a_location_deletes_its_rows(db_session, make):
    gone = make.service(name="Supprimé", lon=-5.3, lat=7.7)
    moved_out = make.service(name="Sans lieu", lon=-5.2, lat=7.6)
    _assert_in_step(db_session)
    db_session.execute(delete(Service).where(Service.id == gone.id))
    db_session.execute(delete(Location).where(Location.id == moved_out.locations[0].location_id))
    db_session.expire_all()
    _assert_in_step(db_session)
    assert not db_session.scalars(
        select(ServicePoint).where(ServicePoint.service_id.in_([gone.id, moved_out.id]))
    ).all()


def test_the_search_sees_a_change_at_once(db_session, make):
    """An editor closes a service: the very next search leaves it out."""
    service = make.service(name="Bientôt fermé", category="health", needs=["medical"], lon=-4.30, lat=8.30)
    origin = Origin(kind="point", lat=8.30, lon=-4.30)
    criteria = Criteria(categories=("health",), limit=1, max_km=5)
    assert [r["name"] for r in nearest.find_nearest(db_session, origin, criteria).results] == ["Bientôt fermé"]
    service.status = "inactive"
    db_session.flush()
    assert nearest.find_nearest(db_session, origin, criteria).results == []


def test_rows_cannot_outlive_their_link(db_session):
    """The foreign key refuses an orphan row (the application never writes the table)."""
    nested = db_session.begin_nested()
    with pytest.raises(IntegrityError):
        db_session.execute(
            text(
                "INSERT INTO service_point (id, service_id, location_id, status, category, needs, confidential, "
                "geom, public_geom) VALUES (:id, :id, :id, 'active', 'ngo', '{}', false, "
                "ST_SetSRID(ST_MakePoint(-5, 7), 4326), ST_SetSRID(ST_MakePoint(-5, 7), 4326))"
            ),
            {"id": uuid.uuid4()},
        )
    nested.rollback()
