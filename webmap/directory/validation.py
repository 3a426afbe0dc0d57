"""Validation and normalisation of directory input, shared by forms, imports and the CLI.

Each check returns the clean value or raises ``InvalidValue`` with a message meant for a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from ..errors import WebmapError
from ..models import AdminArea, Place
from ..text import fold

# Côte d'Ivoire has 10-digit national numbers since 31 January 2021 (ARTCI numbering plan);
# short national codes such as 116 (child helpline), 111, 170, 180 or 185 are kept as they are.
COUNTRY_CODE = "225"
SHORT_CODE = re.compile(r"^1\d{2,3}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
# A point must lie inside the country, or within this distance of it (coast, border towns).
COUNTRY_TOLERANCE_M = 1_000
MAX_AGE = 25
# Limits of what a record may hold, for forms, imports and the CLI alike (one table, stated in
# docs/reference.md). Longest texts in characters: the database columns are sized to match where they
# have a size (String(n)); the others are bounded here against abuse.
MAX_LENGTHS = {
    "name": 250,
    "alternate_name": 250,
    "organization_name": 250,
    "email": 250,
    "url": 500,
    "town": 200,
    "public_contact": 500,
    "address": 1_000,
    "source": 2_000,
    "description": 5_000,
}
# Largest capacity (places): far above any structure, far below the column's 2**31 - 1.
MAX_CAPACITY = 100_000
# Phone numbers of one service: a switchboard and a few direct lines, not a list to print.
MAX_PHONES = 10


class InvalidValue(ValueError):
    pass


class ValidationFailed(WebmapError):
    """Several fields failed; ``detail`` maps each field to its message."""

    status = 422

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("validation failed", errors)
        self.errors = errors


def normalise_phone(raw: str) -> str:
    """``+225 XX XX XX XX XX`` for a national number, or the short code itself (e.g. ``116``)."""
    digits = re.sub(r"[\s.\-()/]", "", raw or "")
    if not digits:
        raise InvalidValue(_("The phone number is empty."))
    if SHORT_CODE.match(digits):
        return digits
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    elif len(digits) == 10:
        digits = COUNTRY_CODE + digits
    if not digits.isdigit():
        raise InvalidValue(_("%(value)s is not a phone number.", value=raw))
    if not digits.startswith(COUNTRY_CODE):
        raise InvalidValue(_("%(value)s is not an Ivorian number (+225).", value=raw))
    national = digits[len(COUNTRY_CODE):]
    if len(national) != 10:
        raise InvalidValue(_("%(value)s: an Ivorian number has 10 digits after +225.", value=raw))
    pairs = " ".join(national[i:i + 2] for i in range(0, 10, 2))
    return f"+{COUNTRY_CODE} {pairs}"


def check_name(value: str) -> str:
    """Refuse a name a spreadsheet would run as a formula (``=…``, ``@…``): names reach CSV files,
    and the HSDS package keeps them exact (see ``webmap.spreadsheet``)."""
    if value.startswith(("=", "@")):
        raise InvalidValue(_("A name cannot start with = or @."))
    return value


def normalise_email(raw: str | None) -> str | None:
    value = (raw or "").strip()
    if not value:
        return None
    if not EMAIL.match(value) or len(value) > MAX_LENGTHS["email"]:
        raise InvalidValue(_("%(value)s is not an e-mail address.", value=value))
    return value.lower()


def check_age_range(minimum: int | None, maximum: int | None) -> tuple[int | None, int | None]:
    for value in (minimum, maximum):
        if value is not None and not 0 <= value <= MAX_AGE:
            raise InvalidValue(_("Ages must lie between 0 and %(max)d.", max=MAX_AGE))
    if minimum is not None and maximum is not None and minimum > maximum:
        raise InvalidValue(_("The minimum age exceeds the maximum age."))
    return minimum, maximum


def check_capacity(capacity: int | None) -> int | None:
    if capacity is not None and capacity < 0:
        raise InvalidValue(_("Capacity cannot be negative."))
    if capacity is not None and capacity > MAX_CAPACITY:
        raise InvalidValue(_("At most %(max)s places.", max=format_decimal(MAX_CAPACITY)))
    return capacity


def check_length(name: str, value: str | None) -> str | None:
    """``value`` when it is no longer than ``MAX_LENGTHS[name]`` characters."""
    if value is not None and len(value) > MAX_LENGTHS[name]:
        raise InvalidValue(_("At most %(n)d characters.", n=MAX_LENGTHS[name]))
    return value


@dataclass(frozen=True)
class Situation:
    """Where a point lies: its sous-préfecture, département, région and nearest gazetteer town."""

    adm3_pcode: str | None
    adm2_pcode: str | None
    adm1_pcode: str | None
    place_id: int | None
    town: str | None


def _point(lon: float, lat: float):
    return func.ST_SetSRID(func.ST_MakePoint(lon, lat), 4326)


def situate(session: Session, lon: float, lat: float) -> Situation:
    """Check the point lies in Côte d'Ivoire (within 1 km) and find its admin areas and town."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidValue(_("Coordinates out of range (longitude, latitude in degrees)."))
    point = _point(lon, lat)
    inside = session.scalar(
        select(func.count())
        .select_from(AdminArea)
        .where(
            AdminArea.level == "adm0",
            func.ST_DWithin(func.geography(AdminArea.geom), func.geography(point), COUNTRY_TOLERANCE_M),
        )
    )
    if not inside:
        raise InvalidValue(_("This position is outside Côte d'Ivoire."))
    adm3 = session.execute(
        select(AdminArea.pcode, AdminArea.parent_pcode)
        .where(AdminArea.level == "adm3")
        .order_by(AdminArea.geom.distance_centroid(point))
        .limit(1)
    ).first()
    adm2 = session.execute(
        select(AdminArea.pcode, AdminArea.parent_pcode)
        .where(AdminArea.level == "adm2", AdminArea.pcode == adm3.parent_pcode)
    ).first() if adm3 else None
    town = session.execute(
        select(Place.id, Place.name).order_by(Place.geom.distance_centroid(point)).limit(1)
    ).first()
    return Situation(
        adm3_pcode=adm3.pcode if adm3 else None,
        adm2_pcode=adm2.pcode if adm2 else None,
        adm1_pcode=adm2.parent_pcode if adm2 else None,
        place_id=town.id if town else None,
        town=town.name if town else None,
    )


