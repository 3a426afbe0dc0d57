"""Reading campaigns and risk zones as GeoJSON, and writing campaigns (Flask-free).

``save_campaign`` is the one path for forms, imports and the CLI: it validates a
:class:`CampaignInput`, builds the coverage area in PostGIS from chosen admin areas and/or a
drawn or uploaded geometry, and flushes; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field

import shapely
import shapely.geometry
from flask_babel import format_decimal
from flask_babel import gettext as _
from geoalchemy2 import WKBElement
from shapely.errors import ShapelyError
from sqlalchemy import Select, and_, func, literal, select, text
from sqlalchemy.orm import Session

from ..directory.validation import ValidationFailed
from ..models import AdminArea, Campaign, Organization, RiskZone
from .analysis import Period
from .vocabulary import CHANNELS, DEMO_LABEL, RISK_KINDS, RISK_LEVELS, THEMES

DEFAULT_CAMPAIGN_LIMIT = 2000
MAX_CAMPAIGN_DAYS = 3650  # the API's ``days``
# Dates of the query strings (periods are computed from them: 0001-01-01 minus a year is no
# date at all); DATE_PATTERN is what /openapi.json declares for the same years.
MIN_DATE, MAX_DATE = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
DATE_PATTERN = r"^(19[0-9]{2}|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}$"
# Display geometries are simplified (degrees, topology kept): about 200 m.
DISPLAY_SIMPLIFY = 0.002
ADMIN_LEVELS_FOR_AREAS = ("adm1", "adm2", "adm3")
# Drawn or uploaded areas must touch the country (within this distance, metres).
COUNTRY_TOLERANCE_M = 10_000
# Limits of a campaign or an at-risk zone (the table in docs/reference.md of limits). Longest texts in
# characters (the columns' sizes where they have one); the largest number of people reached,
# about three times the country's population and far below the column's 2**31 - 1.
MAX_LENGTHS = {
    "name": 250, "organization": 250, "target_group": 120, "source": 2_000, "criterion": 5_000, "notes": 5_000,
}
MAX_PEOPLE_REACHED = 100_000_000
# A drawn or uploaded area is simplified to about 50 m (degrees, topology kept), then may hold at
# most MAX_AREA_VERTICES: a detailed boundary fits; a jagged one is refused instead of slowing
# the planning page for everyone. Simplifying costs more than linear time on a jagged line
# (25 s for 200,000 vertices, scripts/bench_area_budget.py), so an area of more than
# MAX_AREA_VERTICES_READ is refused before: a file of a million vertices in a moment, not minutes.
AREA_SIMPLIFY = 0.00045
MAX_AREA_VERTICES = 20_000
MAX_AREA_VERTICES_READ = 100_000


# ------------------------------------------------------------------------------- reading


def _recency(end: dt.date, period: Period | None) -> float:
    """1 for a campaign that ran until the end of the period, down to 0.25 for the oldest."""
    if period is None:
        return 1.0
    span = max((period.end - period.start).days, 1)
    age = max((period.end - min(end, period.end)).days, 0)
    return round(max(0.25, 1.0 - 0.75 * age / span), 3)


def campaigns_select(period: Period | None, themes=(), channels=(), include_demo: bool = True) -> Select:
    stmt = select(Campaign)
    if period is not None:
        stmt = stmt.where(and_(Campaign.start_date <= period.end, Campaign.end_date >= period.start))
    if themes:
        stmt = stmt.where(Campaign.theme.in_(themes))
    if channels:
        stmt = stmt.where(Campaign.channel.in_(channels))
    if not include_demo:
        stmt = stmt.where(Campaign.is_demo.is_(False))
    return stmt


def campaign_features(
    session: Session,
    period: Period | None = None,
    themes: tuple[str, ...] = (),
    channels: tuple[str, ...] = (),
    include_demo: bool = True,
    limit: int = DEFAULT_CAMPAIGN_LIMIT,
    simplify: float | None = DISPLAY_SIMPLIFY,
) -> tuple[list[dict], bool]:
    """Campaign features, most recent first; returns (features, truncated)."""
    geom = func.ST_Multi(func.ST_SimplifyPreserveTopology(Campaign.area, simplify)) if simplify else Campaign.area
    base = campaigns_select(period, themes, channels, include_demo)
    stmt = (
        base.add_columns(func.ST_AsGeoJSON(geom, 5).label("geojson"))
        .order_by(Campaign.end_date.desc(), Campaign.name, Campaign.id)
        .limit(limit + 1)
    )
    rows = session.execute(stmt).all()
    truncated = len(rows) > limit
    features = [campaign_feature(row.Campaign, json.loads(row.geojson), period) for row in rows[:limit]]
    return features, truncated


def campaign_feature(campaign: Campaign, geometry: dict | None, period: Period | None = None) -> dict:
    return {
        "type": "Feature",
        "id": str(campaign.id),
        "geometry": geometry,
        "properties": {
            "id": str(campaign.id),
            "name": campaign.name,
            "organization": campaign.organization,
            "theme": campaign.theme,
            "channel": campaign.channel,
            "start_date": campaign.start_date.isoformat(),
            "end_date": campaign.end_date.isoformat(),
            "people_reached": campaign.people_reached,
            "target_groups": list(campaign.target_groups or []),
            "area_pcodes": list(campaign.area_pcodes or []),
            "source": campaign.source,
            "is_demo": campaign.is_demo,
            "demo_label": DEMO_LABEL if campaign.is_demo else None,
            "recency": _recency(campaign.end_date, period),
        },
    }


def risk_zone_features(
    session: Session, kinds: tuple[str, ...] = (), simplify: float | None = DISPLAY_SIMPLIFY
) -> list[dict]:
    geom = func.ST_Multi(func.ST_SimplifyPreserveTopology(RiskZone.area, simplify)) if simplify else RiskZone.area
    stmt = select(RiskZone, func.ST_AsGeoJSON(geom, 5).label("geojson"))
    if kinds:
        stmt = stmt.where(RiskZone.kind.in_(kinds))
    stmt = stmt.order_by(RiskZone.level.desc(), RiskZone.name, RiskZone.id)
    return [risk_zone_feature(row.RiskZone, json.loads(row.geojson)) for row in session.execute(stmt)]


def risk_zone_feature(zone: RiskZone, geometry: dict | None) -> dict:
    return {
        "type": "Feature",
        "id": str(zone.id),
        "geometry": geometry,
        "properties": {
            "id": str(zone.id),
            "key": zone.key,
            "name": zone.name,
            "kind": zone.kind,
            "level": zone.level,
            "admin_level": zone.admin_level,
            "admin_pcode": zone.admin_pcode,
            "criterion": zone.criterion,
            "source": zone.source,
            "date": zone.date.isoformat(),
            "notes": zone.notes,
            "is_reference": zone.is_reference,
        },
    }


def has_demo_campaigns(session: Session) -> bool:
    return bool(session.scalar(select(literal(True)).where(Campaign.is_demo.is_(True)).limit(1)))


# ------------------------------------------------------------------------------- writing


@dataclass
class CampaignInput:
    """Everything a person says about one campaign (already parsed from a form, file or CLI)."""

    name: str
    organization: str
    theme: str
    channel: str
    start_date: dt.date | None
    end_date: dt.date | None
    source: str
    people_reached: int | None = None
    target_groups: list[str] = field(default_factory=list)
    area_pcodes: list[str] = field(default_factory=list)  # admin areas (any of adm1/adm2/adm3)
    geometry: dict | None = None  # drawn or uploaded GeoJSON Polygon/MultiPolygon (WGS 84)
    organization_id: uuid.UUID | None = None
    notes: str | None = None


_AREA_SQL = text(
    """
    WITH parts AS (
        SELECT geom FROM admin_area
        WHERE level IN ('adm1', 'adm2', 'adm3') AND pcode = ANY (CAST(:pcodes AS text[]))
        UNION ALL
        SELECT ST_SetSRID(ST_GeomFromGeoJSON(:geojson), 4326) WHERE :geojson IS NOT NULL
    )
    SELECT ST_AsEWKB(ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(geom)), 3))) AS area,
           bool_and(ST_DWithin(geom::geography,
                               (SELECT geom FROM admin_area WHERE level = 'adm0')::geography, :tolerance_m))
               AS near_country
    FROM parts
    """
)


def _count_vertices(geometry: dict) -> int:
    """The vertices of a GeoJSON Polygon or MultiPolygon, counted without building it."""
    coordinates = geometry["coordinates"]
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    return sum(len(ring) for polygon in polygons for ring in polygon)


def check_vertices_read(count: int) -> None:
    """``ValueError`` (a message for the person) when an area is too large to be simplified."""
    if count > MAX_AREA_VERTICES_READ:
        raise ValueError(_(
            "The area has %(count)s vertices; at most %(max)s can be read. Simplify it (in QGIS, "
            "for example) or choose admin areas on the map.",
            count=format_decimal(count), max=format_decimal(MAX_AREA_VERTICES_READ),
        ))


def _check_geometry(geometry) -> str | None:
    """The drawn or uploaded area as GeoJSON, simplified to ``AREA_SIMPLIFY`` (topology kept)
    and within the vertex budget; ``ValueError`` with a message for the person otherwise."""
    if geometry is None:
        return None
    if isinstance(geometry, str):
        try:
            geometry = json.loads(geometry)
        except (ValueError, RecursionError):
            raise ValueError(_("The area is not valid GeoJSON.")) from None
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValueError(_("The area must be a polygon or a multipolygon."))
    unreadable = (ValueError, TypeError, IndexError, KeyError, AttributeError, RecursionError, ShapelyError)
    try:
        vertices = _count_vertices(geometry)
    except unreadable:
        raise ValueError(_("The area could not be read as a geometry.")) from None
    check_vertices_read(vertices)
    try:
        area = shapely.simplify(shapely.geometry.shape(geometry), AREA_SIMPLIFY, preserve_topology=True)
    except unreadable:
        raise ValueError(_("The area could not be read as a geometry.")) from None
    vertices = shapely.get_num_coordinates(area)
    if vertices > MAX_AREA_VERTICES:
        raise ValueError(_(
            "The area has %(count)s vertices even simplified to about 50 m; at most %(max)s are "
            "accepted. Simplify it (in QGIS, for example) or choose admin areas on the map.",
            count=format_decimal(vertices), max=format_decimal(MAX_AREA_VERTICES),
        ))
    return shapely.to_geojson(area)


def build_area(session: Session, area_pcodes, geometry, errors: dict) -> tuple[list[str], bytes | None]:
    """The union of the chosen admin areas and the drawn/uploaded geometry, as EWKB.

    Problems go into ``errors`` (fields ``area_pcodes`` and ``area``); the area is built only
    when there are none so far.
    """
    pcodes = sorted({p.strip() for p in area_pcodes if p and p.strip()})
    known = set(
        session.scalars(
            select(AdminArea.pcode).where(AdminArea.level.in_(ADMIN_LEVELS_FOR_AREAS), AdminArea.pcode.in_(pcodes))
        )
    ) if pcodes else set()
    if set(pcodes) - known:
        errors["area_pcodes"] = _("Unknown area(s): %(codes)s.", codes=", ".join(sorted(set(pcodes) - known)))
    try:
        geojson = _check_geometry(geometry)
    except ValueError as exc:
        errors["area"] = str(exc)
        geojson = None
    if not pcodes and geometry is None and "area" not in errors:
        errors["area"] = _("Choose admin areas on the map or draw or upload an area.")
    if errors:
        return pcodes, None
    try:
        with session.begin_nested():
            row = session.execute(
                _AREA_SQL, {"pcodes": pcodes, "geojson": geojson, "tolerance_m": COUNTRY_TOLERANCE_M}
            ).one()
    except Exception:  # invalid coordinates rejected by PostGIS
        errors["area"] = _("The area could not be read as a geometry.")
        return pcodes, None
    if row.area is None:
        errors["area"] = _("The area is empty.")
    elif not row.near_country:
        errors["area"] = _("The area lies outside Côte d'Ivoire.")
    return pcodes, (bytes(row.area) if row.area is not None else None)


def _check_lengths(errors: dict, values: dict) -> None:
    """A message for each text longer than ``MAX_LENGTHS`` allows (target groups: each one)."""
    for name, value in values.items():
        key, texts = ("target_group", value) if name == "target_groups" else (name, [value])
        if any(len((text or "").strip()) > MAX_LENGTHS[key] for text in texts):
            errors.setdefault(name, _("At most %(n)d characters.", n=MAX_LENGTHS[key]))


def validate_campaign(session: Session, data: CampaignInput) -> dict:
    """Check every field; return clean values (with the area as EWKB) or raise ValidationFailed."""
    errors: dict[str, str] = {}
    clean: dict = {}
    for name in ("name", "organization"):
        value = (getattr(data, name) or "").strip()
        if not value:
            errors[name] = _("This field is required.")
        clean[name] = value
    _check_lengths(errors, {"name": data.name, "organization": data.organization, "source": data.source,
                            "notes": data.notes, "target_groups": data.target_groups})
    if data.theme not in THEMES:
        errors["theme"] = _("Unknown theme: %(value)s.", value=data.theme)
    if data.channel not in CHANNELS:
        errors["channel"] = _("Unknown channel: %(value)s.", value=data.channel)
    if data.start_date is None:
        errors["start_date"] = _("A start date is required.")
    if data.end_date is None:
        errors["end_date"] = _("An end date is required.")
    if data.start_date and data.end_date and data.start_date > data.end_date:
        errors["end_date"] = _("The end date is before the start date.")
    if data.people_reached is not None and data.people_reached < 0:
        errors["people_reached"] = _("Must be zero or more.")
    elif data.people_reached is not None and data.people_reached > MAX_PEOPLE_REACHED:
        errors["people_reached"] = _("At most %(max)s.", max=format_decimal(MAX_PEOPLE_REACHED))
    if not (data.source or "").strip():
        errors["source"] = _("Say where this information comes from.")
    if data.organization_id is not None and session.get(Organization, data.organization_id) is None:
        errors["organization"] = _("Unknown organization.")
    area_errors: dict[str, str] = {}
    clean["pcodes"], clean["area"] = build_area(session, data.area_pcodes, data.geometry, area_errors)
    errors.update(area_errors)
    if errors:
        raise ValidationFailed(errors)
    return clean


def save_campaign(session: Session, data: CampaignInput, campaign: Campaign | None = None) -> Campaign:
    """Create (``campaign`` None) or update a campaign; never a demo one. Flushes."""
    if campaign is not None and campaign.is_demo:
        raise ValidationFailed({"campaign": _("Demonstration campaigns are managed by `webmap demo`.")})
    clean = validate_campaign(session, data)
    values = {
        "name": clean["name"],
        "organization": clean["organization"],
        "organization_id": data.organization_id,
        "theme": data.theme,
        "channel": data.channel,
        "start_date": data.start_date,
        "end_date": data.end_date,
        "people_reached": data.people_reached,
        "target_groups": [g.strip() for g in data.target_groups if g and g.strip()],
        "area_pcodes": clean["pcodes"],
        "source": data.source.strip(),
        "notes": (data.notes or "").strip() or None,
    }
    area = WKBElement(bytes(clean["area"]), extended=True)
    if campaign is None:
        campaign = Campaign(is_demo=False, area=area, **values)
        session.add(campaign)
    else:
        for name, value in values.items():
            if getattr(campaign, name) != value:
                setattr(campaign, name, value)
        same = session.scalar(
            select(func.ST_AsEWKB(Campaign.area) == bytes(clean["area"])).where(Campaign.id == campaign.id)
        )
        if not same:
            campaign.area = area
    session.flush()
    return campaign


@dataclass
class RiskZoneInput:
    """An at-risk zone entered by an administrator: criterion and source are required."""

    name: str
    kind: str
    level: int | None
    criterion: str
    source: str
    date: dt.date | None
    notes: str | None = None
    area_pcodes: list[str] = field(default_factory=list)
    geometry: dict | None = None


def save_risk_zone(session: Session, data: RiskZoneInput, zone: RiskZone | None = None) -> RiskZone:
    """Create or update an at-risk zone entered by hand; reference zones come from data/geo only."""
    if zone is not None and zone.is_reference:
        raise ValidationFailed({"zone": _("Reference zones are managed by data/geo/risk_zones.toml.")})
    errors: dict[str, str] = {}
    name = (data.name or "").strip()
    if not name:
        errors["name"] = _("This field is required.")
    if data.kind not in RISK_KINDS:
        errors["kind"] = _("Unknown kind: %(value)s.", value=data.kind)
    if data.level not in RISK_LEVELS:
        errors["level"] = _("The level must be 1, 2 or 3.")
    if not (data.criterion or "").strip():
        errors["criterion"] = _("Say why this area is at risk.")
    _check_lengths(errors, {"name": data.name, "criterion": data.criterion, "source": data.source,
                            "notes": data.notes})
    if not (data.source or "").strip():
        errors["source"] = _("Say where this information comes from.")
    if data.date is None:
        errors["date"] = _("A date is required.")
    area_errors: dict[str, str] = {}
    pcodes, area = build_area(session, data.area_pcodes, data.geometry, area_errors)
    errors.update(area_errors)
    if errors:
        raise ValidationFailed(errors)
    values = {
        "name": name,
        "kind": data.kind,
        "level": data.level,
        "criterion": data.criterion.strip(),
        "source": data.source.strip(),
        "date": data.date,
        "notes": (data.notes or "").strip() or None,
        "admin_level": None,
        "admin_pcode": pcodes[0] if len(pcodes) == 1 else None,
    }
    geometry = WKBElement(area, extended=True)
    if zone is None:
        zone = RiskZone(is_reference=False, area=geometry, **values)
        session.add(zone)
    else:
        for key, value in values.items():
            if getattr(zone, key) != value:
                setattr(zone, key, value)
        same = session.scalar(select(func.ST_AsEWKB(RiskZone.area) == area).where(RiskZone.id == zone.id))
        if not same:
            zone.area = geometry
    session.flush()
    return zone
