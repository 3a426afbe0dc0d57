"""Queries over admin areas and the gazetteer (Flask-free)."""

from __future__ import annotations

import json

from sqlalchemy import Float, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from ..models import AdminArea, Place
from ..text import fold

# API level names → ``admin_area.level``.
LEVELS = {"0": "adm0", "1": "adm1", "2": "adm2", "3": "adm3", "district": "district"}
FUZZY_THRESHOLD = 0.3


def admin_areas(
    session: Session, level: str, simplify: float | None = None, parent: str | None = None
) -> list[dict]:
    """GeoJSON features of one level; ``simplify`` in degrees (topology preserved)."""
    geom = AdminArea.geom
    if simplify:
        geom = func.ST_SimplifyPreserveTopology(geom, simplify)
    stmt = select(
        AdminArea.pcode,
        AdminArea.name,
        AdminArea.level,
        AdminArea.parent_pcode,
        AdminArea.population_2014,
        func.ST_AsGeoJSON(geom, 5).label("geojson"),
    ).where(AdminArea.level == LEVELS[level])
    if parent:
        stmt = stmt.where(AdminArea.parent_pcode == parent)
    features = []
    for row in session.execute(stmt.order_by(AdminArea.pcode)):
        features.append(
            {
                "type": "Feature",
                "id": row.pcode,
                "geometry": json.loads(row.geojson),
                "properties": {
                    "pcode": row.pcode,
                    "name": row.name,
                    "level": row.level,
                    "parent_pcode": row.parent_pcode,
                    "population_2014": row.population_2014,
                },
            }
        )
    return features


def _admin_name(level: str, pcode_column):
    area = aliased(AdminArea)
    return (
        select(area.name)
        .where(and_(area.level == level, area.pcode == pcode_column))
        .scalar_subquery()
    )


def search_places(session: Session, q: str, limit: int = 10) -> list[dict]:
    """Gazetteer matches for ``q``, accent- and case-insensitive, prefix and fuzzy.

    Ranked by how the name matches (exact, prefix, alternate name, word prefix, fuzzy),
    then by population, then by similarity.
    """
    key = fold(q)
    if not key:
        return []
    like_key = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    alternates = literal("|") + func.coalesce(Place.alternate_key, "") + literal("|")
    similarity = func.similarity(Place.name_key, key)
    tier = case(
        (Place.name_key == key, 0),
        (Place.name_key.like(f"{like_key}%", escape="\\"), 1),
        (alternates.like(f"%|{like_key}|%", escape="\\"), 2),
        (alternates.like(f"%|{like_key}%", escape="\\"), 3),
        (Place.name_key.like(f"% {like_key}%", escape="\\"), 4),
        else_=5,
    )
    stmt = (
        select(
            Place,
            tier.label("tier"),
            cast(similarity, Float).label("similarity"),
            _admin_name("adm3", Place.adm3_pcode).label("sous_prefecture"),
            _admin_name("adm2", Place.adm2_pcode).label("departement"),
            _admin_name("adm1", Place.adm1_pcode).label("region"),
            _admin_name("district", Place.district_pcode).label("district"),
            func.ST_X(Place.geom).label("lon"),
            func.ST_Y(Place.geom).label("lat"),
        )
        .where(
            or_(
                Place.name_key.like(f"%{like_key}%", escape="\\"),
                alternates.like(f"%|{like_key}%", escape="\\"),
                similarity >= FUZZY_THRESHOLD,
            )
        )
        .order_by(tier, Place.population.desc().nulls_last(), similarity.desc(), Place.id)
        .limit(limit)
    )
    return [
        {
            "id": row.Place.id,
            "name": row.Place.name,
            "population": row.Place.population,
            "lat": round(row.lat, 6),
            "lon": round(row.lon, 6),
            "sous_prefecture": row.sous_prefecture,
            "departement": row.departement,
            "region": row.region,
            "district": row.district,
            "adm3_pcode": row.Place.adm3_pcode,
            "adm2_pcode": row.Place.adm2_pcode,
            "adm1_pcode": row.Place.adm1_pcode,
            "match": ["exact", "prefix", "alternate", "alternate prefix", "word", "partial"][row.tier],
        }
        for row in session.execute(stmt)
    ]