# A confidential location's named town must lie within this distance of its exact point: a
# guard against a homonym elsewhere in the country, not a precision (the town stays public).
TOWN_MAX_DISTANCE_KM = 60


def _named(name: str | None):
    """SQL condition: the place is called ``name`` (accents and case ignored), or None."""
    key = fold(name or "")
    if not key:
        return None
    alternates = literal("|") + func.coalesce(Place.alternate_key, "") + literal("|")
    return Place.name_key == key, alternates.contains(f"|{key}|", autoescape=True)


_BY_POPULATION = (Place.population.desc().nulls_last(), Place.id)


def find_town(session: Session, name: str | None) -> Place | None:
    """The gazetteer place named ``name`` (accents and case ignored), the most populous first.

    Official names win over alternate names ("Bassam" finds Grand-Bassam only when no place is
    officially called Bassam).
    """
    conditions = _named(name)
    for condition in conditions or ():
        place = session.scalars(select(Place).where(condition).order_by(*_BY_POPULATION).limit(1)).first()
        if place is not None:
            return place
    return None


def public_town(session: Session, name: str | None, lon: float | None, lat: float | None) -> Place:
    """The town where the public is shown a confidential location: the one its editor named.

    Never derived from the exact point (the nearest village would locate a shelter). Among
    places of that name, the most populous within ``TOWN_MAX_DISTANCE_KM`` of the point is
    taken: the point only tells homonyms apart, and the town it picks is public anyway.
    """
    conditions = _named(name)
    if conditions is None:
        raise InvalidValue(
            _("A confidential place needs its town: the public is shown the town, never the position.")
        )
    if lon is None or lat is None:
        place = find_town(session, name)
        if place is None:
            raise InvalidValue(_("%(town)s is not in the gazetteer: choose the town from the list.", town=name.strip()))
        return place
    km = func.ST_Distance(func.geography(Place.geom), func.geography(_point(lon, lat))) / 1000
    for condition in conditions:
        rows = session.execute(select(Place, km.label("km")).where(condition).order_by(*_BY_POPULATION)).all()
        near = [row.Place for row in rows if row.km <= TOWN_MAX_DISTANCE_KM]
        if near:
            return near[0]
        if rows:
            raise InvalidValue(
                _("%(town)s lies %(km)d km from the position given: name the town the place is in "
                  "or next to.", town=rows[0].Place.name, km=round(min(row.km for row in rows)))
            )
    raise InvalidValue(_("%(town)s is not in the gazetteer: choose the town from the list.", town=name.strip()))
