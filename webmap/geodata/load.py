"""Write built layers into PostGIS with bulk upserts, inside the caller's transaction.

Rows are upserted on their natural keys (``admin_area (level, pcode)``, ``place.id`` = GeoNames
id), so ids stay stable across reloads; rows that vanished from the source are deleted (a place
still referenced by a ``location`` is kept and counted). Nothing here commits: the caller does.
"""

from __future__ import annotations

import math

import pandas as pd
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

ADMIN_KEY = "admin_area.{level}"  # reference_dataset.layer of an admin level
PLACE_KEY = "place"

_ADMIN_UPSERT = text("""
    INSERT INTO admin_area (level, pcode, name, name_ocha, name_key, parent_pcode, district_pcode,
                            population_2014, geom)
    VALUES (:level, :pcode, :name, :name_ocha, :name_key, :parent_pcode, :district_pcode,
            :population_2014, ST_Multi(ST_GeomFromWKB(:wkb, 4326)))
    ON CONFLICT (level, pcode) DO UPDATE SET
        name = EXCLUDED.name, name_ocha = EXCLUDED.name_ocha, name_key = EXCLUDED.name_key,
        parent_pcode = EXCLUDED.parent_pcode, district_pcode = EXCLUDED.district_pcode,
        population_2014 = EXCLUDED.population_2014, geom = EXCLUDED.geom
""")
_ADMIN_DELETE_STALE = text(
    "DELETE FROM admin_area WHERE level = :level AND NOT (pcode = ANY(:pcodes))")

_PLACE_UPSERT = text("""
    INSERT INTO place (id, name, name_key, alternate_names, alternate_key, population,
                       adm3_pcode, adm2_pcode, adm1_pcode, district_pcode, geom)
    VALUES (:id, :name, :name_key, :alternate_names, :alternate_key, :population,
            :adm3_pcode, :adm2_pcode, :adm1_pcode, :district_pcode,
            ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
    ON CONFLICT (id) DO UPDATE SET
        name = EXCLUDED.name, name_key = EXCLUDED.name_key,
        alternate_names = EXCLUDED.alternate_names, alternate_key = EXCLUDED.alternate_key,
        population = EXCLUDED.population, adm3_pcode = EXCLUDED.adm3_pcode,
        adm2_pcode = EXCLUDED.adm2_pcode, adm1_pcode = EXCLUDED.adm1_pcode,
        district_pcode = EXCLUDED.district_pcode, geom = EXCLUDED.geom
""")
_PLACE_DELETE_STALE = text("""
    DELETE FROM place p WHERE NOT (p.id = ANY(:ids))
      AND NOT EXISTS (SELECT 1 FROM location l WHERE l.place_id = p.id)
""")
_PLACE_COUNT_STALE = text("SELECT count(*) FROM place WHERE NOT (id = ANY(:ids))")

_DATASET_GET = text("SELECT sha256, features FROM reference_dataset WHERE layer = :layer")
_DATASET_PUT = text("""
    INSERT INTO reference_dataset (layer, sha256, features, loaded_at)
    VALUES (:layer, :sha256, :features, now())
    ON CONFLICT (layer) DO UPDATE SET
        sha256 = EXCLUDED.sha256, features = EXCLUDED.features, loaded_at = now()
""")


def lock(session: Session) -> None:
    """Serialise concurrent loads (released when the transaction ends)."""
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext('webmap geodata'))"))


def is_current(session: Session, key: str, digest: str) -> bool:
    """True when ``key`` was loaded from inputs with this digest and still has its row count."""
    row = session.execute(_DATASET_GET, {"layer": key}).one_or_none()
    if row is None or row.sha256 != digest:
        return False
    return count_rows(session, key) == row.features


def count_rows(session: Session, key: str) -> int:
    if key == PLACE_KEY:
        return session.execute(text("SELECT count(*) FROM place")).scalar_one()
    level = key.removeprefix("admin_area.")
    return session.execute(
        text("SELECT count(*) FROM admin_area WHERE level = :level"), {"level": level}
    ).scalar_one()


def record(session: Session, key: str, digest: str, features: int) -> None:
    session.execute(_DATASET_PUT, {"layer": key, "sha256": digest, "features": features})


def load_admin_level(session: Session, level: str, frame: pd.DataFrame) -> int:
    """Upsert one admin level (GeoDataFrame from :func:`..build.build_admin_areas`)."""
    wkbs = shapely.to_wkb(frame.geometry.to_numpy(), include_srid=False)
    rows = [
        {
            "level": level,
            "pcode": r.pcode,
            "name": r.name,
            "name_ocha": _opt(r.name_ocha),
            "name_key": r.name_key,
            "parent_pcode": _opt(r.parent_pcode),
            "district_pcode": _opt(r.district_pcode),
            "population_2014": _opt_int(r.population_2014),
            "wkb": wkb,
        }
        for r, wkb in zip(frame.itertuples(index=False), wkbs, strict=True)
    ]
    if rows:
        session.execute(_ADMIN_UPSERT, rows)
    session.execute(_ADMIN_DELETE_STALE, {"level": level, "pcodes": [r["pcode"] for r in rows]})
    return len(rows)


def load_places(session: Session, places: pd.DataFrame) -> tuple[int, int]:
    """Upsert the gazetteer; returns (places loaded, stale places kept because referenced)."""
    rows = [
        {
            "id": int(r.id),
            "name": r.name,
            "name_key": r.name_key,
            "alternate_names": _opt(r.alternate_names),
            "alternate_key": _opt(r.alternate_key),
            "population": _opt_int(r.population),
            "adm3_pcode": _opt(r.adm3_pcode),
            "adm2_pcode": _opt(r.adm2_pcode),
            "adm1_pcode": _opt(r.adm1_pcode),
            "district_pcode": _opt(r.district_pcode),
            "lon": float(r.lon),
            "lat": float(r.lat),
        }
        for r in places.itertuples(index=False)
    ]
    if rows:
        session.execute(_PLACE_UPSERT, rows)
    ids = [r["id"] for r in rows]
    session.execute(_PLACE_DELETE_STALE, {"ids": ids})
    kept = session.execute(_PLACE_COUNT_STALE, {"ids": ids}).scalar_one()
    return len(rows), kept


def _opt(value):
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return str(value)


def _opt_int(value) -> int | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value)
