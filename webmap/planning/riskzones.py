"""The reference at-risk zones of ``data/geo/risk_zones.toml``, computed and loaded (Flask-free).

* Border départements are computed in PostGIS: the country outline is cut into land border and
  coast by the neighbouring countries of Natural Earth (within a tolerance), and a département
  is kept when enough of its boundary runs along the land border.
* Cocoa regions are the regions the file names, each with its cited source.

Loading is idempotent: zones are keyed (``border:<pcode>``, ``cocoa:<pcode>``), a second load
with the same inputs changes nothing, and a reference zone no longer produced is removed.
Zones are written through the ORM so the change history (``__audited__``) sees them.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ..config import PROJECT_ROOT
from ..models import AdminArea, RiskZone
from ..text import fold
from .vocabulary import RISK_KINDS, RISK_LEVELS

RISK_ZONES_FILE = PROJECT_ROOT / "data" / "geo" / "risk_zones.toml"
NEIGHBOURS_LAYER = "ne_countries_west_africa"  # manifest layer name (data/geo/manifest.toml)
HOME_ISO3 = "CIV"
# Natural Earth's name_fr of this extract holds English names; the French ones, for the criteria.
COUNTRY_NAMES_FR = {
    "BFA": "Burkina Faso", "GHA": "Ghana", "GIN": "Guinée", "LBR": "Libéria", "MLI": "Mali",
    "BEN": "Bénin", "GNB": "Guinée-Bissau", "NER": "Niger", "SEN": "Sénégal", "SLE": "Sierra Leone",
    "TGO": "Togo",
}


class RiskZoneError(Exception):
    pass


@dataclass(frozen=True)
class BorderRule:
    kind: str
    level: int
    admin_level: str
    tolerance_km: float
    min_shared_km: float
    date: dt.date
    criterion: str
    source: str
    notes: str | None = None


@dataclass(frozen=True)
class NamedRegion:
    region: str
    kind: str
    level: int
    date: dt.date
    criterion: str
    source: str
    notes: str | None = None


@dataclass(frozen=True)
class RiskZoneConfig:
    border: BorderRule
    regions: tuple[NamedRegion, ...]


@dataclass(frozen=True)
class BorderMatch:
    pcode: str
    name: str
    shared_km: float
    by_country: dict[str, float] = field(default_factory=dict)


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _check(kind: str, level: int, where: str) -> None:
    if kind not in RISK_KINDS:
        raise RiskZoneError(f"{where}: unknown kind {kind!r}; expected one of {', '.join(RISK_KINDS)}")
    if level not in RISK_LEVELS:
        raise RiskZoneError(f"{where}: level must be 1, 2 or 3, not {level!r}")


def read_config(path: Path = RISK_ZONES_FILE) -> RiskZoneConfig:
    """Parse and check the risk-zone file; every zone must carry a criterion, a source and a date."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RiskZoneError(f"cannot read {path}: {exc}") from exc
    try:
        b = raw["border"]
        border = BorderRule(
            kind=b["kind"], level=int(b["level"]), admin_level=b["admin_level"],
            tolerance_km=float(b["tolerance_km"]), min_shared_km=float(b["min_shared_km"]),
            date=_date(b["date"]), criterion=b["criterion"], source=b["source"], notes=b.get("notes"),
        )
        regions = tuple(
            NamedRegion(
                region=r["region"], kind=r["kind"], level=int(r["level"]), date=_date(r["date"]),
                criterion=r["criterion"], source=r["source"], notes=r.get("notes"),
            )
            for r in raw.get("cocoa", [])
        )
    except KeyError as exc:
        raise RiskZoneError(f"{path}: missing field {exc}") from exc
    _check(border.kind, border.level, "[border]")
    for entry in regions:
        _check(entry.kind, entry.level, f"[[cocoa]] {entry.region}")
        if not entry.criterion.strip() or not entry.source.strip():
            raise RiskZoneError(f"[[cocoa]] {entry.region}: criterion and source are required")
    return RiskZoneConfig(border=border, regions=regions)


def read_neighbours(path: Path, home_iso3: str = HOME_ISO3) -> list[tuple[str, str]]:
    """(country name, GeoJSON geometry) of every country of the Natural Earth file but ours."""
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    out = []
    for feature in document.get("features", []):
        props = feature.get("properties") or {}
        if props.get("iso3") == home_iso3 or not feature.get("geometry"):
            continue
        iso3 = props.get("iso3")
        name = COUNTRY_NAMES_FR.get(iso3) or props.get("name") or iso3
        out.append((name, json.dumps(feature["geometry"])))
    if not out:
        raise RiskZoneError(f"{path}: no neighbouring country found")
    return out


_BORDER_SQL = text(
    """
    WITH neighbour AS (
        SELECT t.name,
               ST_Buffer(ST_SetSRID(ST_GeomFromGeoJSON(t.geojson), 4326)::geography,
                         :tolerance_m)::geometry AS near
        FROM unnest(CAST(:names AS text[]), CAST(:geojsons AS text[])) AS t(name, geojson)
    ),
    outline AS (
        SELECT ST_Boundary(geom) AS line FROM admin_area WHERE level = 'adm0'
    ),
    land AS (
        SELECT n.name, ST_Intersection(o.line, n.near) AS line
        FROM outline o JOIN neighbour n ON ST_Intersects(o.line, n.near)
    ),
    land_all AS (
        SELECT ST_Union(line) AS line FROM land
    ),
    unit AS (
        SELECT a.pcode, a.name, ST_Boundary(a.geom) AS edge
        FROM admin_area a, land_all l
        WHERE a.level = :level AND ST_Intersects(a.geom, l.line)
    )
    SELECT u.pcode, u.name,
           ST_Length(ST_Intersection(u.edge, l.line)::geography) / 1000.0 AS shared_km,
           (SELECT json_object_agg(land.name, ST_Length(ST_Intersection(u.edge, land.line)::geography) / 1000.0)
              FROM land WHERE ST_Intersects(u.edge, land.line)) AS by_country
    FROM unit u, land_all l
    ORDER BY u.pcode
    """
)


