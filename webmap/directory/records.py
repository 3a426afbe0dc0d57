"""Writing directory records: one path for forms, imports and the CLI.

``ServiceInput`` is plain data (already parsed from a form, a file row or a command line);
``save_service`` validates it, then creates or updates the service with its location and phones,
and flushes. The caller commits — or rolls back, which is how imports stay all-or-nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from flask_babel import gettext as _
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Language, Location, Organization, Phone, Schedule, Service, ServiceAtLocation
from ..taxonomy import CATEGORIES, LOCATION_PRECISIONS, NEEDS, SERVICE_STATUSES, SEXES
from ..text import fold
from .hours import Opening, parse_hours
from .languages import LanguageName, parse_languages
from .validation import (
    MAX_LENGTHS,
    MAX_PHONES,
    InvalidValue,
    ValidationFailed,
    check_age_range,
    check_capacity,
    check_length,
    check_name,
    normalise_email,
    normalise_phone,
    public_town,
    situate,
)


@dataclass
class ServiceInput:
    """Everything a person can say about one service at one location."""

    name: str
    category: str
    organization_id: uuid.UUID | None = None
    organization_name: str | None = None  # creates the organization when no id is given
    source: str = ""
    lon: float | None = None
    lat: float | None = None
    precision: str = "exact"
    confidential: bool = False
    public_contact: str | None = None
    address: str | None = None
    # The town the place is in or next to; defaults to the nearest gazetteer town. Required for
    # a confidential place: the public is shown that town (see directory/visibility.py).
    town: str | None = None
    description: str | None = None
    alternate_name: str | None = None
    needs: list[str] = field(default_factory=list)
    minimum_age: int | None = None
    maximum_age: int | None = None
    sexes: str | None = None
    capacity: int | None = None
    capacity_updated: dt.date | None = None
    status: str = "active"
    email: str | None = None
    url: str | None = None
    phones: list[str] = field(default_factory=list)
    # Listed under "If nobody answers" in every referral answer; set by administrators only
    # (None: leave it as it is; a new record is not one).
    fallback_contact: bool | None = None
    # Opening hours and languages as people write them ("lun-ven 08:00-17:00", "français,
    # dioula"; see hours.py, languages.py). None: leave them as they are; "": not known.
    hours: str | None = None
    languages: str | None = None


def _check(errors: dict[str, str], name: str, check):
    try:
        return check()
    except InvalidValue as exc:
        errors[name] = str(exc)
        return None


def _one_of(vocabulary: dict, label: str):
    def check(value):
        if value not in vocabulary:
            raise InvalidValue(_("Unknown %(what)s: %(value)s.", what=label, value=value))
        return value

    return check


def validate(session: Session, data: ServiceInput) -> dict:
    """Check every field; return clean values, or raise ``ValidationFailed`` listing all problems."""
    errors: dict[str, str] = {}
    clean: dict = {}
    name = (data.name or "").strip()
    if not name:
        errors["name"] = _("A name is required.")
    elif len(name) > MAX_LENGTHS["name"]:
        errors["name"] = _("At most %(n)d characters.", n=MAX_LENGTHS["name"])
    clean["name"] = name
    for key in MAX_LENGTHS:
        if key not in ("name", "email"):  # checked with their other rules
            _check(errors, key, lambda key=key: check_length(key, getattr(data, key)))
    for key, value in (("name", name), ("alternate_name", data.alternate_name),
                       ("organization", None if data.organization_id else data.organization_name)):
        if value and key not in errors:
            _check(errors, key, lambda value=value: check_name(value.strip()))
    clean["category"] = _check(errors, "category", lambda: _one_of(CATEGORIES, "category")(data.category))
    clean["status"] = _check(errors, "status", lambda: _one_of(SERVICE_STATUSES, "status")(data.status))
    clean["precision"] = _check(
        errors, "precision", lambda: _one_of(LOCATION_PRECISIONS, "precision")(data.precision)
    )
    if data.sexes is not None:
        clean["sexes"] = _check(errors, "sexes", lambda: _one_of(SEXES, "sexes value")(data.sexes))
    unknown_needs = [n for n in data.needs if n not in NEEDS]
    if unknown_needs:
        errors["needs"] = _("Unknown need(s): %(needs)s.", needs=", ".join(unknown_needs))
    clean["needs"] = sorted(set(data.needs) - set(unknown_needs), key=list(NEEDS).index)
    ages = _check(errors, "age", lambda: check_age_range(data.minimum_age, data.maximum_age))
    clean["minimum_age"], clean["maximum_age"] = ages or (None, None)
    clean["capacity"] = _check(errors, "capacity", lambda: check_capacity(data.capacity))
    clean["email"] = _check(errors, "email", lambda: normalise_email(data.email))
    phones = []
    for raw in data.phones:
        if raw and raw.strip():
            phones.append(_check(errors, "phones", lambda raw=raw: normalise_phone(raw)))
    clean["phones"] = list(dict.fromkeys(p for p in phones if p))
    if len(clean["phones"]) > MAX_PHONES and "phones" not in errors:
        errors["phones"] = _("At most %(n)d phone numbers.", n=MAX_PHONES)
    if data.hours is not None:
        clean["hours"] = _check(errors, "hours", lambda: parse_hours(data.hours))
    if data.languages is not None:
        clean["languages"] = _check(errors, "languages", lambda: parse_languages(data.languages))
    if not (data.source or "").strip():
        errors["source"] = _("Say where this information comes from.")
    if data.organization_id is None and not (data.organization_name or "").strip():
        errors["organization"] = _("Choose or name an organization.")
    if data.lon is None or data.lat is None:
        errors["position"] = _("A position is required (map, gazetteer town or coordinates).")
    else:
        clean["situation"] = _check(errors, "position", lambda: situate(session, data.lon, data.lat))
    if data.confidential:
        clean["public_town"] = _check(
            errors, "town", lambda: public_town(session, data.town, data.lon, data.lat)
        )
    if errors:
        raise ValidationFailed(errors)
    return clean


def all_errors(session: Session, data: ServiceInput, unread: dict[str, str]) -> dict[str, str]:
    """The fields a form could not read (``unread``), plus every rule the rest breaks: a form
    shows them all at once."""
    try:
        validate(session, data)
    except ValidationFailed as exc:
        return {**exc.errors, **unread}
    return unread


def first_location(session: Session, service: Service) -> Location:
    """The service's first location (the one forms and imports edit)."""
    return session.scalars(
        select(Location)
        .join(ServiceAtLocation, ServiceAtLocation.location_id == Location.id)
        .where(ServiceAtLocation.service_id == service.id)
        .order_by(Location.id)
        .limit(1)
    ).one()


