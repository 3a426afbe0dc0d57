"""Where a referral search starts: a point, a gazetteer place or an administrative area (Flask-free).

A point must lie in Côte d'Ivoire or within ``COUNTRY_MARGIN_KM`` of its borders. A place name
goes through the gazetteer search (accents and case optional); when only loose matches exist,
the answer is ``UnknownOrigin`` with those as suggestions.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, fields

import shapely
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from ..errors import BadParameter, NotFound, WebmapError
from ..models import AdminArea, Place
from ..reference import matching
from ..reference.query import find_places, place_context
from ..text import fold

SUGGESTIONS = 5  # places offered when a name is ambiguous or unknown
MAX_PLACE_ID = 2**31 - 1  # place.id is an integer column: a larger id matches nothing

COUNTRY_MARGIN_KM = 50.0  # origins farther than this from Côte d'Ivoire are refused
# Côte d'Ivoire's bounding box, widened by ~50 km: no origin lies outside it (the API's documented
# lat/lon bounds); without the reference boundaries loaded, the reach itself.
FALLBACK_REACH = (-8.61 - 0.46, 4.34 - 0.46, -2.49 + 0.46, 10.74 + 0.46)


class UnknownOrigin(NotFound):
    """A place or P-code that the gazetteer does not know; ``detail`` carries suggestions."""

    def __init__(self, parameter: str, value: str, message: str, suggestions: list[dict]) -> None:
        super().__init__(
            f"unknown {parameter} '{value}'",
            {"parameter": parameter, "message": message, "suggestions": suggestions},
        )
        self.parameter = parameter
        self.value = value
        self.suggestions = suggestions


class AmbiguousOrigin(WebmapError):
    """A typed name that fits several places about as well: 300, the person chooses (``suggestions``)."""

    status = 300

    def __init__(self, value: str, suggestions: list[dict]) -> None:
        super().__init__(
            f"ambiguous place '{value}'",
            {
                "parameter": "place",
                "message": "several places match this name about as well; "
                "repeat the search with place=<id> of the one meant",
                "suggestions": suggestions,
            },
        )
        self.parameter = "place"
        self.value = value
        self.suggestions = suggestions


# --- origin ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    kind: str  # "point" | "place" | "area"
    lat: float
    lon: float
    name: str | None = None
    place_id: int | None = None
    pcode: str | None = None
    context: str | None = None  # the containing areas, for display ("Kabadougou, Denguélé")

    def as_dict(self) -> dict:
        """The fields that are set (flat values: no deep copy, unlike ``dataclasses.asdict``)."""
        values = ((name, getattr(self, name)) for name in _ORIGIN_FIELDS)
        return {name: value for name, value in values if value is not None}


_ORIGIN_FIELDS = tuple(field.name for field in fields(Origin))


_reach_lock = threading.Lock()
_reach_cache: dict[str, object] = {}

_REACH_SQL = select(
    func.ST_AsBinary(
        func.ST_Transform(
            func.ST_Buffer(
                func.ST_Transform(func.ST_SimplifyPreserveTopology(AdminArea.geom, 0.005), 32630),
                COUNTRY_MARGIN_KM * 1000,
                "quad_segs=4",
            ),
            4326,
        )
    )
).where(AdminArea.level == "adm0")


def _reach(session: Session):
    """Côte d'Ivoire widened by 50 km (computed once per database and process, in UTM 30N)."""
    key = str(session.get_bind().engine.url)
    with _reach_lock:
        area = _reach_cache.get(key)
    if area is not None:
        return area
    blob = session.execute(_REACH_SQL).scalar()
    if blob is None:  # boundaries not loaded: the bounding box, not cached
        return shapely.box(*FALLBACK_REACH)
    area = shapely.from_wkb(bytes(blob))
    shapely.prepare(area)
    with _reach_lock:
        _reach_cache.setdefault(key, area)
        return _reach_cache[key]


def within_reach(session: Session, lat: float, lon: float) -> bool:
    """Is (lat, lon) in Côte d'Ivoire or within ``COUNTRY_MARGIN_KM`` of its borders?"""
    minlon, minlat, maxlon, maxlat = FALLBACK_REACH
    if not (minlon <= lon <= maxlon and minlat <= lat <= maxlat):
        return False
    area = _reach(session)
    with _reach_lock:  # GEOS prepared geometries are not guaranteed thread-safe
        return bool(shapely.contains_xy(area, lon, lat))


def origin_from_point(session: Session, lat: float, lon: float) -> Origin:
    if not within_reach(session, lat, lon):
        raise BadParameter(
            "lat",
            f"the point {lat:.5f}, {lon:.5f} (lat, lon) lies outside Côte d'Ivoire, more than "
            f"{COUNTRY_MARGIN_KM:.0f} km from its borders; check the coordinates "
            "(latitude first, in decimal degrees)",
        )
    return Origin(kind="point", lat=lat, lon=lon)