def border_units(
    session: Session,
    neighbours: list[tuple[str, str]],
    tolerance_km: float,
    min_shared_km: float,
    level: str = "adm2",
) -> list[BorderMatch]:
    """Admin areas of ``level`` sharing at least ``min_shared_km`` of boundary with the land border."""
    rows = session.execute(
        _BORDER_SQL,
        {
            "names": [name for name, _ in neighbours],
            "geojsons": [geojson for _, geojson in neighbours],
            "tolerance_m": tolerance_km * 1000.0,
            "level": level,
        },
    ).all()
    matches = []
    for row in rows:
        if row.shared_km is None or row.shared_km < min_shared_km:
            continue
        by_country = {
            name: round(km, 1) for name, km in sorted((row.by_country or {}).items()) if km >= 0.05
        }
        matches.append(BorderMatch(row.pcode, row.name, round(row.shared_km, 1), by_country))
    return matches


@dataclass
class WantedZone:
    key: str
    name: str
    kind: str
    level: int
    admin_level: str
    admin_pcode: str
    criterion: str
    source: str
    date: dt.date
    notes: str | None


def _border_criterion(rule: BorderRule, match: BorderMatch) -> str:
    countries = ", ".join(f"{name} {km:.0f} km" for name, km in match.by_country.items())
    return (
        f"{rule.criterion}\u00a0: {match.shared_km:.0f} km de sa limite sur la frontière terrestre "
        f"({countries}). Règle\u00a0: portion du contour national à moins de {rule.tolerance_km:g} km d'un "
        f"pays voisin (Natural Earth), au moins {rule.min_shared_km:g} km partagés."
    )


def wanted_zones(session: Session, config: RiskZoneConfig, neighbours: list[tuple[str, str]]) -> list[WantedZone]:
    """Every reference zone the file and the geometry produce, keyed."""
    rule = config.border
    zones = [
        WantedZone(
            key=f"border:{match.pcode}",
            name=f"{match.name} — département frontalier",
            kind=rule.kind,
            level=rule.level,
            admin_level=rule.admin_level,
            admin_pcode=match.pcode,
            criterion=_border_criterion(rule, match),
            source=rule.source,
            date=rule.date,
            notes=rule.notes,
        )
        for match in border_units(session, neighbours, rule.tolerance_km, rule.min_shared_km, rule.admin_level)
    ]
    for entry in config.regions:
        region = session.scalars(
            select(AdminArea).where(AdminArea.level == "adm1", AdminArea.name_key == fold(entry.region))
        ).first()
        if region is None:
            raise RiskZoneError(
                f"region {entry.region!r} of {RISK_ZONES_FILE.name} is not among the loaded regions; "
                "run `webmap geodata` first or fix the name"
            )
        zones.append(
            WantedZone(
                key=f"cocoa:{region.pcode}",
                name=f"{region.name} — région cacaoyère",
                kind=entry.kind,
                level=entry.level,
                admin_level="adm1",
                admin_pcode=region.pcode,
                criterion=entry.criterion,
                source=entry.source,
                date=entry.date,
                notes=entry.notes,
            )
        )
    return zones


_FIELDS = ("name", "kind", "level", "admin_level", "admin_pcode", "criterion", "source", "date", "notes")


def load_reference_zones(
    session: Session, neighbours_path: Path, config_path: Path = RISK_ZONES_FILE
) -> dict[str, int]:
    """Create, update or remove the reference zones; flushes, the caller commits.

    Returns counts: created, updated, unchanged, removed, and ``zones`` (the total).
    """
    config = read_config(config_path)
    wanted = wanted_zones(session, config, read_neighbours(neighbours_path))
    counts: Counter = Counter()
    existing = {z.key: z for z in session.scalars(select(RiskZone).where(RiskZone.is_reference.is_(True)))}
    for zone in wanted:
        geom_row = session.execute(
            select(func.ST_Multi(AdminArea.geom).label("geom"), func.ST_AsEWKB(func.ST_Multi(AdminArea.geom)))
            .where(AdminArea.level == zone.admin_level, AdminArea.pcode == zone.admin_pcode)
        ).one()
        row = existing.pop(zone.key, None)
        if row is None:
            row = RiskZone(key=zone.key, is_reference=True, area=geom_row[0],
                           **{name: getattr(zone, name) for name in _FIELDS})
            session.add(row)
            counts["created"] += 1
            continue
        changed = False
        for name in _FIELDS:
            if getattr(row, name) != getattr(zone, name):
                setattr(row, name, getattr(zone, name))
                changed = True
        same_geom = session.scalar(
            select(func.ST_AsEWKB(RiskZone.area) == geom_row[1]).where(RiskZone.id == row.id)
        )
        if not same_geom:
            row.area = geom_row[0]
            changed = True
        counts["updated" if changed else "unchanged"] += 1
    for stale in existing.values():
        session.delete(stale)
        counts["removed"] += 1
    session.flush()
    counts["zones"] = len(wanted)
    return dict(counts)
