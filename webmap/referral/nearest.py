"""The nearest suitable services for a child: eligibility, candidates, ranking (Flask-free).

The origin is resolved in ``origin.py``, distances are put into words and travel estimates in
``words.py``; their public names are re-exported here. How a search runs (``find_nearest``):

1. **Origin** — a point (``lat``/``lon``, which must lie in Côte d'Ivoire or within 50 km of
   its borders), a gazetteer place (id or name) or an administrative area (P-code, its point on
   surface). See ``origin.resolve_origin``.
2. **Eligibility** (SQL): status active; every requested need offered; category among those
   asked; age within [minimum_age, maximum_age]; sex served. A bound or a sex that is not
   recorded (NULL) does not exclude a service: it is reported in ``unknown`` so the officer
   checks it by phone.
3. **Candidates** from the GiST indexes, nearest first (KNN ``<->`` with ``LIMIT``), then the
   exact distance on the WGS 84 ellipsoid (``geography``). The planar degree distance of KNN
   is not the ellipsoidal one, so the candidate set is proven complete with a conservative
   bound (``_km_per_degree_floor``) and fetched again, larger, when the bound does not prove it.
4. **Confidentiality**: for the public every distance, direction and rank is computed to the
   *displayed* point (``visibility.displayed_geom``: a confidential place's town), never to the
   exact one, so probing with many origins cannot recover an exact location. For that, public
   candidates of confidential locations come from the towns' index, not from their exact points.
5. **Ranking**: the ``limit`` nearest eligible services; among them, those known to be full
   (``capacity_available = 0``) are listed after the others and marked ``full``.
6. **Estimates**: road distance = straight distance × ``DETOUR_FACTOR``; travel time at
   ``AVERAGE_SPEED_KMH``; both are rough and documented with their sources in the README.

Only Core rows are read (no ORM objects): the endpoint must stay fast (see
scripts/bench_nearest.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import time
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from geoalchemy2 import Geography
from sqlalchemy import (
    Float,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    not_,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.util import ClauseAdapter

from ..directory.visibility import (
    PUBLIC,
    TOWN_FALLBACK_GRID_DEGREES,
    Viewer,
    displayed_geom,
    is_masked,
    town_place,
)
from ..models import Location, Phone, Place, Service, ServiceAtLocation
from .origin import (  # noqa: F401 (re-exported: the search's public names live here)
    COUNTRY_MARGIN_KM,
    Origin,
    UnknownOrigin,
    resolve_origin,
    within_reach,
)
from .words import (  # noqa: F401 (re-exported)
    AVERAGE_SPEED_KMH,
    DETOUR_FACTOR,
    _Words,
    compass_code,
    compass_point,
    direction_words,
    format_km,
    road_estimate,
)

# --- limits and tuning ---------------------------------------------------------------------------

DEFAULT_LIMIT = 5
MAX_LIMIT = 50
MAX_KM = 2000.0
MAX_AGE = 120

# Candidates fetched per branch: enough that the completeness bound almost always holds at
# once; otherwise the statement runs again with four times as many (at most ``ROUNDS`` times).
MIN_CANDIDATES = 8
ROUNDS = 4

SEXES = ("female", "male")
GEOGRAPHY = Geography(srid=4326)

# Ellipsoid (WGS 84) lengths of one degree: of latitude, at least 110.574 km (at the equator);
# of longitude, at least 111.3195 km × cos(latitude).
_KM_PER_DEGREE_LAT_MIN = 110.574
_KM_PER_DEGREE_LON_EQUATOR = 111.3195


# --- criteria -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criteria:
    categories: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    age: int | None = None
    sex: str | None = None  # "female" | "male"
    limit: int = DEFAULT_LIMIT
    max_km: float | None = None

    def as_dict(self) -> dict:
        return {
            "category": list(self.categories),
            "need": list(self.needs),
            "age": self.age,
            "sex": self.sex,
            "limit": self.limit,
            "max_km": self.max_km,
        }


@dataclass(frozen=True)
class _Shape:
    """Which filters a search uses: one SQL statement per shape, built once and reused."""

    categories: bool
    needs: bool
    age: bool
    sex: bool
    radius: bool

    @classmethod
    def of(cls, criteria: Criteria) -> _Shape:
        return cls(
            categories=bool(criteria.categories),
            needs=bool(criteria.needs),
            age=criteria.age is not None,
            sex=criteria.sex is not None,
            radius=criteria.max_km is not None,
        )


def _parameters(criteria: Criteria) -> dict:
    """Values of the statement's bound parameters (arrays are single parameters)."""
    params: dict = {}
    if criteria.categories:
        params["categories"] = list(criteria.categories)
    if criteria.needs:
        params["needs"] = list(criteria.needs)
    if criteria.age is not None:
        params["age"] = criteria.age
    if criteria.sex is not None:
        params["sex"] = criteria.sex
    return params