def _area_name(level: str, pcode_column):
    area = aliased(AdminArea)
    return select(area.name).where(area.level == level, area.pcode == pcode_column).scalar_subquery()


def _place_origin(row) -> Origin:
    context = ", ".join(name for name in (row.departement, row.region) if name and name != row.name)
    return Origin(
        kind="place",
        lat=round(row.lat, 6),
        lon=round(row.lon, 6),
        name=row.name,
        place_id=row.id,
        context=context or None,
    )


def _suggestion(found: matching.Match) -> dict:
    place = found.place
    return {
        "id": place["id"],
        "name": place["name"],
        "context": place_context(place),
        "population": place["population"],
        "departement": place["departement"],
        "region": place["region"],
    }


def origin_from_place(session: Session, value: str) -> Origin:
    """A gazetteer id, or a name: the best match unless only loose (fuzzy) matches exist."""
    value = value.strip()
    if value.isascii() and value.isdigit():  # "²" is a digit for str.isdigit, not for int()
        row = None if int(value) > MAX_PLACE_ID else session.execute(
            select(
                Place.id,
                Place.name,
                func.ST_Y(Place.geom).label("lat"),
                func.ST_X(Place.geom).label("lon"),
                _area_name("adm2", Place.adm2_pcode).label("departement"),
                _area_name("adm1", Place.adm1_pcode).label("region"),
            ).where(Place.id == int(value))
        ).first()
        if row is None:
            raise UnknownOrigin("place", value, "no place of the gazetteer has this id", [])
        return _place_origin(row)
    matches = find_places(session, value, limit=SUGGESTIONS)
    chosen = matching.choose(matches)
    if isinstance(chosen, matching.Match):
        place = chosen.place
        return Origin(
            kind="place",
            lat=place["lat"],
            lon=place["lon"],
            name=place["name"],
            place_id=place["id"],
            context=", ".join(n for n in (place["departement"], place["region"]) if n and n != place["name"])
            or None,
        )
    if isinstance(chosen, matching.Ambiguity):
        raise AmbiguousOrigin(value, [_suggestion(m) for m in chosen.candidates[:SUGGESTIONS]])
    raise UnknownOrigin(
        "place",
        value,
        "no town or village of this name; did you mean one of the suggestions?"
        if matches
        else "no town or village of this name, nor any close spelling",
        [_suggestion(m) for m in matches[:SUGGESTIONS]],
    )


def origin_from_pcode(session: Session, pcode: str) -> Origin:
    """An administrative area (any level) by P-code; its point on surface is the origin."""
    code = pcode.strip().upper()
    point = func.ST_PointOnSurface(AdminArea.geom)
    row = session.execute(
        select(
            AdminArea.pcode,
            AdminArea.name,
            AdminArea.level,
            func.ST_Y(point).label("lat"),
            func.ST_X(point).label("lon"),
        )
        .where(AdminArea.pcode == code)
        .order_by(AdminArea.level)
        .limit(1)
    ).first()
    if row is None:
        key = fold(pcode)
        suggestions = [
            {"pcode": r.pcode, "name": r.name, "level": r.level}
            for r in session.execute(
                select(AdminArea.pcode, AdminArea.name, AdminArea.level)
                .where(or_(AdminArea.name_key.like(key.replace("%", "") + "%"), AdminArea.pcode.like(code + "%")))
                .order_by(AdminArea.level, AdminArea.pcode)
                .limit(5)
            )
        ] if key else []
        raise UnknownOrigin("pcode", pcode, "no administrative area has this P-code", suggestions)
    return Origin(
        kind="area", lat=round(row.lat, 6), lon=round(row.lon, 6), name=row.name, pcode=row.pcode
    )


def resolve_origin(
    session: Session,
    lat: float | None = None,
    lon: float | None = None,
    place: str | None = None,
    pcode: str | None = None,
) -> Origin:
    """Exactly one origin: ``lat`` and ``lon`` together, or ``place``, or ``pcode``."""
    given = [name for name, present in (("lat/lon", lat is not None or lon is not None),
                                         ("place", bool(place)), ("pcode", bool(pcode))) if present]
    if not given:
        raise BadParameter(
            "place", "an origin is required: place (town or village, name or id), lat and lon, or pcode"
        )
    if len(given) > 1:
        raise BadParameter(given[1].split("/")[0], f"give one origin only, not {' and '.join(given)}")
    if given[0] == "lat/lon":
        if lat is None:
            raise BadParameter("lat", "lat is required with lon")
        if lon is None:
            raise BadParameter("lon", "lon is required with lat")
        return origin_from_point(session, lat, lon)
    if place:
        return origin_from_place(session, place)
    return origin_from_pcode(session, pcode or "")
