"""Confidential locations are shown at the town their editor named, never a place near the point

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 04:00:00

Until now a confidential location's town (``place_id``) was the gazetteer place nearest its
exact point — often a village a few kilometres from a shelter, which located it. From now on it
is the town the editor named (``location.town``; the most populous place of that name within
60 km of the point, else the most populous of that name), or, for a record without a usable
town name, the seat (chef-lieu) of the sous-préfecture of its point: the place of the
sous-préfecture named like it, else its most populous place. ``location.town`` then holds that
place's name. A check constraint keeps every confidential location tied to a town.

Rows are rewritten one by one through the ORM-free connection; the service_point triggers
(0007) follow the change of ``place_id``.
"""
from alembic import op
import sqlalchemy as sa

from webmap.text import fold

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

NEAR_KM = 60

# service_point's public point over a location ``l`` and its town ``p`` (0007 had a grid fallback).
_PUBLIC_GEOM = {
    "0008": "CASE WHEN l.confidential THEN p.geom ELSE l.geom END",
    "0007": "CASE WHEN l.confidential THEN coalesce(p.geom, ST_SnapToGrid(l.geom, 0.1)) ELSE l.geom END",
}
_COLUMNS = ("id, service_id, location_id, status, category, needs, minimum_age, maximum_age, sexes, "
            "confidential, geom, public_geom")
_ROWS_OF_LINKS = """
    SELECT sl.id, sl.service_id, sl.location_id, s.status, s.category, s.needs, s.minimum_age,
           s.maximum_age, s.sexes, l.confidential, l.geom, {public_geom}
    FROM {links} sl
    JOIN service s ON s.id = sl.service_id
    JOIN location l ON l.id = sl.location_id
    LEFT JOIN place p ON p.id = l.place_id
"""


def _trigger_functions(version: str) -> str:
    """The three 0007 trigger functions that compute the public point, as of ``version``."""
    public_geom = _PUBLIC_GEOM[version]
    return f"""
CREATE OR REPLACE FUNCTION service_point_links_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO service_point ({_COLUMNS})
    {_ROWS_OF_LINKS.format(links="new_links", public_geom=public_geom)};
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION service_point_links_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM service_point sp USING old_links o WHERE sp.id = o.id;
    INSERT INTO service_point ({_COLUMNS})
    {_ROWS_OF_LINKS.format(links="new_links", public_geom=public_geom)};
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION service_point_location_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE service_point sp
       SET confidential = l.confidential, geom = l.geom, public_geom = {public_geom}
      FROM location l LEFT JOIN place p ON p.id = l.place_id
     WHERE l.id = NEW.id AND sp.location_id = NEW.id;
    RETURN NULL;
END $$;
"""

_NAMED = sa.text(
    """
    SELECT p.id, p.name,
           ST_Distance(p.geom::geography, l.geom::geography) / 1000 <= :near_km AS near
      FROM place p, location l
     WHERE l.id = :location_id
       AND (p.name_key = :key OR ('|' || coalesce(p.alternate_key, '') || '|') LIKE '%|' || :key || '|%')
     ORDER BY (p.name_key = :key) DESC,
              (ST_Distance(p.geom::geography, l.geom::geography) / 1000 <= :near_km) DESC,
              p.population DESC NULLS LAST, p.id
     LIMIT 1
    """
)

_SEAT = sa.text(
    """
    SELECT p.id, p.name, p.name_key, a.name AS area_name
      FROM location l
      JOIN admin_area a ON a.level = 'adm3' AND a.pcode = l.adm3_pcode
      JOIN place p ON p.adm3_pcode = a.pcode
     WHERE l.id = :location_id
     ORDER BY p.population DESC NULLS LAST, p.id
    """
)


def _seat(bind, location_id):
    """The seat of the location's sous-préfecture: the place named like it, else the largest."""
    rows = bind.execute(_SEAT, {"location_id": location_id}).all()
    if not rows:
        return None
    area_key = fold(rows[0].area_name)
    for row in rows:
        if row.name_key == area_key:
            return row
    return rows[0]


def upgrade() -> None:
    bind = op.get_bind()
    confidential = bind.execute(
        sa.text("SELECT id, town FROM location WHERE confidential ORDER BY id")
    ).all()
    for location in confidential:
        key = fold(location.town)
        place = bind.execute(_NAMED, {"location_id": location.id, "key": key, "near_km": NEAR_KM}).first() if key else None
        if place is None:
            place = _seat(bind, location.id)
        if place is None:
            raise RuntimeError(
                f"confidential location {location.id} has no town the gazetteer knows and no "
                "sous-préfecture: load the reference data (`webmap geodata`) before upgrading"
            )
        bind.execute(
            sa.text("UPDATE location SET place_id = :place_id, town = :town WHERE id = :id"),
            {"place_id": place.id, "town": place.name, "id": location.id},
        )
    op.create_check_constraint(
        op.f("ck_location_confidential_town"), "location", "NOT confidential OR place_id IS NOT NULL"
    )
    op.execute(_trigger_functions("0008"))


def downgrade() -> None:
    op.execute(_trigger_functions("0007"))
    op.drop_constraint(op.f("ck_location_confidential_town"), "location", type_="check")