def _eligibility(shape: _Shape, service=Service) -> list:
    """SQL conditions on ``service`` (the model or an alias of it)."""
    Service = service  # noqa: N806 (reads as the model)
    conditions = [Service.status == literal_column("'active'")]  # a constant the planner sees
    if shape.categories:
        conditions.append(Service.category == any_(bindparam("categories", type_=ARRAY(String))))
    if shape.needs:
        conditions.append(Service.needs.op("@>")(bindparam("needs", type_=ARRAY(String(32)))))
    if shape.age:
        age = bindparam("age", type_=Integer)
        conditions.append(or_(Service.minimum_age.is_(None), Service.minimum_age <= age))
        conditions.append(or_(Service.maximum_age.is_(None), Service.maximum_age >= age))
    if shape.sex:
        conditions.append(
            or_(
                Service.sexes.is_(None),
                Service.sexes == literal_column("'all'"),
                Service.sexes == bindparam("sex", type_=String),
            )
        )
    return conditions


# --- geometry helpers -----------------------------------------------------------------------------


def _km_per_degree_floor(lat: float, reach_deg: float) -> float:
    """A lower bound of ellipsoidal km per planar degree for paths within ``reach_deg`` of ``lat``.

    Geodesics between points at most ``reach_deg`` from the origin stay below latitude
    ``|lat| + reach_deg`` (+1° for a geodesic's poleward bulge), where a degree of longitude is
    at least 111.3195 km × cos(latitude) and a degree of latitude at least 110.574 km.
    """
    top = min(89.0, abs(lat) + reach_deg + 1.0)
    return min(_KM_PER_DEGREE_LAT_MIN, _KM_PER_DEGREE_LON_EQUATOR * math.cos(math.radians(top)))


def _origin_geom():
    return func.ST_SetSRID(
        func.ST_MakePoint(bindparam("lon", type_=Float), bindparam("lat", type_=Float)), literal_column("4326")
    )


_ZERO = literal_column("0", Integer)  # rendered as OFFSET 0, not as a parameter


def _number(value: float):
    """A float constant written into the SQL (constants as parameters lengthen the statement)."""
    return literal_column(repr(float(value)), Float)


# Short aliases in the candidate streams keep the statement under psycopg's 4 KB cache limit.
_s = aliased(Service, name="s")
_sl = aliased(ServiceAtLocation, name="sl")
_lc = aliased(Location, name="l")

def _eligible_service_ids(location_id, shape: _Shape):
    """The eligible services at one location, as a LATERAL subquery.

    ``OFFSET 0`` keeps it apart: the planner cannot flatten it into the outer query, so every
    plan, custom or generic (psycopg prepares repeated statements), walks the locations nearest
    first through the GiST index and looks their services up by index; it never starts from a
    filtered scan of all services, whose selectivity a generic plan cannot know.
    """
    return (
        select(_s.id.label("sid"))
        .join(_sl, _sl.service_id == _s.id)
        .where(_sl.location_id == location_id, *_eligibility(shape, _s))
        .offset(_ZERO)
        .lateral("svc")
    )


# The town walked by the public search (the displayed point of its confidential locations).
_town = aliased(Place, name="t")


