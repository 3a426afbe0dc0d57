"""What a printed map shows: the extent, the structures as drawn, the directory rows (Flask-free).

The structures come from :func:`webmap.directory.query.search_services` with the viewer of the
request, so confidentiality is decided in one place: for the public a confidential location
arrives at its town's position and without its address, and that is what gets drawn and listed.

Translated strings are produced with Flask-Babel's ``gettext``: build a scene inside a request or
``flask_babel.force_locale(lang)``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from flask_babel import gettext as _
from shapely import points as shapely_points
from shapely.geometry import Point as shapely_point
from shapely.strtree import STRtree
from sqlalchemy.orm import Session

from ..directory.query import ServiceFilter, search_services
from ..directory.visibility import PUBLIC, Viewer
from ..errors import BadParameter
from ..taxonomy import CATEGORIES, NEEDS
from ..text import fold
from .basemap import Area, Basemap, load_basemap, project_xy
from .options import COUNTRY, PrintOptions

# Far above any real directory; a truncated result is reported on the page, never hidden.
MAX_STRUCTURES = 50_000
DEMO_PREFIX = "DEMO"
# A wall map sends children somewhere: closed or planned structures are left off it.
PRINTED_STATUSES = ("active",)

CATEGORY_ORDER = {code: index for index, code in enumerate(CATEGORIES)}


@dataclass(frozen=True)
class MapPoint:
    """One structure as drawn: the displayed (possibly town-level) position and its symbol."""

    service_id: str
    name: str
    category: str
    verified: bool
    masked: bool
    lon: float
    lat: float
    x: float  # print CRS metres
    y: float
    adm1_pcode: str | None
    adm2_pcode: str | None


@dataclass(frozen=True)
class DirectoryRow:
    region: str
    town: str
    category: str
    category_label: str
    name: str
    organization: str | None
    address: str | None  # None when masked or unknown
    public_contact: str | None
    confidential: bool  # shown at town level for this viewer
    phones: tuple[str, ...]
    email: str | None
    needs: str
    ages: str
    last_verified: str
    verified: bool
    demo: bool


@dataclass(frozen=True)
class Nearby:
    """A structure outside an extent that has none: how far from the extent's edge, which way."""

    name: str
    category: str
    town: str | None
    km: float  # from the nearest edge of the extent to the displayed point
    direction: str  # "n", "ne", "e", "se", "s", "sw", "w", "nw": from the extent's centre


NEARBY_COUNT = 3
COMPASS = ("e", "ne", "n", "nw", "w", "sw", "s", "se")  # counter-clockwise from east, 45° each


