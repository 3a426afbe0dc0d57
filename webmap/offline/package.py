"""The offline package: everything the referral page needs to answer with no connection (Flask-free).

One JSON document, built from the **public** view of the directory only — the same masked rows
the public nearest search reads (``service_point.public_geom``: a confidential location's town
point), so the package is identical for every viewer and never holds an exact confidential
position, an address or the areas of an exact point.

Compact: tables are ``{"fields": [...], "rows": [[...], ...]}`` (names once, values in arrays);
the gazetteer's administrative names are indexes into one list of names.

Versions (``data_signature`` then ``version``):

* ``data_signature`` — a checksum of the tables the package is made from: per table, the row
  count and the sum of a hash of each row version's identity (``xmin``, the transaction that
  wrote it, and ``ctid``, where it lies: an insert, update or delete always changes one of
  them), for service, location, organization, phone and service_at_location, plus the loaded
  reference datasets. Any write changes it, even one done in plain SQL without a timestamp,
  and no write has to maintain it (no counter row that every editor would lock). It costs one
  pass over those tables' rows, without reading their values (about 50 ms at 5,000 services,
  0.5 s at 50,000: see scripts/bench_offline.py). It decides when the package is built again;
  it is never shown (it changes with exact positions).
* ``version`` — the first 16 hex digits of the SHA-256 of the package's content (everything
  but ``version`` and ``generated_at``). It is the ETag: a write that changes nothing public
  (moving a confidential location within its town, editing an address) keeps the version, so
  phones do not download the same data again and the ETag reveals nothing about exact points.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

import layers

from ..directory.schedules import languages_by_service, openings_by_service
from ..directory.service import LIVE_STATUSES
from ..models import AdminArea, Location, Phone, Service, ServicePoint
from ..reference import matching
from ..reference.query import admin_areas, place_rows
from ..referral import fallback, nearest, origin, words
from ..text import fold

FORMAT = 1  # bumped when the package's layout changes (store.js drops an older layout)
BOUNDARY_SIMPLIFY = 0.01  # degrees, as the referral page's map draws them online
# Places as the server's gazetteer holds them (6 decimals). Displayed service points keep every
# digit the database holds: a few centimetres of rounding would be enough to move a road estimate
# (straight km × 1.3, rounded up) across a whole kilometre now and then (the parity test found one).
COORDINATE_DIGITS = 6

SERVICE_FIELDS = (
    "id", "name", "category", "needs", "minimum_age", "maximum_age", "sexes", "status",
    "capacity_available", "capacity_available_updated", "assured_date", "verification", "email",
    "phones", "fallback", "locations", "schedules", "languages", "ask_instead",
)
LOCATION_FIELDS = ("town", "public_contact", "lon", "lat", "masked")
PLACE_FIELDS = ("id", "name", "name_key", "alternate_key", "population", "lon", "lat", "sous_prefecture", "departement",
                "region", "adm1_pcode")

_SIGNATURE_SQL = text(
    """
    SELECT md5(concat_ws('|',
        (SELECT count(*) || ':' || coalesce(sum(hashtext(t.xmin::text || t.ctid::text)), 0) FROM service t),
        (SELECT count(*) || ':' || coalesce(sum(hashtext(t.xmin::text || t.ctid::text)), 0) FROM location t),
        (SELECT count(*) || ':' || coalesce(sum(hashtext(t.xmin::text || t.ctid::text)), 0) FROM organization t),
        (SELECT count(*) || ':' || coalesce(sum(hashtext(t.xmin::text || t.ctid::text)), 0) FROM phone t),
        (SELECT count(*) || ':' || coalesce(sum(hashtext(t.xmin::text || t.ctid::text)), 0) FROM service_at_location t),
        (SELECT count(*) || ':' || coalesce(sum(hashtext(t.xmin::text || t.ctid::text)), 0) FROM schedule t),
        (SELECT count(*) || ':' || coalesce(sum(hashtext(t.xmin::text || t.ctid::text)), 0) FROM language t),
        (SELECT string_agg(layer || ':' || sha256, ',' ORDER BY layer) FROM reference_dataset)))
    """
)


def data_signature(session: Session) -> str:
    """A checksum of every row the package is made from (see the module's docstring)."""
    return session.execute(_SIGNATURE_SQL).scalar_one()


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _round(value: float) -> float:
    return round(value, COORDINATE_DIGITS)


def _services(session: Session, connection) -> list[list]:
    """Every live service with its displayed points (public view), as ``SERVICE_FIELDS`` rows."""
    phones: dict[object, list[str]] = {}
    for service_id, number in session.execute(
        select(Phone.service_id, Phone.number).where(Phone.service_id.is_not(None)).order_by(Phone.number)
    ):
        phones.setdefault(service_id, []).append(number)
    points: dict[object, list[list]] = {}
    rows = session.execute(
        select(
            ServicePoint.service_id,
            Location.town,
            Location.public_contact,
            func.ST_X(ServicePoint.public_geom).label("lon"),
            func.ST_Y(ServicePoint.public_geom).label("lat"),
            ServicePoint.confidential,
        )
        .join(Location, Location.id == ServicePoint.location_id)
        .where(ServicePoint.status.in_(LIVE_STATUSES))
        .order_by(ServicePoint.service_id, Location.id)
    )
    for row in rows:
        points.setdefault(row.service_id, []).append(
            [row.town, row.public_contact, row.lon, row.lat, 1 if row.confidential else 0]
        )
    services = session.execute(
        select(Service).where(Service.status.in_(LIVE_STATUSES), Service.id.in_(list(points) or [None]))
        .order_by(Service.id)
    ).scalars()
    services = list(services)
    ids = [service.id for service in services]
    openings = openings_by_service(session, ids)
    languages = languages_by_service(session, ids)
    results, missing = [], []
    for service in services:
        numbers = sorted(phones.get(service.id, []))
        row = [
            str(service.id), service.name, service.category, list(service.needs or []),
            service.minimum_age, service.maximum_age, service.sexes, service.status,
            service.capacity_available, _iso(service.capacity_available_updated), _iso(service.assured_date),
            service.verification, service.email, numbers, 1 if service.fallback_contact else 0,
            points[service.id],
            [[o.byday, o.opens.strftime("%H:%M"), o.closes.strftime("%H:%M")] for o in openings[service.id]],
            languages[service.id], None,
        ]
        results.append(row)
        if not numbers:
            missing.append({"id": row[0], "phones": [], "email": service.email, "row": row})
    if missing:
        # Whom to ask instead, for a result without a phone: the server's own rule, precomputed.
        fallback.ask_instead_all(connection, missing, fallback.fallback_contacts(connection))
        for item in missing:
            item["row"][-1] = item["ask_instead"]
    return results


def _places(session: Session) -> dict:
    """The gazetteer as the server's matcher reads it, admin names as indexes into ``names``."""
    names: dict[str, int] = {}

    def name_index(value: str | None) -> int | None:
        if value is None:
            return None
        return names.setdefault(value, len(names))

    rows = []
    for place in place_rows(session):
        rows.append([
            place["id"], place["name"], fold(place["name"]), place["alternate_key"] or None, place["population"],
            _round(place["lon"]), _round(place["lat"]), name_index(place["sous_prefecture"]),
            name_index(place["departement"]), name_index(place["region"]), place["adm1_pcode"],
        ])
    return {"fields": list(PLACE_FIELDS), "rows": rows, "names": list(names)}


def _aliases() -> list[list]:
    """Usage names (``data/geo/place_aliases.toml``) as [compact key, place id]."""
    return [[matching.compact(alias["alias"]), alias["place_id"]] for alias in matching.load_aliases()]


def _reach(session: Session) -> list | None:
    """Côte d'Ivoire widened by ``COUNTRY_MARGIN_KM`` (the server's check of a point origin), as
    GeoJSON polygon coordinates, or None without the reference boundaries."""
    blob = session.execute(origin._REACH_SQL).scalar()
    if blob is None:
        return None
    import shapely

    geometry = shapely.from_wkb(bytes(blob))
    return json.loads(shapely.to_geojson(shapely.set_precision(geometry, 1e-4)))


def _areas(session: Session) -> list[list]:
    """Every administrative area as [P-code, name, level, lon, lat] of its point on surface (the
    origin of a search by P-code), ordered by P-code and level."""
    point = func.ST_PointOnSurface(AdminArea.geom)
    rows = session.execute(
        select(AdminArea.pcode, AdminArea.name, AdminArea.level, func.ST_X(point), func.ST_Y(point))
        .order_by(AdminArea.pcode, AdminArea.level)
    )
    return [[pcode, name, level, _round(lon), _round(lat)] for pcode, name, level, lon, lat in rows]


def _boundaries(session: Session) -> dict:
    def collection(level: str) -> dict:
        return {"type": "FeatureCollection", "features": admin_areas(session, level, simplify=BOUNDARY_SIMPLIFY)}

    return {"country": collection("0"), "regions": collection("1")}


def _line_style(layer_id: str) -> dict:
    """A boundary layer's stroke and fill from the one catalogue (the printed sheet's map)."""
    style = layers.layer(layer_id).style
    return {"color": style.color, "weight": style.weight, "fill": style.fill_color}


def rules() -> dict:
    """The constants of the search, from the server's own modules (one source for both)."""
    m = matching
    return {
        "detour_factor": words.DETOUR_FACTOR,
        "average_speed_kmh": words.AVERAGE_SPEED_KMH,
        "travel_minutes_step": words.TRAVEL_MINUTES_STEP,
        "default_limit": nearest.DEFAULT_LIMIT,
        "max_limit": nearest.MAX_LIMIT,
        "max_age": nearest.MAX_AGE,
        "min_km": nearest.MIN_KM,
        "max_km": nearest.MAX_KM,
        "adult_age": nearest.ADULT_AGE,
        "widen_steps": list(nearest._WIDEN_STEPS),
        "reach_box": list(origin.FALLBACK_REACH),
        "country_margin_km": origin.COUNTRY_MARGIN_KM,
        "suggestions": origin.SUGGESTIONS,
        "matching": {
            "alternate_quality": m.ALTERNATE_QUALITY, "prefix_base": m.PREFIX_BASE,
            "prefix_span": m.PREFIX_SPAN, "prefix_typo": m.PREFIX_TYPO, "word_factor": m.WORD_FACTOR,
            "population_weight": m.POPULATION_WEIGHT, "accept_quality": m.ACCEPT_QUALITY,
            "rival_quality": m.RIVAL_QUALITY, "rival_margin": m.RIVAL_MARGIN,
            "loose_similarity": m.LOOSE_SIMILARITY, "loose_factor": m.LOOSE_FACTOR,
            "homonym_ratio": m.HOMONYM_RATIO, "max_trigram_candidates": m.MAX_TRIGRAM_CANDIDATES,
            "far_below": m.FAR_BELOW, "max_prefix_postings": m.MAX_PREFIX_POSTINGS,
            "min_alternate_length": m.MIN_ALTERNATE_LENGTH,
        },
    }


def build(session: Session, connection, messages: dict, now: dt.datetime | None = None) -> dict:
    """The package (a dict), with its ``version``. ``connection``: the psycopg connection of
    ``session`` (the fallback queries run on the driver); ``messages``: ``{lang: {key: text}}``."""
    services = _services(session, connection)
    content = {
        "format": FORMAT,
        "services": {"fields": list(SERVICE_FIELDS), "location_fields": list(LOCATION_FIELDS), "rows": services},
        "fallback": fallback.fallback_contacts(connection),
        "places": _places(session),
        "aliases": _aliases(),
        "reach": _reach(session),
        "areas": _areas(session),
        "boundaries": _boundaries(session),
        "rules": rules(),
        # Category colours of the one layer catalogue (the pages' symbols).
        "colors": {code: style.color for code, style in layers.CATEGORY_STYLES.items()},
        "icon_colors": {code: style.icon_color for code, style in layers.CATEGORY_STYLES.items()},
        "line_styles": {name: _line_style(name) for name in ("regions", "country")},
        "messages": messages,
    }
    body = json.dumps(content, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    version = hashlib.sha256(body.encode()).hexdigest()[:16]
    generated = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    return {"version": version, "generated_at": generated.isoformat().replace("+00:00", "Z"), **content}


@dataclass(frozen=True)
class Built:
    signature: str
    version: str
    body: bytes  # the JSON document, UTF-8


_lock = threading.Lock()
_built: dict[tuple, Built] = {}


def current(session: Session, connection, messages: dict, cache_key: tuple = ()) -> Built:
    """The package for the data as it is now: built again only when ``data_signature`` changed.

    ``cache_key`` tells apart what the signature does not see (the database, the app release)."""
    signature = data_signature(session)
    key = (*cache_key, json.dumps(messages, sort_keys=True))
    with _lock:
        found = _built.get(key)
    if found is not None and found.signature == signature:
        return found
    package = build(session, connection, messages)
    body = json.dumps(package, ensure_ascii=False, separators=(",", ":")).encode()
    built = Built(signature=signature, version=package["version"], body=body)
    with _lock:
        _built.clear()
        _built[key] = built
    return built