def _candidates(viewer: Viewer, shape: _Shape, name: str, candidates: int):
    """One stream of (location, service) candidates, nearest first by the planar distance of
    an indexed point, with that distance (``deg``) and the stream's name (``branch``).

    * ``exact``: every location by its exact point (staff), or the non-confidential ones
      (public: for them the exact point is the displayed one);
    * ``town``: public only, confidential locations through their town, nearest town first
      (the town's point is the one displayed); used when confidential locations are many;
    * ``town_all``: the same rows when confidential locations are few: all of them are read
      (by the partial index) and sorted, cheaper than walking thousands of towns;
    * ``grid``: public only, confidential locations without a town (shown on a coarse grid;
      rare: all of them are read and sorted by their grid point).

    Every stream is limited to ``candidates`` rows, so the planner expects few rows and reads
    the chosen locations and services by primary key.
    """
    origin = _origin_geom()
    branch = literal_column(f"'{name}'", String).label("branch")
    if name == "town":
        loc = (
            select(_lc.id)
            .where(_lc.place_id == _town.id, _lc.confidential)
            .offset(_ZERO)
            .lateral("loc")
        )  # by the partial index ix_location_confidential_place_id
        svc = _eligible_service_ids(loc.c.id, shape)
        knn = _town.geom.op("<->", return_type=Float)(origin)
        stmt = (
            select(loc.c.id.label("lid"), svc.c.sid, knn.label("deg"), branch)
            .select_from(_town)
            .join(loc, true())
            .join(svc, true())
        )
        key_geom = _town.geom
    else:
        svc = _eligible_service_ids(_lc.id, shape)
        if name == "grid":  # the displayed point: the location snapped to the coarse grid
            key_geom = func.ST_SnapToGrid(_lc.geom, literal_column(repr(TOWN_FALLBACK_GRID_DEGREES), Float))
        else:
            key_geom = _town.geom if name == "town_all" else _lc.geom
        knn = key_geom.op("<->", return_type=Float)(origin)
        stmt = select(_lc.id.label("lid"), svc.c.sid, knn.label("deg"), branch).select_from(_lc).join(svc, true())
        if name == "town_all":
            stmt = stmt.join(_town, _town.id == _lc.place_id).where(_lc.confidential)
        elif name == "grid":  # rare; read by the partial index, sorted, limited like the others
            stmt = stmt.where(_lc.confidential, _lc.place_id.is_(None))
        elif not viewer.can_see_confidential:
            stmt = stmt.where(not_(_lc.confidential))
    if shape.radius and name != "grid":
        stmt = stmt.where(func.ST_DWithin(key_geom, origin, bindparam("radius_deg", type_=Float)))
    # A literal LIMIT: the plan (generic ones included) knows how few rows are wanted.
    return stmt.order_by(knn).limit(literal_column(str(int(candidates)), Integer))


# Largest ellipsoidal km per planar degree, in any direction at any latitude (a degree of
# latitude near the poles, 111.69 km; of longitude at the equator, 111.32 km).
_KM_PER_DEGREE_MAX = 111.7
# Origins lie within ~11.2° of the equator (Côte d'Ivoire + 50 km). Within 13° of them, paths
# stay below 30°, where a planar degree is at least 111.3195 × cos 30° km in any direction; so a
# place at planar distance d is at least that × d away, and cannot be nearer than a point at
# planar distance d0 if d > d0 × _RADIUS_FACTOR.
_RADIUS_FACTOR = _KM_PER_DEGREE_MAX / (_KM_PER_DEGREE_LON_EQUATOR * math.cos(math.radians(30.0)))
_RADIUS_MAX_DEG = 13.0 / _RADIUS_FACTOR