def save_service(session: Session, data: ServiceInput, service: Service | None = None) -> Service:
    """Create (``service`` None) or update a service with its first location and its phones."""
    clean = validate(session, data)
    situation = clean["situation"]
    # A confidential place is shown at the town its editor named, never at a place near its point.
    town = clean.get("public_town")
    if data.organization_id is not None:
        organization = session.get(Organization, data.organization_id)
        if organization is None:
            raise ValidationFailed({"organization": _("Unknown organization.")})
    else:
        organization = Organization(name=data.organization_name.strip(), source=data.source)
        session.add(organization)
    values = {
        "organization": organization,
        "name": clean["name"],
        "name_key": fold(clean["name"]),
        "alternate_name": data.alternate_name,
        "description": data.description,
        "category": clean["category"],
        "needs": clean["needs"],
        "minimum_age": clean["minimum_age"],
        "maximum_age": clean["maximum_age"],
        "sexes": clean.get("sexes"),
        "capacity": clean["capacity"],
        "capacity_updated": data.capacity_updated,
        "status": clean["status"],
        "email": clean["email"],
        "url": data.url,
        "source": data.source,
    }
    if data.fallback_contact is not None:
        values["fallback_contact"] = data.fallback_contact
    if service is None:
        service = Service(**values)
        session.add(service)
        location = Location()
        session.add(location)
        session.add(ServiceAtLocation(service=service, location=location))
    else:
        for name, value in values.items():
            if getattr(service, name) != value:
                setattr(service, name, value)
        location = first_location(session, service)
    location_values = {
        "organization": organization,
        "name": clean["name"],
        "address": data.address,
        "town": town.name if town else (data.town or situation.town),
        "place_id": town.id if town else situation.place_id,
        "adm3_pcode": situation.adm3_pcode,
        "adm2_pcode": situation.adm2_pcode,
        "adm1_pcode": situation.adm1_pcode,
        "precision": clean["precision"],
        "confidential": data.confidential,
        "public_contact": data.public_contact,
        "source": data.source,
    }
    for name, value in location_values.items():
        if getattr(location, name, None) != value:
            setattr(location, name, value)
    location.geom = from_shape(Point(data.lon, data.lat), srid=4326)
    session.flush()
    _replace_phones(session, service, clean["phones"])
    if clean.get("hours") is not None:
        replace_schedules(session, service, clean["hours"])
    if clean.get("languages") is not None:
        replace_languages(session, service, clean["languages"])
    session.flush()
    return service


