"""Coverage analysis of prevention campaigns over at-risk zones (Flask-free, PostGIS).

Definitions (stated on the /planning page and in docs/reference.md):

* **Period.** A campaign counts for a period when it ran at least one day in it
  (``start_date <= to`` and ``end_date >= from``).
* **At-risk area** of a unit (région or département): the union of every at-risk zone clipped to
  the unit, so overlapping zones are not counted twice. Areas are measured in the equal-area
  projection EPSG:6933 (WGS 84 / EASE-Grid 2.0).
* **Covered share**: the part of the at-risk area that lies inside at least one campaign of the
  period (union of the campaign areas), divided by the at-risk area.
* **People reached per 1,000 inhabitants**: each campaign's "people reached" is shared among the
  départements it covers in proportion to the 2014 population it covers there (département
  population × share of the département's area covered: a uniform density is assumed within a
  département), then divided by the 2014 census population (INS, RGPH 2014) × 1,000. Régions
  add up their départements.
* **Campaigns**: campaigns of the period overlapping the unit by at least 1 ha.
* **Distances**: from the at-risk area (or the zone) to the nearest *shelter-type* service —
  categories :data:`~.vocabulary.SHELTER_CATEGORIES` (CHPM, reception and transit centre) — and to
  the nearest social centre, active services only, on the **public** positions (a confidential
  shelter counts at its town, as the public sees it). 0 km: the service lies inside. ``None``:
  no such service in the directory.
* **Priority score** of a zone (0–100), see :func:`priority_score`.
* **Service desert**: the country farther than X km (default 50) from every active CHPM,
  reception/transit or social centre; its 2014 population is apportioned by area (see
  :func:`service_desert`).

Performance: campaign areas are projected by a trigger into ``campaign_area`` (EPSG:6933, GiST),
cut into ``campaign_part`` (ST_Subdivide; both hashed) and shared into ``campaign_unit``
(département shares); identical parts are counted once; a risk piece lying wholly inside one
campaign of the period skips the union.
``scripts/bench_coverage.py`` measures the table over 10,000 campaigns.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ..directory.visibility import PUBLIC, Viewer, displayed_geom, town_place
from ..errors import BadParameter
from ..models import Location, Service, ServiceAtLocation
from ..text import fold
from .vocabulary import DESERT_CATEGORIES, SHELTER_CATEGORIES, SOCIAL_CENTRE_CATEGORIES

LEVELS = {"region": "adm1", "departement": "adm2"}
DEFAULT_PERIOD_DAYS = 365
DEFAULT_DESERT_KM = 50.0
WEAK_COVERAGE = 0.5  # zones covered below this share are listed as priorities
REMOTENESS_CAP_KM = 150.0  # distances beyond this count as "as remote as it gets"
_PIECE_VERTICES = 32  # ST_Subdivide size of the at-risk pieces
_MIN_OVERLAP_M2 = 1e4  # 1 ha: below this an intersection is a shared boundary, not an overlap


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise BadParameter("from", "must not be after 'to'")

    @classmethod
    def default(cls, today: dt.date | None = None) -> Period:
        """The 12 months up to ``today`` (inclusive)."""
        end = today or dt.date.today()
        days = min(DEFAULT_PERIOD_DAYS - 1, end.toordinal() - dt.date.min.toordinal())  # from year 1 at least
        return cls(end - dt.timedelta(days=days), end)

    def as_dict(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


# --------------------------------------------------------------------------------- services


@dataclass(frozen=True)
class ServicePoint:
    category: str
    lon: float
    lat: float


def service_points(session: Session, categories: tuple[str, ...], viewer: Viewer = PUBLIC) -> list[ServicePoint]:
    """Active services of ``categories`` at the position ``viewer`` may see (town for the public)."""
    geom = displayed_geom(viewer)
    stmt = (
        select(Service.category, func.ST_X(geom).label("lon"), func.ST_Y(geom).label("lat"))
        .join(ServiceAtLocation, ServiceAtLocation.service_id == Service.id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .outerjoin(town_place, town_place.id == Location.place_id)
        .where(Service.category.in_(categories), Service.status == "active")
        .distinct()
    )
    return [ServicePoint(row.category, row.lon, row.lat) for row in session.execute(stmt)]


def _service_params(points: list[ServicePoint]) -> dict:
    return {
        "svc_lon": [p.lon for p in points],
        "svc_lat": [p.lat for p in points],
        "svc_shelter": [p.category in SHELTER_CATEGORIES for p in points],
        "svc_social": [p.category in SOCIAL_CENTRE_CATEGORIES for p in points],
    }


# ------------------------------------------------------------------------ shared SQL pieces

# Campaigns of the period, their distinct whole areas and parts (EPSG:6933, hashed by the trigger).
_PERIOD_CTES = """
period_campaign AS MATERIALIZED (
    SELECT id, people_reached, is_demo FROM campaign
    WHERE start_date <= :date_to AND end_date >= :date_from
),
period_area AS MATERIALIZED (
    SELECT ca.geom AS g FROM campaign_area ca
    WHERE ca.campaign_id IN (SELECT DISTINCT ON (ca2.h COLLATE "C") ca2.campaign_id
                             FROM campaign_area ca2 JOIN period_campaign pc ON pc.id = ca2.campaign_id)
),
period_part_all AS MATERIALIZED (
    SELECT cp.id AS part_id, cp.campaign_id AS id, pc.is_demo, cp.h
    FROM campaign_part cp JOIN period_campaign pc ON pc.id = cp.campaign_id
),
period_part AS MATERIALIZED (
    SELECT cp.h, cp.geom FROM campaign_part cp
    WHERE cp.id IN (SELECT DISTINCT ON (h COLLATE "C") part_id FROM period_part_all)
),
service_point AS MATERIALIZED (
    SELECT ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326)::geography AS geog, s.shelter, s.social
    FROM unnest(CAST(:svc_lon AS float8[]), CAST(:svc_lat AS float8[]),
                CAST(:svc_shelter AS boolean[]), CAST(:svc_social AS boolean[])) AS s(lon, lat, shelter, social)
)
"""

# Given ``target(key, g)`` (g in EPSG:6933), the area and covered area of each key.
_COVER_CTES = f"""
target_piece AS MATERIALIZED (
    SELECT key, ST_Subdivide(g, {_PIECE_VERTICES}) AS p FROM target WHERE NOT ST_IsEmpty(g)
),
piece_cover AS (
    SELECT tp.key, ST_Area(tp.p) AS area_m2,
           CASE WHEN EXISTS (SELECT 1 FROM period_area a WHERE a.g ~ tp.p AND ST_Covers(a.g, tp.p))
                THEN ST_Area(tp.p)
                ELSE COALESCE((
                    SELECT ST_Area(ST_Union(ST_CollectionExtract(ST_Intersection(pp.geom, tp.p), 3)))
                    FROM period_part pp WHERE pp.geom && tp.p AND ST_Intersects(pp.geom, tp.p)
                ), 0)
           END AS covered_m2
    FROM target_piece tp
),
cover AS (
    SELECT key, sum(area_m2) AS area_m2, LEAST(sum(covered_m2), sum(area_m2)) AS covered_m2
    FROM piece_cover GROUP BY key
),
distance AS MATERIALIZED (
    SELECT t.key,
           (SELECT min(ST_Distance(t.g4326::geography, s.geog)) FROM service_point s WHERE s.shelter) AS shelter_m,
           (SELECT min(ST_Distance(t.g4326::geography, s.geog)) FROM service_point s WHERE s.social) AS social_m
    FROM (SELECT key, ST_Transform(ST_SimplifyPreserveTopology(g, 100), 4326) AS g4326
          FROM target WHERE NOT ST_IsEmpty(g)) t
)
"""


def _prepare(session: Session) -> None:
    """These queries are spatial and short: PostgreSQL's JIT would spend ~1 s compiling them
    (PostGIS functions carry high planner costs) to save nothing. Off for this transaction."""
    session.execute(text("SET LOCAL jit = off"))


def _km(metres: float | None, digits: int = 1) -> float | None:
    return None if metres is None else round(metres / 1000.0, digits)


# --------------------------------------------------------------------------- coverage table


@dataclass
class CoverageRow:
    pcode: str
    name: str
    parent: str | None
    population_2014: int | None
    risk_zones: int
    risk_area_km2: float
    covered_km2: float
    covered_share: float | None  # None: no at-risk area in the unit
    campaigns: int
    demo_campaigns: int
    people_reached: int
    reached_per_1000: float | None
    shelter_km: float | None
    social_centre_km: float | None
    demo: str | None = None  # "DÉMO" when demonstration campaigns count in this row

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class CoverageTable:
    level: str
    period: Period
    rows: list[CoverageRow]
    campaigns: int
    demo_campaigns: int
    shelters: int
    social_centres: int
    totals: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "level": self.level,
            "period": self.period.as_dict(),
            "campaigns": self.campaigns,
            "demo_campaigns": self.demo_campaigns,
            "services": {"shelter_type": self.shelters, "social_centres": self.social_centres},
            "totals": self.totals,
            "rows": [row.as_dict() for row in self.rows],
        }


_COVERAGE_SQL = f"""
WITH {_PERIOD_CTES},
dep AS MATERIALIZED (
    SELECT pcode, parent_pcode, population_2014 AS pop, geom, ST_Transform(geom, 6933) AS g
    FROM admin_area WHERE level = 'adm2'
),
dep_key AS MATERIALIZED (
    SELECT pcode, CASE WHEN :by_region THEN parent_pcode ELSE pcode END AS key FROM dep
),
zone_part AS MATERIALIZED (
    SELECT k.key, z.id AS zone_id,
           ST_CollectionExtract(ST_Intersection(ST_Transform(z.area, 6933), d.g), 3) AS g
    FROM dep d JOIN dep_key k ON k.pcode = d.pcode
    JOIN risk_zone z ON ST_Intersects(z.area, d.geom)
),
target AS MATERIALIZED (
    SELECT key, ST_Union(g) AS g FROM zone_part WHERE ST_Area(g) >= {_MIN_OVERLAP_M2} GROUP BY key
),
zone_count AS (
    SELECT key, count(DISTINCT zone_id) AS zones FROM zone_part
    WHERE ST_Area(g) >= {_MIN_OVERLAP_M2} GROUP BY key
),
{_COVER_CTES},
share AS (
    SELECT k.key, pc.id, pc.is_demo, pc.people_reached,
           d.pop * cu.unit_share AS w,
           sum(d.pop * cu.unit_share) OVER (PARTITION BY pc.id) AS w_total
    FROM period_campaign pc
    JOIN campaign_unit cu ON cu.campaign_id = pc.id
    JOIN dep d ON d.pcode = cu.adm2_pcode
    JOIN dep_key k ON k.pcode = d.pcode
),
reach AS (
    SELECT key, count(DISTINCT id) AS campaigns,
           count(DISTINCT id) FILTER (WHERE is_demo) AS demo_campaigns,
           sum(CASE WHEN w_total > 0 THEN people_reached * w / w_total ELSE 0 END) AS reached
    FROM share GROUP BY key
)
SELECT u.pcode, u.name, p.name AS parent, u.population_2014,
       COALESCE(zc.zones, 0) AS zones, c.area_m2, c.covered_m2,
       COALESCE(r.campaigns, 0) AS campaigns, COALESCE(r.demo_campaigns, 0) AS demo_campaigns,
       COALESCE(r.reached, 0) AS reached, dist.shelter_m, dist.social_m