@functools.lru_cache(maxsize=512)
def statement(viewer: Viewer, shape: _Shape, candidates: int, many_confidential: bool = False):
    """The search's SQL for this viewer, filter shape and candidate count (built once per process).

    The candidate streams return (location, service) pairs only; the rows are then read once,
    with what the viewer may see (``visibility.displayed_geom``, ``is_masked``): every distance,
    direction and coordinate is computed to the displayed point.

    Public searches add the confidential locations, reached through their towns. Those only
    matter if nearer than the open ones found: when the open stream returned all its
    ``candidates``, the others are looked for within the planar radius that could still beat
    its last one (``_RADIUS_FACTOR`` times its degree distance), so a search never walks every
    town for a need no confidential place offers.
    """
    if viewer.can_see_confidential:
        cand = _candidates(viewer, shape, "exact", candidates).subquery("cand")
    else:
        exact = _candidates(viewer, shape, "exact", candidates).cte("exact")
        last = func.max(exact.c.deg)
        radius = (
            select(
                case(
                    (
                        and_(func.count() >= literal_column(str(int(candidates))), last < _number(_RADIUS_MAX_DEG)),
                        last * _number(_RADIUS_FACTOR),
                    ),
                    else_=literal_column("360.0", Float),
                )
            )
            .select_from(exact)
            .scalar_subquery()
        )
        town = _candidates(viewer, shape, "town" if many_confidential else "town_all", candidates)
        town = town.where(func.ST_DWithin(_town.geom, _origin_geom(), radius))
        grid = _candidates(viewer, shape, "grid", candidates)
        cand = union_all(select(exact), town, grid).subquery("cand")
    origin_geog = cast(_origin_geom(), GEOGRAPHY)
    # The row's town, read by primary key (LATERAL ... OFFSET 0: the planner cannot turn it
    # into a scan of every place), standing in for the ``town_place`` join that
    # ``visibility.displayed_geom`` expects; and the displayed point, computed once per row.
    town_row = (
        select(town_place.geom)
        .where(town_place.id == Location.place_id)
        .correlate(Location)
        .offset(_ZERO)
        .lateral("town_row")
    )
    adapt = ClauseAdapter(town_row).traverse
    shown_row = select(adapt(displayed_geom(viewer)).label("g")).correlate(Location, town_row).lateral("shown")
    shown = shown_row.c.g
    shown_geog = cast(shown, GEOGRAPHY)
    phones = (
        select(func.array_agg(Phone.number))
        .where(Phone.service_id == Service.id)
        .correlate(Service)
        .scalar_subquery()
    )
    return (
        select(
            Service.id,
            Service.name,
            Service.category,
            Service.needs,
            Service.minimum_age,
            Service.maximum_age,
            Service.sexes,
            Service.capacity_available,
            Service.capacity_available_updated,
            Service.assured_date,
            Service.verification,
            Service.email,
            phones.label("phones"),
            Location.id.label("location_id"),
            Location.town,
            Location.public_contact,
            adapt(is_masked(viewer)).label("masked"),
            func.ST_Y(shown).label("lat"),
            func.ST_X(shown).label("lon"),
            func.ST_Distance(shown_geog, origin_geog).label("metres"),
            func.ST_Azimuth(origin_geog, shown_geog).label("azimuth"),
            cand.c.deg,
            cand.c.branch,
        )
        .select_from(cand)
        .join(Location, Location.id == cand.c.lid)
        .join(Service, Service.id == cand.c.sid)
        .outerjoin(town_row, true())
        .join(shown_row, true())
    )


# Above this many confidential locations, the public search walks towns nearest first instead
# of reading every confidential location. Only speed depends on it, never the result.
MANY_CONFIDENTIAL = 1000
_CONFIDENTIAL_COUNT_TTL = 300.0  # seconds
_confidential_counts: dict[str, tuple[float, int]] = {}


def many_confidential(session: Session) -> bool:
    """Are there more than ``MANY_CONFIDENTIAL`` confidential locations? (cached 5 minutes)"""
    key = str(session.get_bind().engine.url)
    now = time.monotonic()
    cached = _confidential_counts.get(key)
    if cached is None or now - cached[0] > _CONFIDENTIAL_COUNT_TTL:
        count = session.execute(
            select(func.count()).select_from(
                select(Location.id).where(Location.confidential).limit(MANY_CONFIDENTIAL + 1).subquery()
            )
        ).scalar_one()
        cached = (now, count)
        _confidential_counts[key] = cached
    return cached[1] > MANY_CONFIDENTIAL


