"""Load the authored seed directory (``data/geo/seed_directory.toml``) idempotently.

Record ids are UUIDv5 values derived from each entry's ``key``, so a second load finds the same
rows and writes nothing when the file has not changed.
"""

from __future__ import annotations

import tomllib
import uuid
from collections import Counter
from pathlib import Path

from geoalchemy2.shape import to_shape
from sqlalchemy.orm import Session

from ..config import PROJECT_ROOT
from ..models import Location, Organization, Phone, Place, Service, ServiceAtLocation
from ..text import fold
from .validation import find_town, normalise_email, normalise_phone

SEED_FILE = PROJECT_ROOT / "data" / "geo" / "seed_directory.toml"
SEED_NAMESPACE = uuid.UUID("6f1c9a52-3a57-4c0e-9f55-2f3b9c1d7e10")


class SeedError(Exception):
    pass


def seed_id(key: str, kind: str) -> uuid.UUID:
    return uuid.uuid5(SEED_NAMESPACE, f"{kind}:{key}")


def _seed_town(session: Session, town: str) -> Place:
    """The seed's town in the gazetteer (the most populous place of that name)."""
    place = find_town(session, town)
    if place is None:
        raise SeedError(f"town {town!r} is not in the gazetteer; run `webmap geodata` first")
    return place


def _upsert(session: Session, model, record_id: uuid.UUID, values: dict, counts: Counter):
    """Create the row or update only the fields that differ; count what happened."""
    row = session.get(model, record_id)
    if row is None:
        row = model(id=record_id, **values)
        session.add(row)
        counts["created"] += 1
        return row
    changed = False
    for field, value in values.items():
        if field == "geom":
            continue  # compared separately below
        if getattr(row, field) != value:
            setattr(row, field, value)
            changed = True
    counts["updated" if changed else "unchanged"] += 1
    return row


def load_seed(session: Session, path: Path = SEED_FILE) -> dict[str, int]:
    """Load every structure of the seed file; returns counts of created/updated/unchanged rows."""
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    counts: Counter = Counter()
    for entry in document["structure"]:
        key = entry["key"]
        source = entry.get("source", document["source"])
        email = normalise_email(entry["email"]) if entry.get("email") else None
        place = _seed_town(session, entry["town"])
        org = _upsert(
            session,
            Organization,
            seed_id(key, "organization"),
            {
                "name": entry["name"],
                "alternate_name": entry.get("alternate_name"),
                "email": email,
                "website": entry.get("website"),
                "source": source,
            },
            counts,
        )
        location_values = {
            "organization_id": org.id,
            "name": entry["name"],
            "address": entry.get("address"),
            "town": place.name,
            "place_id": place.id,
            "adm3_pcode": place.adm3_pcode,
            "adm2_pcode": place.adm2_pcode,
            "adm1_pcode": place.adm1_pcode,
            "precision": "town",
            "confidential": entry.get("confidential", False),
            "public_contact": entry.get("public_contact"),
            "source": source,
        }
        location = _upsert(session, Location, seed_id(key, "location"), location_values, counts)
        if location.geom is None or not _same_point(location.geom, place.geom):
            location.geom = place.geom
        service = _upsert(
            session,
            Service,
            seed_id(key, "service"),
            {
                "organization_id": org.id,
                "name": entry["name"],
                "name_key": fold(entry["name"]),
                "alternate_name": entry.get("alternate_name"),
                "description": entry.get("description"),
                "category": entry["category"],
                "needs": entry.get("needs", []),
                "minimum_age": entry.get("minimum_age"),
                "maximum_age": entry.get("maximum_age"),
                "sexes": entry.get("sexes"),
                "status": entry.get("status", "active"),
                "verification": "to_verify",
                "email": email,
                "fallback_contact": entry.get("fallback_contact", False),
                "source": source,
            },
            counts,
        )
        _upsert(
            session,
            ServiceAtLocation,
            seed_id(key, "service_at_location"),
            {"service_id": service.id, "location_id": location.id},
            counts,
        )
        for number in (normalise_phone(raw) for raw in entry.get("phones", [])):
            _upsert(
                session,
                Phone,
                seed_id(f"{key}:{number}", "phone"),
                {"service_id": service.id, "number": number, "type": "voice"},
                counts,
            )
        session.flush()
    return {"structures": len(document["structure"]), "created": 0, "updated": 0, "unchanged": 0, **counts}


def _same_point(a, b) -> bool:
    return to_shape(a).equals(to_shape(b))
