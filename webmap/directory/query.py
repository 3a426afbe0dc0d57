"""Reading the directory as GeoJSON features, with confidentiality applied (Flask-free)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, String, cast, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY as PG_ARRAY
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..models import Location, Organization, Phone, Service, ServiceAtLocation
from ..text import fold, fold_sql
from .visibility import (
    PUBLIC,
    Viewer,
    displayed_area,
    displayed_geom,
    in_area,
    is_masked,
    town_place,
    within_envelope,
)

DEFAULT_LIMIT = 1000
# A record whose last verification is older than this is flagged stale everywhere.
STALE_AFTER_DAYS = 180


@dataclass(frozen=True)
class ServiceFilter:
    """What the map, the API, the directory list and the exports filter on."""

    bbox: tuple[float, float, float, float] | None = None
    categories: tuple[str, ...] = ()
    q: str | None = None
    adm1_pcode: str | None = None  # région (or autonomous district)
    adm2_pcode: str | None = None  # département
    needs: tuple[str, ...] = ()  # every one must be offered
    statuses: tuple[str, ...] = ()
    verification: str | None = None  # to_verify | verified
    stale: bool | None = None  # True: only stale or never verified; False: only fresh
    limit: int = DEFAULT_LIMIT
    offset: int = 0


def stale_cutoff(today: dt.date | None = None) -> dt.date:
    return (today or dt.date.today()) - dt.timedelta(days=STALE_AFTER_DAYS)


def is_stale(assured_date: dt.date | None, today: dt.date | None = None) -> bool:
    """Never verified, or last verified more than ``STALE_AFTER_DAYS`` ago."""
    return assured_date is None or assured_date < stale_cutoff(today)


def _phones_subquery():
    return (
        select(func.array_agg(Phone.number).filter(Phone.number.isnot(None)))
        .where(Phone.service_id == Service.id)
        .scalar_subquery()
    )


def located_select(viewer: Viewer) -> Select:
    """SQL: one row per service at a location, as ``viewer`` may see it (``located_feature``
    turns a row into a Feature). The open interfaces (/hsds, /ogc) add their own filters."""
    masked = is_masked(viewer)
    geom = displayed_geom(viewer)
    return (
        select(
            Service,
            Location,
            Organization.name.label("organization_name"),
            masked.label("masked"),
            func.ST_X(geom).label("lon"),
            func.ST_Y(geom).label("lat"),
            displayed_area(viewer, "adm1").label("adm1_pcode"),
            displayed_area(viewer, "adm2").label("adm2_pcode"),
            _phones_subquery().label("phones"),
        )
        .select_from(Service)
        .join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .join(Organization, Organization.id == Service.organization_id)
        .outerjoin(town_place, town_place.id == Location.place_id)
    )


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def text_match(q: str) -> ColumnElement[bool]:
    """SQL: ``q`` (accents and case ignored) in the service's name, its town or organization
    (needs the joins of ``located_select``)."""
    pattern = f"%{like_escape(fold(q))}%"
    return or_(
        Service.name_key.like(pattern, escape="\\"),
        town_place.name_key.like(pattern, escape="\\"),
        fold_sql(Organization.name).like(pattern, escape="\\"),
    )


def search_services(
    session: Session, filters: ServiceFilter, viewer: Viewer = PUBLIC
) -> tuple[list[dict], bool]:
    """Service locations matching ``filters``; returns (features, truncated)."""
    stmt = located_select(viewer)
    if filters.bbox is not None:
        envelope = func.ST_MakeEnvelope(*filters.bbox, 4326)
        stmt = stmt.where(within_envelope(viewer, envelope))
    if filters.categories:
        stmt = stmt.where(Service.category.in_(filters.categories))
    if filters.q:
        stmt = stmt.where(text_match(filters.q))
    if filters.adm1_pcode:
        stmt = stmt.where(in_area(viewer, "adm1", filters.adm1_pcode))
    if filters.adm2_pcode:
        stmt = stmt.where(in_area(viewer, "adm2", filters.adm2_pcode))
    if filters.needs:
        # ``@>`` (contains every need); the model's generic ARRAY has no ``contains()``.
        stmt = stmt.where(Service.needs.op("@>")(cast(list(filters.needs), PG_ARRAY(String(32)))))
    if filters.statuses:
        stmt = stmt.where(Service.status.in_(filters.statuses))
    if filters.verification:
        stmt = stmt.where(Service.verification == filters.verification)
    if filters.stale is not None:
        fresh = Service.assured_date >= stale_cutoff()
        stmt = stmt.where(~fresh | Service.assured_date.is_(None) if filters.stale else fresh)
    stmt = stmt.order_by(Service.name, Service.id).offset(filters.offset).limit(filters.limit + 1)
    rows = session.execute(stmt).all()
    truncated = len(rows) > filters.limit
    return _with_hours(session, [located_feature(row) for row in rows[: filters.limit]]), truncated


def get_service(session: Session, service_id: uuid.UUID, viewer: Viewer = PUBLIC) -> dict:
    """One service as a Feature (its first location); NotFound otherwise."""
    row = session.execute(
        located_select(viewer).where(Service.id == service_id).order_by(Location.id).limit(1)
    ).first()
    if row is None:
        raise NotFound("service not found", {"id": str(service_id)})
    return _with_hours(session, [located_feature(row)])[0]


def _with_hours(session: Session, features: list[dict]) -> list[dict]:
    """Each feature with its opening hours as text (``None``: not known) and its languages."""
    from .hours import format_hours
    from .schedules import languages_by_service, openings_by_service

    ids = {uuid.UUID(f["id"]) for f in features}
    openings = openings_by_service(session, ids)
    languages = languages_by_service(session, ids)
    for f in features:
        key = uuid.UUID(f["id"])
        f["properties"]["hours"] = format_hours(openings[key]) or None
        f["properties"]["languages"] = languages[key]
    return features


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def located_feature(row) -> dict:
    service: Service = row.Service
    location: Location = row.Location
    masked = bool(row.masked)
    properties = {
        "id": str(service.id),
        "location_id": str(location.id),
        "name": service.name,
        "category": service.category,
        "organization": row.organization_name,
        "town": location.town,
        "address": None if masked else location.address,
        "adm1_pcode": row.adm1_pcode,
        "adm2_pcode": row.adm2_pcode,
        "phones": sorted(row.phones or []),
        "email": service.email,
        "public_contact": location.public_contact,
        "status": service.status,
        "verification": service.verification,
        "assured_date": _iso(service.assured_date),
        "stale": is_stale(service.assured_date),
        "precision": "town" if masked else location.precision,
        "confidential": location.confidential,
        "masked": masked,
        "needs": list(service.needs or []),
        "minimum_age": service.minimum_age,
        "maximum_age": service.maximum_age,
        "sexes": service.sexes,
        "capacity": service.capacity,
        "source": service.source,
        # Public descriptive fields, for the exports (HSDS names).
        "alternate_name": service.alternate_name,
        "description": service.description,
        "url": service.url,
        "capacity_updated": _iso(service.capacity_updated),
    }
    return {
        "type": "Feature",
        "id": str(service.id),
        "geometry": {"type": "Point", "coordinates": [round(row.lon, 6), round(row.lat, 6)]},
        "properties": properties,
    }


def feature_collection(features: list[dict], **members) -> dict:
    return {"type": "FeatureCollection", "features": features, **members}


def dumps(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