def compass(dx: float, dy: float) -> str:
    """The 8-point compass direction of the vector (dx east, dy north)."""
    angle = math.degrees(math.atan2(dy, dx)) % 360
    return COMPASS[int(((angle + 22.5) % 360) // 45)]


def nearest_outside(directory: Directory, focus: Area, count: int = NEARBY_COUNT) -> tuple[Nearby, ...]:
    """The ``count`` structures nearest to ``focus`` (distance to its edge, in the print CRS:
    true to scale in km within the country) — for a sheet that would otherwise show none."""
    if not directory.points:
        return ()
    centre = focus.geom.representative_point()
    towns = {f["properties"]["id"]: f["properties"].get("town") for f in directory.features}
    ranked = sorted(
        ((focus.geom.distance(shapely_point(p.x, p.y)), p) for p in directory.points),
        key=lambda pair: (pair[0], fold(pair[1].name)),
    )
    out, seen = [], set()
    for metres, point in ranked:
        if point.service_id in seen:
            continue
        seen.add(point.service_id)
        out.append(Nearby(name=point.name, category=point.category, town=towns.get(point.service_id),
                          km=round(metres / 1000.0), direction=compass(point.x - centre.x, point.y - centre.y)))
        if len(out) == count:
            break
    return tuple(out)


@dataclass(frozen=True)
class Scene:
    """One map: its extent (``focus``), the structures to draw and to list."""

    basemap: Basemap
    level: str  # "adm0" | "adm1" | "adm2"
    focus: Area
    points: tuple[MapPoint, ...]
    rows: tuple[DirectoryRow, ...]
    categories: tuple[str, ...]  # the filter (empty: all)
    truncated: bool = False
    demo: bool = False  # synthetic demonstration records are among the structures
    parent_name: str | None = None  # the region of a département
    nearby: tuple[Nearby, ...] = ()  # when the extent holds no structure: the nearest outside it

    @property
    def count(self) -> int:
        return len(self.points)

    @property
    def categories_drawn(self) -> tuple[str, ...]:
        present = {p.category for p in self.points}
        return tuple(code for code in CATEGORIES if code in present)

    @property
    def has_confidential(self) -> bool:
        return any(p.masked for p in self.points)


@dataclass
class Directory:
    """Every structure matching the filter, fetched once (the atlas splits it per region)."""

    points: list[MapPoint] = field(default_factory=list)
    features: list[dict] = field(default_factory=list)
    truncated: bool = False


def resolve_focus(basemap: Basemap, options: PrintOptions, parameter: str = "extent") -> Area:
    if options.extent == COUNTRY:
        return basemap.country
    area = basemap.area(options.extent)
    if area is None or area.level != options.extent_level:
        raise BadParameter(parameter, f"unknown P-code {options.extent}")
    return area


def fetch_directory(session: Session, basemap: Basemap, categories: tuple[str, ...], viewer: Viewer) -> Directory:
    features, truncated = search_services(
        session, ServiceFilter(categories=categories, statuses=PRINTED_STATUSES, limit=MAX_STRUCTURES), viewer
    )
    features = _assign_regions(basemap, features)
    features.sort(key=_feature_order)
    lons = [f["geometry"]["coordinates"][0] for f in features]
    lats = [f["geometry"]["coordinates"][1] for f in features]
    xs, ys = project_xy(lons, lats)
    points = []
    for feature, x, y in zip(features, xs.tolist(), ys.tolist(), strict=True):
        p = feature["properties"]
        points.append(
            MapPoint(
                service_id=p["id"],
                name=p["name"],
                category=p["category"],
                verified=p["verification"] == "verified",
                masked=bool(p["masked"]),
                lon=feature["geometry"]["coordinates"][0],
                lat=feature["geometry"]["coordinates"][1],
                x=x,
                y=y,
                adm1_pcode=p["adm1_pcode"],
                adm2_pcode=p["adm2_pcode"],
            )
        )
    return Directory(points=points, features=features, truncated=truncated)


def _feature_order(feature: dict) -> tuple:
    p = feature["properties"]
    return (CATEGORY_ORDER.get(p["category"], 99), fold(p["name"]), p["name"], p["id"], p["location_id"])


def _assign_regions(basemap: Basemap, features: list[dict]) -> list[dict]:
    """Fill a missing ``adm1_pcode``/``adm2_pcode`` from the displayed point (point in polygon)."""
    missing = [f for f in features if not f["properties"]["adm1_pcode"] or not f["properties"]["adm2_pcode"]]
    if not missing:
        return features
    xs, ys = project_xy(
        [f["geometry"]["coordinates"][0] for f in missing], [f["geometry"]["coordinates"][1] for f in missing]
    )
    pts = shapely_points(xs, ys)
    for key, areas in (("adm1_pcode", basemap.regions), ("adm2_pcode", basemap.departements)):
        tree = STRtree([a.geom for a in areas])
        hits = tree.query(pts, predicate="intersects")
        found: dict[int, str] = {}
        for point_index, area_index in zip(*hits.tolist(), strict=True):
            found.setdefault(point_index, areas[area_index].pcode)
        for index, feature in enumerate(missing):
            props = feature["properties"]
            if not props[key] and index in found:
                props[key] = found[index]
    return features


def _in_focus(level: str, focus: Area, point_adm1: str | None, point_adm2: str | None) -> bool:
    if level == "adm0":
        return True
    if level == "adm1":
        return point_adm1 == focus.pcode
    return point_adm2 == focus.pcode


def ages_text(minimum: int | None, maximum: int | None) -> str:
    if minimum is None and maximum is None:
        return "—"
    if not minimum and maximum is None:
        return _("all ages")
    if minimum is None:
        return _("up to %(age)s years", age=maximum)
    if maximum is None:
        return _("%(age)s years and over", age=minimum)
    return _("%(low)s–%(high)s years", low=minimum, high=maximum)


def build_rows(basemap: Basemap, features: list[dict], format_day) -> tuple[DirectoryRow, ...]:
    """The directory table's rows, sorted by region, town, category, name."""
    rows = []
    for feature in features:
        p = feature["properties"]
        region_area = basemap.area(p["adm1_pcode"] or "")
        region = region_area.name if region_area else _("Region not known")
        assured = dt.date.fromisoformat(p["assured_date"]) if p["assured_date"] else None
        verified = p["verification"] == "verified"
        if verified and assured:
            last = format_day(assured)
        elif verified:
            last = _("verified (no date)")
        else:
            last = _("to be verified")
        rows.append(
            DirectoryRow(
                region=region,
                town=p["town"] or _("Town not known"),
                category=p["category"],
                category_label=str(CATEGORIES.get(p["category"], p["category"])),
                name=p["name"],
                organization=p["organization"] if p["organization"] != p["name"] else None,
                address=None if p["masked"] else p["address"],
                public_contact=p["public_contact"],
                confidential=bool(p["masked"]),
                phones=tuple(p["phones"]),
                email=p["email"],
                needs=", ".join(str(NEEDS[n]) for n in p["needs"] if n in NEEDS) or "—",
                ages=ages_text(p["minimum_age"], p["maximum_age"]),
                last_verified=last,
                verified=verified,
                demo=str(p.get("source") or "").startswith(DEMO_PREFIX),
            )
        )
    rows.sort(
        key=lambda r: (fold(r.region), fold(r.town), CATEGORY_ORDER.get(r.category, 99), fold(r.name), r.name)
    )
    return tuple(rows)


def scene_for(
    basemap: Basemap,
    directory: Directory,
    level: str,
    focus: Area,
    categories: tuple[str, ...],
    format_day,
    with_rows: bool = True,
) -> Scene:
    """The scene of one extent, from a directory fetched once (``with_rows``: for a table)."""
    chosen = [
        (point, feature)
        for point, feature in zip(directory.points, directory.features, strict=True)
        if _in_focus(level, focus, point.adm1_pcode, point.adm2_pcode)
    ]
    points = tuple(point for point, _feature in chosen)
    features = [feature for _point, feature in chosen]
    rows = build_rows(basemap, features, format_day) if with_rows else ()
    parent = basemap.area(focus.parent_pcode or "") if level == "adm2" else None
    return Scene(
        basemap=basemap,
        level=level,
        focus=focus,
        points=points,
        rows=rows,
        categories=categories,
        truncated=directory.truncated,
        demo=any(str(f["properties"].get("source") or "").startswith(DEMO_PREFIX) for f in features),
        parent_name=parent.name if parent else None,
        nearby=nearest_outside(directory, focus) if not points and level != "adm0" else (),
    )


def build_scene(
    session: Session,
    options: PrintOptions,
    viewer: Viewer = PUBLIC,
    *,
    format_day,
    mirror: str | None = None,
    cache: str | None = None,
    parameter: str = "extent",
    with_rows: bool = True,
) -> Scene:
    """The scene of the options' extent for ``viewer`` (masking applied by the directory query)."""
    basemap = load_basemap(session, mirror, cache)
    focus = resolve_focus(basemap, options, parameter)
    directory = fetch_directory(session, basemap, options.categories, viewer)
    return scene_for(basemap, directory, options.extent_level, focus, options.categories, format_day, with_rows)
