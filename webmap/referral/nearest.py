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
3. **Candidates** from the ``service_point`` table (one row per service at a location, with
   every eligibility column, kept by database triggers): nearest first by its GiST index (KNN
   ``<->`` with ``LIMIT``), then the exact distance on the WGS 84 ellipsoid (``geography``).
   The planar degree distance of KNN is not the ellipsoidal one, so the candidate set is proven
   complete with a conservative bound (``_km_per_degree_floor``) and fetched again, larger,
   when the bound does not prove it.
4. **Confidentiality**: for the public every distance, direction and rank is computed to the
   *displayed* point (``visibility.search_point``: ``service_point.public_geom``, a confidential
   place's town), never to the exact one, so probing with many origins cannot recover an exact
   location. Staff walk the index of exact points.
5. **Ranking**: the ``limit`` nearest eligible services; among them, those known to be full
   (``capacity_available = 0``) are listed after the others and marked ``full``.
6. **Estimates**: road distance = straight distance × ``DETOUR_FACTOR``; travel time at
   ``AVERAGE_SPEED_KMH``; both are rough and documented with their sources in docs/reference.md.

Only Core rows are read (no ORM objects): the endpoint must stay fast (see
scripts/bench_nearest.py).
"""

from __future__ import annotations

import collections
import datetime as dt
import functools
import math
from dataclasses import dataclass, field

import psycopg
from flask_babel import lazy_gettext as _l
from geoalchemy2 import Geography
from sqlalchemy import (
    Connection,
    Float,
    Integer,
    String,
    Time,
    and_,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by, array
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect
from sqlalchemy.orm import Session

from .. import dataversion
from ..directory import hours as opening_hours
from ..directory.schedules import availability, opening
from ..directory.visibility import PUBLIC, Viewer, search_point
from ..models import Language, Location, Phone, Schedule, Service, ServicePoint
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
MIN_KM = 0.1
MAX_KM = 2000.0
MAX_AGE = 120
ADULT_AGE = 18  # of age in Côte d'Ivoire: a structure whose oldest is below serves minors only

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
    open_now: bool = False  # only services open at ``moment``
    # Stored language names a result must speak (one language and, for a group, its members).
    languages: tuple[str, ...] = ()
    language: str | None = None  # the language asked for, by French name
    # The moment of "open now" and of every result's status (the app's clock; None: now).
    moment: dt.datetime | None = None

    def at(self) -> dt.datetime:
        return self.moment or dt.datetime.now(dt.UTC)

    def as_dict(self) -> dict:
        return {
            "category": list(self.categories),
            "need": list(self.needs),
            "age": self.age,
            "sex": self.sex,
            "limit": self.limit,
            "max_km": self.max_km,
            "open_now": self.open_now,
            "language": self.language,
            "at": opening_hours.local(self.at()).isoformat(timespec="seconds"),
        }


@dataclass(frozen=True)
class _Shape:
    """Which filters a search uses: one SQL statement per shape, built once and reused."""

    categories: bool
    needs: bool
    age: bool
    sex: bool
    radius: bool
    open_now: bool = False
    languages: bool = False

    @classmethod
    def of(cls, criteria: Criteria) -> _Shape:
        return cls(
            categories=bool(criteria.categories),
            needs=bool(criteria.needs),
            age=criteria.age is not None,
            sex=criteria.sex is not None,
            radius=criteria.max_km is not None,
            open_now=criteria.open_now,
            languages=bool(criteria.languages),
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
    if criteria.open_now:
        params.update(opening_hours.clock_parameters(criteria.at()))
    if criteria.languages:
        params["languages"] = list(criteria.languages)
    return params


def _open_now():
    """EXISTS a schedule row of the service open at the bound day and time (directory/hours.py):
    a range of today that has begun and not ended (or ends tomorrow), or yesterday's range that
    runs past midnight and has not ended."""
    day, previous = bindparam("open_day", type_=String), bindparam("open_previous_day", type_=String)
    moment = bindparam("open_time", type_=Time)
    days = func.string_to_array(Schedule.byday, literal_column("','"))
    overnight = Schedule.closes_at <= Schedule.opens_at
    return (
        select(literal_column("1"))
        .where(
            Schedule.service_id == ServicePoint.service_id,
            or_(
                and_(day == any_(days), Schedule.opens_at <= moment,
                     or_(moment < Schedule.closes_at, overnight)),
                and_(previous == any_(days), overnight, moment < Schedule.closes_at),
            ),
        )
        .exists()
    )


def _speaks():
    return (
        select(literal_column("1"))
        .where(Language.service_id == ServicePoint.service_id,
               Language.name == any_(bindparam("languages", type_=ARRAY(String))))
        .exists()
    )


def _eligibility(shape: _Shape) -> list:
    """SQL conditions on ``service_point`` (which holds the service's eligibility columns)."""
    # A constant, not a parameter: it matches the partial indexes' predicate (status = 'active').
    conditions = [ServicePoint.status == literal_column("'active'")]
    if shape.categories:
        conditions.append(ServicePoint.category == any_(bindparam("categories", type_=ARRAY(String))))
    if shape.needs:
        conditions.append(ServicePoint.needs.op("@>")(bindparam("needs", type_=ARRAY(String(32)))))
    if shape.age:
        age = bindparam("age", type_=Integer)
        conditions.append(or_(ServicePoint.minimum_age.is_(None), ServicePoint.minimum_age <= age))
        conditions.append(or_(ServicePoint.maximum_age.is_(None), ServicePoint.maximum_age >= age))
    if shape.sex:
        conditions.append(
            or_(
                ServicePoint.sexes.is_(None),
                ServicePoint.sexes == literal_column("'all'"),
                ServicePoint.sexes == bindparam("sex", type_=String),
            )
        )
    if shape.open_now:
        conditions.append(_open_now())
    if shape.languages:
        conditions.append(_speaks())
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


def statement(viewer: Viewer, shape: _Shape, candidates: int):
    """The search's SQL for this viewer, filter shape and candidate count (built and compiled
    once per process, by ``compiled``).

    The candidates are the ``candidates`` eligible rows of ``service_point`` nearest to the
    origin by the planar distance (``deg``) of the point this viewer is shown: one walk of one
    partial GiST index (active services only), every filter read on the row it walks. A literal
    LIMIT tells the plan (the generic plan of the prepared statement too) how few rows are
    wanted. Only those rows are then joined to their service and location, by primary key, and
    measured on the ellipsoid.
    """
    point, masked = search_point(viewer)
    origin = _origin_geom()
    knn = point.op("<->", return_type=Float)(origin)
    cand = select(
        ServicePoint.service_id,
        ServicePoint.location_id,
        masked.label("masked"),
        point.label("g"),
        knn.label("deg"),
    ).where(*_eligibility(shape))
    if shape.radius:
        cand = cand.where(func.ST_DWithin(point, origin, bindparam("radius_deg", type_=Float)))
    cand = cand.order_by(knn).limit(literal_column(str(int(candidates)), Integer)).cte("cand")
    origin_geog = cast(origin, GEOGRAPHY)
    shown_geog = cast(cand.c.g, GEOGRAPHY)
    phones = (
        select(func.array_agg(Phone.number))
        .where(Phone.service_id == Service.id)
        .correlate(Service)
        .scalar_subquery()
    )
    # Opening ranges as [byday, opens_at, closes_at] text triples; languages in the editor's order.
    schedules = (
        select(func.array_agg(array([Schedule.byday, cast(Schedule.opens_at, String),
                                     cast(Schedule.closes_at, String)])))
        .where(Schedule.service_id == Service.id)
        .correlate(Service)
        .scalar_subquery()
    )
    languages = (
        select(func.array_agg(aggregate_order_by(Language.name, Language.position)))
        .where(Language.service_id == Service.id)
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
            schedules.label("schedules"),
            languages.label("languages"),
            Location.id.label("location_id"),
            Location.town,
            Location.public_contact,
            cand.c.masked,
            func.ST_Y(cand.c.g).label("lat"),
            func.ST_X(cand.c.g).label("lon"),
            func.ST_Distance(shown_geog, origin_geog).label("metres"),
            func.ST_Azimuth(origin_geog, shown_geog).label("azimuth"),
            cand.c.deg,
            *dataversion.columns(),  # read with the rows: the answer's cached parts need no statement
        )
        .select_from(cand)
        .join(Service, Service.id == cand.c.service_id)
        .join(Location, Location.id == cand.c.location_id)
    )


_DIALECT = psycopg_dialect.dialect()


@functools.lru_cache(maxsize=512)
def compiled(viewer: Viewer, shape: _Shape, candidates: int) -> tuple[str, dict, type]:
    """``statement`` as psycopg runs it: SQL text (``%(name)s`` parameters), the constant
    parameters' values, and a named-tuple type for its rows (columns in SELECT order).

    The search hands this text to the driver itself: SQLAlchemy's execution and result layers
    cost more Python time than the statement costs PostgreSQL (see scripts/bench_nearest.py,
    which runs the same text).
    """
    stmt = statement(viewer, shape, candidates)
    sql = stmt.compile(dialect=_DIALECT)
    row = collections.namedtuple("NearestRow", [column.key for column in stmt.selected_columns])
    return sql.string, dict(sql.params), row


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
    # "If nobody answers": the directory's fallback contacts (``fallback.fallback_contacts``).
    fallback: list[dict] = field(default_factory=list)
    # The data version the search read its rows at (``webmap.dataversion``); None without rows.
    data_version: dataversion.Version | None = None

    def as_dict(self) -> dict:
        return {
            "origin": self.origin.as_dict(),
            "criteria": self.criteria.as_dict(),
            "estimates": {"detour_factor": DETOUR_FACTOR, "average_speed_kmh": AVERAGE_SPEED_KMH},
            "count": len(self.results),
            "results": self.results,
            "message": self.message,
            "hint": self.hint,
            "fallback": self.fallback,
        }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _openings(row) -> list[opening_hours.Opening]:
    return [
        opening(byday, dt.time.fromisoformat(opens), dt.time.fromisoformat(closes))
        for byday, opens, closes in (row.schedules or [])
    ]


def _result(row, rank: int, words: _Words, moment: dt.datetime) -> dict:
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
        **availability(_openings(row), list(row.languages or []), moment),
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


def _driver(db: Session | Connection | psycopg.Connection) -> psycopg.Connection:
    """The psycopg connection under ``db`` (in its transaction, if any): the search hands its
    SQL to the driver itself (see ``compiled``)."""
    if isinstance(db, Session):
        db = db.connection()
    if isinstance(db, Connection):
        return db.connection.driver_connection
    return db


def _rank(db, origin: Origin, criteria: Criteria, viewer: Viewer) -> tuple[list, dataversion.Version | None]:
    """The ``limit`` nearest eligible rows by ellipsoidal distance to the displayed point.

    The statement returns the ``candidates`` nearest rows by planar degree distance ``deg``. A
    row it did not return lies at least ``deg`` of its last row away, hence at least
    ``floor × deg`` km: when that is not beyond the k-th distance found (or ``max_km``), the
    statement runs again with four times more candidates. (A service at several locations
    counts once, at its nearest.)

    In the app, ``db`` is a connection of ``Database.lookup``: set for short indexed lookups
    (generic plans, index walks, no JIT, no parallel workers), without a transaction.
    """
    limit = criteria.limit
    shape = _Shape.of(criteria)
    params = first_round_parameters(criteria, origin.lat, origin.lon)
    candidates = candidate_count(limit)
    driver = _driver(db)
    version = None
    for _round in range(ROUNDS):
        sql, constants, row_type = compiled(viewer, shape, candidates)
        rows = [row_type._make(values) for values in driver.execute(sql, {**constants, **params}).fetchall()]
        if rows and version is None:  # the first statement's: read before anything that follows
            version = dataversion.version_of(driver, rows[0].data_version, rows[0].data_write)
        seen: dict[object, object] = {}
        for row in rows:  # a service may be reached through several locations
            if row.id not in seen or row.metres < seen[row.id].metres:
                seen[row.id] = row
        ranked = sorted(seen.values(), key=lambda r: (r.metres, r.name, str(r.id)))
        if criteria.max_km is not None:
            ranked = [r for r in ranked if r.metres <= criteria.max_km * 1000]
        if len(rows) < candidates:
            break  # every eligible row was returned
        needed_km = (
            ranked[limit - 1].metres / 1000
            if len(ranked) >= limit
            else (criteria.max_km if criteria.max_km is not None else math.inf)
        )
        last_deg = max(r.deg for r in rows)
        if _km_per_degree_floor(origin.lat, last_deg) * last_deg >= needed_km:
            break  # no row beyond the last one read can be nearer than the k-th found
        candidates *= 4
    return ranked[:limit], version


def find_nearest(
    db: Session | Connection | psycopg.Connection, origin: Origin, criteria: Criteria, viewer: Viewer = PUBLIC
) -> NearestResult:
    """Rank eligible services from ``origin``; masked for ``viewer`` as the Directory defines.

    ``db``: a psycopg connection (the app passes one of ``Database.lookup``), or a
    SQLAlchemy session or connection, whose transaction the search then reads in.
    """
    rows, version = _rank(db, origin, criteria, viewer)
    # Known to be full: after the others, each group still nearest first.
    ordered = [r for r in rows if r.capacity_available != 0] + [r for r in rows if r.capacity_available == 0]
    words = _Words()
    moment = criteria.at()
    results = [_result(row, rank, words, moment) for rank, row in enumerate(ordered, start=1)]
    message = hint = None
    if not results:
        message, hint = _empty_hint(db, origin, criteria, viewer)
    return NearestResult(origin=origin, criteria=criteria, results=results, message=message, hint=hint,
                         data_version=version)


_WIDEN_STEPS = (10, 25, 50, 100, 200, 300, 500, 1000, 2000)


def oldest_served(db, criteria: Criteria) -> int | None:
    """The highest ``maximum_age`` of the active services that meet every criterion but the age
    (and the radius), when every one of them records a maximum age; else ``None`` (some serve
    any age, as far as the directory knows)."""
    shape = _Shape.of(Criteria(**{**criteria.__dict__, "age": None, "max_km": None}))
    sql, constants = _oldest_served_sql(shape)
    params = {**constants, **_parameters(Criteria(**{**criteria.__dict__, "age": None}))}
    oldest, all_bounded = _driver(db).execute(sql, params).fetchone()
    return oldest if all_bounded else None


@functools.lru_cache(maxsize=64)
def _oldest_served_sql(shape: _Shape) -> tuple[str, dict]:
    """``oldest_served``'s statement for a filter shape, compiled once per process."""
    stmt = select(
        func.max(ServicePoint.maximum_age), func.bool_and(ServicePoint.maximum_age.is_not(None))
    ).where(*_eligibility(shape))
    sql = stmt.compile(dialect=_DIALECT)
    return sql.string, dict(sql.params)


def _empty_hint(db, origin: Origin, criteria: Criteria, viewer: Viewer) -> tuple[str, dict | None]:
    """Why nothing was found, and how far the search must go to find something."""
    if criteria.age is not None:
        oldest = oldest_served(db, criteria)
        if oldest is not None and criteria.age > oldest:
            # Widening the search would not help: every such structure is for younger children.
            message = (
                _l("These structures receive minors (up to %(age)s years old): for a young adult, "
                   "see the contacts under “If nobody answers”.", age=oldest)
                if oldest < ADULT_AGE
                else _l("These structures receive young people up to %(age)s years old: for someone older, "
                        "see the contacts under “If nobody answers”.", age=oldest)
            )
            return (
                str(message),
                {"max_km": None, "nearest_km": None, "oldest_served": oldest, "message": None},
            )
    if criteria.max_km is not None:
        wider = Criteria(**{**criteria.__dict__, "max_km": None, "limit": 1})
        nearest, _version = _rank(db, origin, wider, viewer)
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
    advice = _l("Ask for fewer needs, or another category, age or sex.")
    if criteria.open_now:  # most records have no hours: never let the filter hide them silently
        advice = _l("Only structures whose recorded hours say they are open now are listed, and many "
                    "have no hours recorded: search again without “Open now”, then call.")
    elif criteria.language:
        advice = _l("Only structures that record this language are listed, and many record none: "
                    "search again without the language, then ask by phone.")
    return (
        str(_l("No service in the directory matches these criteria.")),
        {"max_km": None, "nearest_km": None, "message": str(advice)},
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