def _replace_phones(session: Session, service: Service, numbers: list[str]) -> None:
    # Through the ORM, one row at a time, so the change history sees each number removed.
    current = session.scalars(select(Phone).where(Phone.service_id == service.id)).all()
    kept = {phone.number for phone in current if phone.number in numbers}
    for phone in current:
        if phone.number not in numbers:
            session.delete(phone)
    for number in numbers:
        if number not in kept:
            session.add(Phone(service_id=service.id, number=number, type="voice"))


def replace_schedules(session: Session, service: Service, openings: list[Opening]) -> None:
    """The service's ``schedule`` rows become ``openings`` (unchanged rows are kept, so the
    history records only what changed)."""
    wanted = {(o.byday, o.opens, o.closes) for o in openings}
    current = session.scalars(select(Schedule).where(Schedule.service_id == service.id)).all()
    kept = set()
    for row in current:
        key = (row.byday, row.opens_at, row.closes_at)
        if key in wanted and key not in kept:
            kept.add(key)
        else:
            session.delete(row)
    for byday, opens, closes in sorted(wanted - kept):
        session.add(Schedule(service_id=service.id, freq="WEEKLY", byday=byday, opens_at=opens, closes_at=closes))


def replace_languages(session: Session, service: Service, languages: list[LanguageName]) -> None:
    """The service's ``language`` rows become ``languages``, in that order."""
    current = {row.name: row for row in session.scalars(select(Language).where(Language.service_id == service.id))}
    wanted = {language.name for language in languages}
    for name, row in current.items():
        if name not in wanted:
            session.delete(row)
    session.flush()  # a name removed and typed again is a new row: free the unique key first
    for position, language in enumerate(languages, start=1):
        row = current.get(language.name)
        if row is None:
            session.add(Language(service_id=service.id, name=language.name, code=language.code, position=position))
        elif row.position != position or row.code != language.code:
            row.position, row.code = position, language.code


def confirm_service(session: Session, service: Service, user_id: uuid.UUID | None, today: dt.date) -> None:
    """The record was checked and is still accurate: verified on ``today`` by ``user_id``."""
    service.assured_date = today
    service.verification = "verified"
    service.assured_by = user_id
    session.flush()


def set_service_status(session: Session, service: Service, status: str) -> None:
    """Deactivate (``inactive``) or reactivate a service; records are never deleted."""
    if status not in SERVICE_STATUSES:
        raise ValidationFailed({"status": _("Unknown %(what)s: %(value)s.", what="status", value=status)})
    service.status = status
    session.flush()
