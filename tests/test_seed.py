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
    assert len(services) == len(names) == 20
    sources = {entry["name"]: entry.get("source", document["source"]) for entry in document["structure"]}
    assert all(s.source == sources[s.name] for s in services)
    assert {s.source for s in services} >= {
        "Child Protection Compact Partnership, Annex A (2022)",
        "Child Protection Compact Partnership, section VII — focal points (2022)",
    }
    assert all(s.verification == "to_verify" and s.assured_date is None for s in services)
    # Unknown facts stay empty: no capacity, no e-mail but the published ones, no guessed number.
    emails = {entry["name"]: entry.get("email") for entry in document["structure"]}
    assert all(s.capacity is None and s.email == emails[s.name] for s in services)
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
    assert len(rows) == 19  # the helpline's source is the government's announcement
    assert all(town == place_name and same for town, place_name, same in rows)
    assert {town for town, _, _ in rows} == {
        "Man", "Odienné", "Daloa", "Guiglo", "Soubré", "Bondoukou", "Toumodi", "Tiébissou", "Korhogo", "Abidjan"
    }


SECTION_VII = "Child Protection Compact Partnership, section VII — focal points (2022)"


def _focal(session, name_start: str):
    return session.execute(
        select(Service, Location)
        .join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(Service.name.startswith(name_start))
    ).one()


def _numbers(session, service) -> list[str]:
    return sorted(session.scalars(select(Phone.number).where(Phone.service_id == service.id)))


def test_compact_focal_points_are_loaded_with_their_published_contacts_normalised(db_session):
    """Section VII of the Compact, as published (../shared/seeds/), phones in +225 form."""
    cns, cns_location = _focal(db_session, "Comité National de Surveillance")
    assert cns.alternate_name == "CNS" and cns.source == SECTION_VII
    assert _numbers(db_session, cns) == ["+225 27 22 48 03 03"]  # published "+225 2722480303"
    assert cns.email == "cns@1eredame.ci"
    solidarity, solidarity_location = _focal(db_session, "Ministère de la Solidarité")
    assert solidarity.email == "mslp@solidarite.gouv.ci" and _numbers(db_session, solidarity) == []
    assert solidarity_location.address == "1er étage, Tour B, Abidjan Plateau"
    employment, _location = _focal(db_session, "Ministère de l'Emploi")
    assert _numbers(db_session, employment) == ["+225 27 22 52 33 83"]
    women, women_location = _focal(db_session, "Ministère de la Femme")
    assert _numbers(db_session, women) == ["+225 27 20 21 77 02", "+225 27 20 32 42 33"]
    assert women_location.address == "8ème étage, Tour B, Abidjan Plateau"
    for service, location in ((cns, cns_location), (solidarity, solidarity_location), (women, women_location)):
        assert service.source == location.source == SECTION_VII
        assert service.verification == "to_verify" and service.fallback_contact is True
        assert location.town == "Abidjan" and location.precision == "town" and not location.confidential


def test_the_helpline_116_is_a_sourced_fallback_contact(db_session):
    helpline, location = _focal(db_session, "Ligne nationale d'assistance aux enfants")
    assert _numbers(db_session, helpline) == ["116"]
    assert helpline.fallback_contact is True and helpline.verification == "to_verify"
    assert "116" in helpline.source and "gouv.ci" in helpline.source