def candidate_count(limit: int) -> int:
    """Candidates per branch for a first round: a few more than ``limit`` (so the completeness
    bound usually holds at once), rounded up to a power of two (few distinct statements)."""
    wanted = max(MIN_CANDIDATES, limit + 3)
    return 1 << (wanted - 1).bit_length()


# --- the search -----------------------------------------------------------------------------------


@dataclass
class NearestResult:
    origin: Origin
    criteria: Criteria
    results: list[dict]
    message: str | None = None
    hint: dict | None = None

    def as_dict(self) -> dict:
        return {
            "origin": self.origin.as_dict(),
            "criteria": self.criteria.as_dict(),
            "estimates": {"detour_factor": DETOUR_FACTOR, "average_speed_kmh": AVERAGE_SPEED_KMH},
            "count": len(self.results),
            "results": self.results,
            "message": self.message,
            "hint": self.hint,
        }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _result(row, rank: int, words: _Words) -> dict:
    km = row.metres / 1000.0
    azimuth = None if row.azimuth is None else math.degrees(row.azimuth)
    road_km, minutes = road_estimate(km)
    unknown = [
        field
        for field, value in (
            ("minimum_age", row.minimum_age),
            ("maximum_age", row.maximum_age),
            ("sexes", row.sexes),
        )
        if value is None
    ]
    return {
        "rank": rank,
        "id": str(row.id),
        "name": row.name,
        "category": row.category,
        "category_label": words.category(row.category),
        "needs": list(row.needs or []),
        "distance_km": round(km, 1),
        "road_km_estimate": road_km,
        "travel_minutes_estimate": minutes,
        "direction": words.direction(km, azimuth),
        "compass": compass_code(km, azimuth),
        "town": row.town,
        "lat": round(row.lat, 5),
        "lon": round(row.lon, 5),
        "phones": sorted(row.phones or []),
        "public_contact": row.public_contact,
        "email": row.email,
        "assured_date": _iso(row.assured_date),
        "verification": row.verification,
        "masked": bool(row.masked),
        "full": row.capacity_available == 0,
        "capacity_available": row.capacity_available,
        "capacity_available_updated": _iso(row.capacity_available_updated),
        "minimum_age": row.minimum_age,
        "maximum_age": row.maximum_age,
        "sexes": row.sexes,
        "unknown": unknown,
    }


def _radius_deg(criteria: Criteria, lat: float) -> float | None:
    """``max_km`` as a planar radius in degrees that contains every point within ``max_km``."""
    if criteria.max_km is None:
        return None
    return criteria.max_km / _km_per_degree_floor(lat, criteria.max_km / 100.0)


def shape_of(criteria: Criteria) -> _Shape:
    return _Shape.of(criteria)


def first_round_parameters(criteria: Criteria, lat: float, lon: float) -> dict:
    """Every bound parameter of ``statement`` for a search (also used by the benchmark)."""
    params = {"lat": lat, "lon": lon, **_parameters(criteria)}
    radius = _radius_deg(criteria, lat)
    if radius is not None:
        params["radius_deg"] = radius
    return params


# For this transaction only (SET LOCAL): no JIT compilation, no parallel workers, and the
# generic plan of the prepared statement from the start (planning it again for each search
# costs more than running it). See _rank.
_LOOKUP_SETTINGS = select(
    func.set_config("jit", "off", True),
    func.set_config("max_parallel_workers_per_gather", "0", True),
    func.set_config("plan_cache_mode", "force_generic_plan", True),
)


