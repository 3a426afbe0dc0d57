"""The seed directory: honest, sourced, confidential where it must be, and idempotent."""

from __future__ import annotations

import tomllib

from sqlalchemy import func, select

from webmap.directory.seed import SEED_FILE, load_seed
from webmap.models import Location, Organization, Phone, Place, Service, ServiceAtLocation

TABLES = (Organization, Location, Service, ServiceAtLocation, Phone)


def _snapshot(session):
    return {
        model.__tablename__: session.execute(
            select(func.count(), func.max(model.updated_at) if hasattr(model, "updated_at") else func.count())
            .select_from(model)
        ).one()
        for model in TABLES
    }


def test_loading_the_seed_twice_changes_nothing(db_session):
    before = _snapshot(db_session)
    report = load_seed(db_session)
    db_session.flush()
    assert report["created"] == 0 and report["updated"] == 0
    assert report["unchanged"] > 0
    assert _snapshot(db_session) == before


def test_every_seed_structure_is_loaded_with_its_source(db_session):
    document = tomllib.loads(SEED_FILE.read_text(encoding="utf-8"))
    names = {entry["name"] for entry in document["structure"]}
    services = db_session.scalars(select(Service).where(Service.name.in_(names))).all()
    assert len(services) == len(names) == 17
    assert {s.source for s in services} == {"Child Protection Compact Partnership, Annex A (2022)"}
    assert all(s.verification == "to_verify" and s.assured_date is None for s in services)
    # Unknown facts stay empty: no capacity, no e-mail, no guessed phone number.
    assert all(s.capacity is None and s.email is None for s in services)
    phones = db_session.scalars(select(Phone.number)).all()
    assert "116" in phones


def test_centres_for_minors_are_confidential_and_at_town_precision(db_session):
    rows = db_session.execute(
        select(Service.category, Location.confidential, Location.precision, Location.address, Location.place_id)
        .join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(Service.category.in_(["chpm", "reintegration"]), Service.source.like("Child Protection%"))
    ).all()
    assert len(rows) == 10
    for _category, confidential, precision, address, place_id in rows:
        assert confidential is True and precision == "town"
        assert address is None and place_id is not None


def test_seed_places_structures_on_their_gazetteer_town(db_session):
    rows = db_session.execute(
        select(Location.town, Place.name, func.ST_Equals(Location.geom, Place.geom))
        .join(Place, Place.id == Location.place_id)
        .where(Location.source.like("Child Protection%"))
    ).all()
    assert len(rows) == 17
    assert all(town == place_name and same for town, place_name, same in rows)
    assert {town for town, _, _ in rows} == {
        "Man", "Odienné", "Daloa", "Guiglo", "Soubré", "Bondoukou", "Toumodi", "Tiébissou", "Korhogo", "Abidjan"
    }