FROM admin_area u
LEFT JOIN admin_area p ON p.level = :parent_level AND p.pcode = u.parent_pcode
LEFT JOIN zone_count zc ON zc.key = u.pcode
LEFT JOIN cover c ON c.key = u.pcode
LEFT JOIN reach r ON r.key = u.pcode
LEFT JOIN distance dist ON dist.key = u.pcode
WHERE u.level = :unit_level
"""

_PERIOD_COUNTS_SQL = """
SELECT count(*) AS campaigns, count(*) FILTER (WHERE is_demo) AS demo
FROM campaign WHERE start_date <= :date_to AND end_date >= :date_from
"""


def _check_level(level: str) -> str:
    if level not in LEVELS:
        raise BadParameter("level", f"expected one of {', '.join(LEVELS)}")
    return LEVELS[level]


def coverage_table(
    session: Session, level: str, period: Period, viewer: Viewer = PUBLIC, demo_label: str = "DÉMO"
) -> CoverageTable:
    """One row per région (33) or département (108) for ``period``; see the module docstring."""
    unit_level = _check_level(level)
    _prepare(session)
    points = service_points(session, SHELTER_CATEGORIES + SOCIAL_CENTRE_CATEGORIES, viewer)
    params = {
        "date_from": period.start,
        "date_to": period.end,
        "by_region": level == "region",
        "unit_level": unit_level,
        "parent_level": "district" if level == "region" else "adm1",
        **_service_params(points),
    }
    rows = []
    for r in session.execute(text(_COVERAGE_SQL), params):
        area = (r.area_m2 or 0.0) / 1e6
        covered = (r.covered_m2 or 0.0) / 1e6
        reached = int(round(r.reached or 0))
        rows.append(
            CoverageRow(
                pcode=r.pcode,
                name=r.name,
                parent=r.parent,
                population_2014=r.population_2014,
                risk_zones=r.zones,
                risk_area_km2=round(area, 1),
                covered_km2=round(covered, 1),
                covered_share=round(covered / area, 4) if area > 0 else None,
                campaigns=r.campaigns,
                demo_campaigns=r.demo_campaigns,
                people_reached=reached,
                reached_per_1000=round(reached * 1000 / r.population_2014, 2) if r.population_2014 else None,
                shelter_km=_km(r.shelter_m) if area > 0 else None,
                social_centre_km=_km(r.social_m) if area > 0 else None,
                demo=demo_label if r.demo_campaigns else None,
            )
        )
    rows.sort(key=lambda row: (fold(row.name), row.pcode))
    counts = session.execute(text(_PERIOD_COUNTS_SQL), params).one()
    table = CoverageTable(
        level=level,
        period=period,
        rows=rows,
        campaigns=counts.campaigns,
        demo_campaigns=counts.demo,
        shelters=sum(p.category in SHELTER_CATEGORIES for p in points),
        social_centres=sum(p.category in SOCIAL_CENTRE_CATEGORIES for p in points),
    )
    table.totals = _totals(rows)
    return table


def _totals(rows: list[CoverageRow]) -> dict:
    area = sum(r.risk_area_km2 for r in rows)
    covered = sum(r.covered_km2 for r in rows)
    population = sum(r.population_2014 or 0 for r in rows)
    reached = sum(r.people_reached for r in rows)
    return {
        "risk_area_km2": round(area, 1),
        "covered_km2": round(covered, 1),
        "covered_share": round(covered / area, 4) if area > 0 else None,
        "people_reached": reached,
        "reached_per_1000": round(reached * 1000 / population, 2) if population else None,
        "population_2014": population,
    }


# --------------------------------------------------------------------------- priority list


def priority_score(covered_share: float, level: int, shelter_km: float | None) -> float:
    """Priority of an at-risk zone, 0–100 (higher = target first).

    ``100 × (1 − covered share) × (level / 3) × (0.5 + 0.5 × remoteness)`` where remoteness is
    the distance to the nearest shelter-type service divided by 150 km, capped at 1 (and 1
    when the directory has no shelter-type service at all). An uncovered level-3 zone 150 km or
    more from any shelter scores 100; a fully covered zone scores 0.
    """
    gap = max(0.0, min(1.0, 1.0 - covered_share))
    remoteness = 1.0 if shelter_km is None else min(shelter_km, REMOTENESS_CAP_KM) / REMOTENESS_CAP_KM
    return round(100.0 * gap * (level / 3.0) * (0.5 + 0.5 * remoteness), 1)


@dataclass
class PriorityZone:
    rank: int
    id: str
    name: str
    kind: str
    level: int
    criterion: str
    source: str
    date: str
    area_km2: float
    covered_share: float
    campaigns: int
    demo_campaigns: int
    population_2014: int
    shelter_km: float | None
    social_centre_km: float | None
    score: float
    demo: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


_ZONES_SQL = f"""
WITH {_PERIOD_CTES},
target AS MATERIALIZED (
    SELECT z.id::text AS key, ST_CollectionExtract(ST_MakeValid(ST_Transform(z.area, 6933)), 3) AS g
    FROM risk_zone z
),
{_COVER_CTES},
dep AS MATERIALIZED (
    SELECT pcode, population_2014 AS pop, ST_Transform(geom, 6933) AS g FROM admin_area WHERE level = 'adm2'
),
zone_pop AS (
    SELECT t.key, sum(d.pop * ST_Area(ST_Intersection(t.g, d.g)) / NULLIF(ST_Area(d.g), 0)) AS pop
    FROM target t JOIN dep d ON ST_Intersects(t.g, d.g) GROUP BY t.key
),
admin_zone AS MATERIALIZED (
    -- zones that are exactly a département or a région: their overlaps are in campaign_unit
    SELECT z.id::text AS key, d.pcode AS adm2_pcode
    FROM risk_zone z JOIN admin_area d ON d.level = 'adm2'
     AND ((z.admin_level = 'adm2' AND d.pcode = z.admin_pcode)
          OR (z.admin_level = 'adm1' AND d.parent_pcode = z.admin_pcode))
    WHERE z.is_reference
),
part_hit AS MATERIALIZED (
    -- other zones: overlap of each distinct campaign part with the zone (identical parts once)
    SELECT tp.key, pp.h, sum(ST_Area(ST_Intersection(pp.geom, tp.p))) AS m2
    FROM target_piece tp JOIN period_part pp ON pp.geom && tp.p AND ST_Intersects(pp.geom, tp.p)
    WHERE tp.key NOT IN (SELECT key FROM admin_zone)
    GROUP BY tp.key, pp.h
),
campaign_hit AS (
    SELECT ph.key, pa.id, pa.is_demo, sum(ph.m2) AS m2
    FROM part_hit ph JOIN period_part_all pa ON pa.h = ph.h
    GROUP BY ph.key, pa.id, pa.is_demo
    UNION ALL
    SELECT az.key, pc.id, pc.is_demo, sum(cu.overlap_km2) * 1e6 AS m2
    FROM admin_zone az
    JOIN campaign_unit cu ON cu.adm2_pcode = az.adm2_pcode
    JOIN period_campaign pc ON pc.id = cu.campaign_id
    GROUP BY az.key, pc.id, pc.is_demo
),
zone_campaigns AS (
    SELECT key, count(*) AS campaigns, count(*) FILTER (WHERE is_demo) AS demo_campaigns
    FROM campaign_hit WHERE m2 >= {_MIN_OVERLAP_M2} GROUP BY key
)
SELECT z.id::text AS id, z.name, z.kind, z.level, z.criterion, z.source, z.date,
       c.area_m2, c.covered_m2, COALESCE(zc.campaigns, 0) AS campaigns,
       COALESCE(zc.demo_campaigns, 0) AS demo_campaigns, COALESCE(zp.pop, 0) AS pop,
       dist.shelter_m, dist.social_m