def _rank(session: Session, origin: Origin, criteria: Criteria, viewer: Viewer) -> list:
    """The ``limit`` nearest eligible rows by ellipsoidal distance to the displayed point.

    Each branch returns its ``candidates`` nearest by planar degree distance ``deg``. A row a
    branch did not return lies at least ``deg`` of its last row away, hence at least
    ``floor × deg`` km: when that is not beyond the k-th distance found (or ``max_km``), the
    statement runs again with four times more candidates.
    """
    limit = criteria.limit
    shape = _Shape.of(criteria)
    params = first_round_parameters(criteria, origin.lat, origin.lon)
    candidates = candidate_count(limit)
    many = False if viewer.can_see_confidential else many_confidential(session)
    # The statement is a few index lookups (about a millisecond). On large tables, estimates for
    # the rare branches (confidential places without a town) are pessimistic: PostgreSQL would
    # JIT-compile the statement (~1 s) or start parallel workers for them. Neither, and no
    # re-planning, for this transaction (SET LOCAL: reset at its end). Its plans are written to
    # be right whatever the parameters (literal LIMITs, OFFSET 0 fences, LATERAL lookups).
    connection = session.connection()  # Core rows: no ORM machinery on the hot path
    connection.execute(_LOOKUP_SETTINGS)
    for _round in range(ROUNDS):
        rows = connection.execute(statement(viewer, shape, candidates, many), params).all()
        seen: dict[tuple, object] = {}
        for row in rows:  # a service may be reached through several branches or locations
            key = row.id
            if key not in seen or row.metres < seen[key].metres:
                seen[key] = row
        ranked = sorted(seen.values(), key=lambda r: (r.metres, r.name, str(r.id)))
        if criteria.max_km is not None:
            ranked = [r for r in ranked if r.metres <= criteria.max_km * 1000]
        needed_km = (
            ranked[limit - 1].metres / 1000
            if len(ranked) >= limit
            else (criteria.max_km if criteria.max_km is not None else math.inf)
        )
        complete = True
        by_branch: dict[str, list] = {}
        for row in rows:
            by_branch.setdefault(row.branch, []).append(row)
        for branch_rows in by_branch.values():
            if len(branch_rows) < candidates:
                continue  # this branch returned everything it had
            last_deg = max(r.deg for r in branch_rows)
            floor_km = _km_per_degree_floor(origin.lat, last_deg) * last_deg
            if floor_km < needed_km:
                complete = False
        if complete:
            break
        candidates *= 4
    return ranked[:limit]


def find_nearest(
    session: Session, origin: Origin, criteria: Criteria, viewer: Viewer = PUBLIC
) -> NearestResult:
    """Rank eligible services from ``origin``; masked for ``viewer`` as the Directory defines."""
    rows = _rank(session, origin, criteria, viewer)
    # Known to be full: after the others, each group still nearest first.
    ordered = [r for r in rows if r.capacity_available != 0] + [r for r in rows if r.capacity_available == 0]
    words = _Words()
    results = [_result(row, rank, words) for rank, row in enumerate(ordered, start=1)]
    message = hint = None
    if not results:
        message, hint = _empty_hint(session, origin, criteria, viewer)
    return NearestResult(origin=origin, criteria=criteria, results=results, message=message, hint=hint)


_WIDEN_STEPS = (10, 25, 50, 100, 200, 300, 500, 1000, 2000)


def _empty_hint(
    session: Session, origin: Origin, criteria: Criteria, viewer: Viewer
) -> tuple[str, dict | None]:
    """Why nothing was found, and how far the search must go to find something."""
    if criteria.max_km is not None:
        wider = Criteria(**{**criteria.__dict__, "max_km": None, "limit": 1})
        nearest = _rank(session, origin, wider, viewer)
        if nearest:
            km = nearest[0].metres / 1000
            suggested = next((step for step in _WIDEN_STEPS if step >= km), None)
            return (
                str(_l("No suitable service within %(max_km)s km.", max_km=format_km(criteria.max_km))),
                {
                    "max_km": suggested,
                    "nearest_km": round(km, 1),
                    "message": str(
                        _l(
                            "The nearest suitable service is %(km)s km away: widen the search.",
                            km=format_km(km),
                        )
                    ),
                },
            )
    return (
        str(_l("No service in the directory matches these criteria.")),
        {
            "max_km": None,
            "nearest_km": None,
            "message": str(_l("Ask for fewer needs, or another category, age or sex.")),
        },
    )


__all__ = [
    "AVERAGE_SPEED_KMH",
    "Criteria",
    "DETOUR_FACTOR",
    "NearestResult",
    "Origin",
    "UnknownOrigin",
    "compass_point",
    "direction_words",
    "find_nearest",
    "resolve_origin",
    "road_estimate",
    "within_reach",
]
