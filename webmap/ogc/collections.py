"""The collections of the OGC API – Features and their items (Flask-free).

Each :class:`Collection` is a SQL selection of rows (an id, a GeoJSON geometry, what the
properties are built from), a spatial column for ``bbox``, an order, and the property filters
it accepts. Items are read one page at a time (``LIMIT``/``OFFSET``): memory is bounded by the
page size, whatever the collection's size. Services are always the public view (a
confidential location at its town's point, without address); boundaries and zones are
simplified for display, by level.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, String, Text, and_, cast, func, select, true
from sqlalchemy.dialects.postgresql import ARRAY as PG_ARRAY
from sqlalchemy.orm import Session

from ..directory.query import located_feature, located_select
from ..directory.service import LIVE_STATUSES
from ..directory.visibility import PUBLIC, displayed_geom, within_envelope
from ..errors import BadParameter, NotFound
from ..models import AdminArea, Campaign, RiskZone, Service, ServiceAtLocation
from ..planning.service import DISPLAY_SIMPLIFY, campaign_feature, risk_zone_feature
from ..planning.vocabulary import CHANNELS, DEMO_LABEL, RISK_KINDS, THEMES
from ..taxonomy import CATEGORIES, NEEDS

VIEWER = PUBLIC  # these open interfaces serve the public view, whoever asks
# Boundaries simplified for display (degrees, topology kept): coarser for the larger areas.
AREA_SIMPLIFY = {"adm0": 0.005, "adm1": 0.002, "adm2": 0.001, "adm3": 0.0005}
PRECISION = 5  # decimals of the coordinates written (about 1 m)


@dataclass(frozen=True)
class Period:
    """A ``datetime`` interval; None on a side: open."""

    start: dt.date | None
    end: dt.date | None


@dataclass(frozen=True)
class Collection:
    id: str
    title: object  # lazy, translated
    description: object
    rows: Callable[[Session], Select]  # columns: fid, geojson, and the feature's parts
    feature: Callable[[object], dict]
    geom: Callable[[], ColumnElement]  # for the extent
    in_bbox: Callable[[ColumnElement], ColumnElement[bool]]
    order: Callable[[], tuple]
    fid: Callable[[], ColumnElement]
    filters: dict[str, tuple[dict, Callable[[list[str]], ColumnElement[bool]]]] = field(default_factory=dict)
    period: Callable[[Period], ColumnElement[bool]] | None = None
    temporal: Callable[[], tuple[ColumnElement, ColumnElement]] | None = None


# --- services -----------------------------------------------------------------------------------


def _service_rows(_session: Session) -> Select:
    return (located_select(VIEWER).add_columns(ServiceAtLocation.id.label("fid"))
            .where(Service.status.in_(LIVE_STATUSES)))


def _service_feature(row) -> dict:
    feature = located_feature(row)
    properties = feature["properties"]
    properties["service_id"] = properties.pop("id")
    return {"type": "Feature", "id": str(row.fid), "geometry": feature["geometry"], "properties": properties}


SERVICES = Collection(
    id="services",
    title=_l("Child protection services"),
    description=_l("Active and planned services, one feature per service and place. Confidential places "
                   "(shelters) are shown at their town's point, without address (masked = true)."),
    rows=_service_rows,
    feature=_service_feature,
    geom=lambda: displayed_geom(VIEWER),
    in_bbox=lambda envelope: within_envelope(VIEWER, envelope),
    order=lambda: (Service.name, ServiceAtLocation.id),
    fid=lambda: ServiceAtLocation.id,
    filters={
        "category": (CATEGORIES, lambda codes: Service.category.in_(codes)),
        "need": (NEEDS, lambda codes: Service.needs.op("&&")(cast(codes, PG_ARRAY(String(32))))),
    },
)


# --- administrative areas -----------------------------------------------------------------------

LEVEL_TITLES = {
    "adm0": _l("Country"),
    "adm1": _l("Regions and autonomous districts (ADM1)"),
    "adm2": _l("Départements (ADM2)"),
    "adm3": _l("Sous-préfectures (ADM3)"),
}


def _area_collection(number: int) -> Collection:
    level = f"adm{number}"

    def rows(_session: Session) -> Select:
        geom = func.ST_Multi(func.ST_SimplifyPreserveTopology(AdminArea.geom, AREA_SIMPLIFY[level]))
        return select(
            AdminArea.pcode.label("fid"), AdminArea.name, AdminArea.level, AdminArea.parent_pcode,
            AdminArea.population_2014, func.ST_AsGeoJSON(geom, PRECISION).label("geojson"),
        ).where(AdminArea.level == level)

    def feature(row) -> dict:
        return {"type": "Feature", "id": row.fid, "geometry": json.loads(row.geojson), "properties": {
            "pcode": row.fid, "name": row.name, "level": row.level, "parent_pcode": row.parent_pcode,
            "population_2014": row.population_2014,
        }}

    return Collection(
        id=f"admin-areas-{number}",
        title=LEVEL_TITLES[level],
        description=_l("Administrative boundaries (OCHA ROWCA / CNTIG, COD-AB, CC BY-IGO), simplified for "
                       "display to about %(metres)d m.", metres=round(AREA_SIMPLIFY[level] * 111_000)),
        rows=rows, feature=feature,
        geom=lambda: AdminArea.geom,
        in_bbox=lambda envelope: func.ST_Intersects(AdminArea.geom, envelope),
        order=lambda: (AdminArea.pcode,),
        fid=lambda: AdminArea.pcode,
        filters={"parent_pcode": (None, lambda codes: AdminArea.parent_pcode.in_(codes))},
    )


# --- planning -----------------------------------------------------------------------------------


def _zone_rows(_session: Session) -> Select:
    geom = func.ST_Multi(func.ST_SimplifyPreserveTopology(RiskZone.area, DISPLAY_SIMPLIFY))
    return select(RiskZone, RiskZone.id.label("fid"), func.ST_AsGeoJSON(geom, PRECISION).label("geojson"))


RISK_ZONES = Collection(
    id="risk-zones",
    title=_l("At-risk zones"),
    description=_l("Areas where children are at higher risk, each with its criterion and source."),
    rows=_zone_rows,
    feature=lambda row: risk_zone_feature(row.RiskZone, json.loads(row.geojson)),
    geom=lambda: RiskZone.area,
    in_bbox=lambda envelope: func.ST_Intersects(RiskZone.area, envelope),
    order=lambda: (RiskZone.level.desc(), RiskZone.name, RiskZone.id),
    fid=lambda: RiskZone.id,
    filters={"kind": (RISK_KINDS, lambda codes: RiskZone.kind.in_(codes))},
)


def _campaign_rows(_session: Session) -> Select:
    geom = func.ST_Multi(func.ST_SimplifyPreserveTopology(Campaign.area, DISPLAY_SIMPLIFY))
    return select(Campaign, Campaign.id.label("fid"), func.ST_AsGeoJSON(geom, PRECISION).label("geojson"))


def _campaign_feature(row) -> dict:
    feature = campaign_feature(row.Campaign, json.loads(row.geojson))
    if row.Campaign.is_demo:  # the label travels with the feature, whatever the client shows
        feature["properties"]["name"] = f"[{DEMO_LABEL}] {feature['properties']['name']}"
    return feature


def _campaign_period(period: Period) -> ColumnElement[bool]:
    """Campaigns that ran at some time of ``period``."""
    conditions = []
    if period.end is not None:
        conditions.append(Campaign.start_date <= period.end)
    if period.start is not None:
        conditions.append(Campaign.end_date >= period.start)
    return and_(true(), *conditions)


CAMPAIGNS = Collection(
    id="campaigns",
    title=_l("Prevention campaigns (demonstration ones labelled %(demo)s)", demo=DEMO_LABEL),
    description=_l("Prevention and awareness campaigns and the area each covered. Demonstration campaigns are "
                   "labelled %(demo)s (is_demo = true, demo_label, and the name starts with [%(demo)s]).",
                   demo=DEMO_LABEL),
    rows=_campaign_rows,
    feature=_campaign_feature,
    geom=lambda: Campaign.area,
    in_bbox=lambda envelope: func.ST_Intersects(Campaign.area, envelope),
    order=lambda: (Campaign.end_date.desc(), Campaign.name, Campaign.id),
    fid=lambda: Campaign.id,
    filters={"theme": (THEMES, lambda codes: Campaign.theme.in_(codes)),
             "channel": (CHANNELS, lambda codes: Campaign.channel.in_(codes))},
    period=_campaign_period,
    temporal=lambda: (Campaign.start_date, Campaign.end_date),
)

COLLECTIONS: dict[str, Collection] = {
    c.id: c for c in (SERVICES, *(_area_collection(n) for n in range(4)), RISK_ZONES, CAMPAIGNS)
}


def get_collection(collection_id: str) -> Collection:
    if collection_id not in COLLECTIONS:
        raise NotFound("collection not found", {"id": collection_id})
    return COLLECTIONS[collection_id]


# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemQuery:
    limit: int
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None
    period: Period | None = None
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()


def _filtered(collection: Collection, session: Session, query: ItemQuery) -> Select:
    stmt = collection.rows(session)
    if query.bbox is not None:
        stmt = stmt.where(collection.in_bbox(func.ST_MakeEnvelope(*query.bbox, 4326)))
    if query.period is not None:
        if collection.period is None:
            raise BadParameter("datetime", "this collection has no time")
        stmt = stmt.where(collection.period(query.period))
    for name, codes in query.filters:
        stmt = stmt.where(collection.filters[name][1](list(codes)))
    return stmt


def items(session: Session, collection: Collection, query: ItemQuery) -> tuple[list[dict], int]:
    """One page of features and the number matched by the query."""
    stmt = _filtered(collection, session, query)
    matched = session.scalar(select(func.count()).select_from(stmt.with_only_columns(collection.fid()).subquery()))
    rows = session.execute(stmt.order_by(*collection.order()).offset(query.offset).limit(query.limit)).all()
    return [collection.feature(row) for row in rows], matched


def item(session: Session, collection: Collection, feature_id: str) -> dict:
    row = session.execute(collection.rows(session).where(cast(collection.fid(), Text) == feature_id)).first()
    if row is None:
        raise NotFound("feature not found", {"collection": collection.id, "id": feature_id})
    return collection.feature(row)


def extent(session: Session, collection: Collection) -> dict:
    """The collection's spatial (and temporal) extent, from its data (``None`` when empty)."""
    box = session.execute(
        collection.rows(session).with_only_columns(func.ST_Extent(collection.geom()).label("box"))
    ).scalar()
    result: dict = {}
    if box:
        numbers = [float(n) for n in box.removeprefix("BOX(").removesuffix(")").replace(",", " ").split()]
        result["spatial"] = {"bbox": [numbers], "crs": CRS84}
    if collection.temporal is not None:
        start, end = collection.temporal()
        low, high = session.execute(collection.rows(session).with_only_columns(func.min(start), func.max(end))).one()
        if low is not None:  # none when the collection is empty
            result["temporal"] = {"interval": [[low.isoformat() + "T00:00:00Z", high.isoformat() + "T23:59:59Z"]],
                                  "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
    return result


CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