FROM risk_zone z
JOIN cover c ON c.key = z.id::text
LEFT JOIN zone_campaigns zc ON zc.key = z.id::text
LEFT JOIN zone_pop zp ON zp.key = z.id::text
LEFT JOIN distance dist ON dist.key = z.id::text
"""


def zone_coverage(
    session: Session, period: Period, viewer: Viewer = PUBLIC, demo_label: str = "DÉMO"
) -> list[PriorityZone]:
    """Every at-risk zone with its coverage, population, distances and score, best target first."""
    _prepare(session)
    points = service_points(session, SHELTER_CATEGORIES + SOCIAL_CENTRE_CATEGORIES, viewer)
    params = {"date_from": period.start, "date_to": period.end, **_service_params(points)}
    zones = []
    for r in session.execute(text(_ZONES_SQL), params):
        area = (r.area_m2 or 0.0) / 1e6
        share = (r.covered_m2 or 0.0) / 1e6 / area if area > 0 else 0.0
        shelter_km = _km(r.shelter_m)
        zones.append(
            PriorityZone(
                rank=0,
                id=r.id,
                name=r.name,
                kind=r.kind,
                level=r.level,
                criterion=r.criterion,
                source=r.source,
                date=r.date.isoformat(),
                area_km2=round(area, 1),
                covered_share=round(share, 4),
                campaigns=r.campaigns,
                demo_campaigns=r.demo_campaigns,
                population_2014=int(round(r.pop)),
                shelter_km=shelter_km,
                social_centre_km=_km(r.social_m),
                score=priority_score(share, r.level, shelter_km),
                demo=demo_label if r.demo_campaigns else None,
            )
        )
    zones.sort(key=lambda z: (-z.score, -z.population_2014, z.name))
    for rank, zone in enumerate(zones, start=1):
        zone.rank = rank
    return zones


def priority_list(
    session: Session,
    period: Period,
    viewer: Viewer = PUBLIC,
    threshold: float = WEAK_COVERAGE,
    limit: int | None = None,
    demo_label: str = "DÉMO",
) -> list[PriorityZone]:
    """At-risk zones covered below ``threshold`` (uncovered or weakly covered), ranked by score."""
    zones = [z for z in zone_coverage(session, period, viewer, demo_label) if z.covered_share < threshold]
    for rank, zone in enumerate(zones, start=1):
        zone.rank = rank
    return zones[:limit] if limit else zones


# --------------------------------------------------------------------------- service desert


@dataclass
class DesertArea:
    pcode: str
    name: str
    departement: str
    population_2014: int
    share: float  # of the sous-préfecture's area in the desert


@dataclass
class ServiceDesert:
    distance_km: float
    services: int
    area_km2: float
    country_km2: float
    population_2014: int
    country_population_2014: int
    geometry: dict | None  # GeoJSON (simplified for display), None when there is no desert
    sous_prefectures: list[DesertArea]

    def feature(self) -> dict:
        return {
            "type": "Feature",
            "id": "service-desert",
            "geometry": self.geometry,
            "properties": {
                "distance_km": self.distance_km,
                "services": self.services,
                "area_km2": self.area_km2,
                "country_km2": self.country_km2,
                "area_share": round(self.area_km2 / self.country_km2, 4) if self.country_km2 else None,
                "population_2014": self.population_2014,
                "country_population_2014": self.country_population_2014,
                "population_share": round(self.population_2014 / self.country_population_2014, 4)
                if self.country_population_2014
                else None,
                "sous_prefectures": [asdict(area) for area in self.sous_prefectures],
            },
        }


_DESERT_SQL = """
WITH svc AS (
    SELECT ST_Transform(
               ST_Buffer(ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326)::geography, :radius_m, 'quad_segs=16')::geometry,
               6933) AS g
    FROM unnest(CAST(:svc_lon AS float8[]), CAST(:svc_lat AS float8[])) AS s(lon, lat)
),
reach AS (SELECT ST_Union(g) AS g FROM svc),
country AS (SELECT ST_Transform(geom, 6933) AS g FROM admin_area WHERE level = 'adm0'),
desert AS MATERIALIZED (
    SELECT CASE WHEN r.g IS NULL THEN c.g ELSE ST_Difference(c.g, r.g) END AS g
    FROM country c LEFT JOIN reach r ON true
),
desert_piece AS MATERIALIZED (
    SELECT ST_Subdivide(g, 64) AS p FROM desert WHERE NOT ST_IsEmpty(g)
),
-- ADM3 has no census figure: each sous-préfecture gets its département's 2014 population in
-- proportion to its area (a uniform density within the département) ...
adm3 AS MATERIALIZED (
    SELECT a3.pcode, a3.name, a2.name AS departement, ST_Transform(a3.geom, 6933) AS g,
           a2.population_2014::float8 * ST_Area(ST_Transform(a3.geom, 6933))
               / NULLIF(sum(ST_Area(ST_Transform(a3.geom, 6933))) OVER (PARTITION BY a2.pcode), 0) AS pop
    FROM admin_area a3 JOIN admin_area a2 ON a2.level = 'adm2' AND a2.pcode = a3.parent_pcode
    WHERE a3.level = 'adm3'
),
-- ... then counts in the desert in proportion to the share of its area that lies there.
adm3_desert AS (
    SELECT a.pcode, a.name, a.departement, a.pop, ST_Area(a.g) AS area_m2,
           sum(ST_Area(ST_Intersection(a.g, dp.p))) AS desert_m2
    FROM adm3 a JOIN desert_piece dp ON a.g && dp.p AND ST_Intersects(a.g, dp.p)
    GROUP BY a.pcode, a.name, a.departement, a.pop, a.g
)
SELECT json_build_object(
    'desert_m2', (SELECT ST_Area(g) FROM desert),
    'country_m2', (SELECT ST_Area(g) FROM country),
    'country_pop', (SELECT population_2014 FROM admin_area WHERE level = 'adm0'),
    'desert_pop', (SELECT sum(pop * LEAST(desert_m2 / NULLIF(area_m2, 0), 1)) FROM adm3_desert),
    'geojson', (SELECT ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(g, :simplify_m), 4326), 4)::json
                FROM desert WHERE NOT ST_IsEmpty(g)),
    'areas', (SELECT json_agg(json_build_object(
                  'pcode', pcode, 'name', name, 'departement', departement,
                  'pop', pop * LEAST(desert_m2 / NULLIF(area_m2, 0), 1),
                  'share', LEAST(desert_m2 / NULLIF(area_m2, 0), 1)) ORDER BY pcode)
              FROM adm3_desert WHERE desert_m2 >= 1e4)
)
"""


def service_desert(
    session: Session,
    distance_km: float = DEFAULT_DESERT_KM,
    viewer: Viewer = PUBLIC,
    simplify_m: float = 500.0,
) -> ServiceDesert:
    """Where the country lies farther than ``distance_km`` from every CHPM, reception/transit or
    social centre, and the 2014 population living there.

    Method: discs of ``distance_km`` (geodesic) around every active service of those categories,
    at its public position; the desert is the country minus their union. Population: each
    sous-préfecture receives its département's 2014 population in proportion to its area, then
    counts in the desert in proportion to the share of its area lying there. (This amounts to a
    uniform density within each département; the census gives no finer figure offline.)
    """
    _prepare(session)
    points = service_points(session, DESERT_CATEGORIES, viewer)
    payload = session.execute(
        text(_DESERT_SQL),
        {
            "svc_lon": [p.lon for p in points],
            "svc_lat": [p.lat for p in points],
            "radius_m": distance_km * 1000.0,
            "simplify_m": simplify_m,
        },
    ).scalar_one()
    data = payload if isinstance(payload, dict) else json.loads(payload)
    areas = [
        DesertArea(a["pcode"], a["name"], a["departement"], int(round(a["pop"] or 0)), round(a["share"], 4))
        for a in (data.get("areas") or [])
    ]
    areas.sort(key=lambda a: (-a.population_2014, a.name))
    return ServiceDesert(
        distance_km=distance_km,
        services=len(points),
        area_km2=round((data.get("desert_m2") or 0.0) / 1e6, 1),
        country_km2=round((data.get("country_m2") or 0.0) / 1e6, 1),
        population_2014=int(round(data.get("desert_pop") or 0)),
        country_population_2014=data.get("country_pop") or 0,
        geometry=data.get("geojson"),
        sous_prefectures=areas,
    )
