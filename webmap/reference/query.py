"""Queries over admin areas and the gazetteer (Flask-free)."""

from __future__ import annotations

import json
import time

from sqlalchemy import and_, func, select, text
from sqlalchemy.orm import Session, aliased

from ..models import AdminArea, Place
from . import matching

# API level names → ``admin_area.level``.
LEVELS = {"0": "adm0", "1": "adm1", "2": "adm2", "3": "adm3", "district": "district"}


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


_SIGNATURE_SQL = text("SELECT sha256, loaded_at FROM reference_dataset WHERE layer = 'place'")


def place_rows(session: Session) -> list[dict]:
    """Every place of the gazetteer as the matcher reads it (also packed for offline use)."""
    stmt = select(
        Place.id,
        Place.name,
        Place.alternate_key,
        Place.population,
        _admin_name("adm3", Place.adm3_pcode).label("sous_prefecture"),
        _admin_name("adm2", Place.adm2_pcode).label("departement"),
        _admin_name("adm1", Place.adm1_pcode).label("region"),
        _admin_name("district", Place.district_pcode).label("district"),
        func.ST_X(Place.geom).label("lon"),
        func.ST_Y(Place.geom).label("lat"),
        Place.adm3_pcode,
        Place.adm2_pcode,
        Place.adm1_pcode,
    ).order_by(Place.id)
    places = []
    for row in session.execute(stmt):
        place = row._asdict()
        place["lat"], place["lon"] = round(row.lat, 6), round(row.lon, 6)
        places.append(place)
    return places


def _load_gazetteer(session: Session) -> matching.Gazetteer:
    return matching.Gazetteer(place_rows(session), matching.load_aliases())


RECHECK_S = 30.0  # how long a process trusts its gazetteer before checking the loaded data again
_checked: dict[str, tuple[float, tuple]] = {}


def gazetteer(session: Session, recheck_s: float = RECHECK_S) -> matching.Gazetteer:
    """The gazetteer in memory, for this database and the place data it holds.

    The signature of the loaded places (``reference_dataset``) is read again at most every
    ``recheck_s`` seconds: a search by name costs no query in between, and a new load of the
    gazetteer (``webmap geodata load``) is seen by every process within that delay."""
    bind = session.get_bind()
    url = str(getattr(bind, "engine", bind).url)
    now = time.monotonic()
    checked = _checked.get(url)
    if checked is None or now - checked[0] >= recheck_s:
        checked = (now, tuple(session.execute(_SIGNATURE_SQL).first() or ()))
        _checked[url] = checked
    return matching.cached((url, checked[1]), lambda: _load_gazetteer(session))


def place_result(found: matching.Match) -> dict:
    place = found.place
    return {
        **{name: place[name] for name in _RESULT_FIELDS},
        "context": place_context(place),
        "match": found.match,
        "quality": found.quality,
        "score": found.score,
    }


_RESULT_FIELDS = ("id", "name", "population", "lat", "lon", "sous_prefecture", "departement", "region",
                  "district", "adm3_pcode", "adm2_pcode", "adm1_pcode")


def place_context(place: dict) -> str | None:
    """What tells a place from its namesakes: its région (its département if named alike)."""
    for name in (place.get("region"), place.get("departement")):
        if name and name != place["name"]:
            return name
    return None


def find_places(session: Session, q: str, limit: int = 10) -> list[matching.Match]:
    return gazetteer(session).search(q, limit)


def search_places(session: Session, q: str, limit: int = 10) -> list[dict]:
    """Gazetteer matches for ``q``: spelling-tolerant, ranked by match quality and population
    (the rules: ``webmap.reference.matching``)."""
    return [place_result(found) for found in find_places(session, q, limit)]
