"""Trigger conditions that pg_restore can read: geometries compared as bytes

Revision ID: 0011_restorable_triggers
Revises: 0010_fallback
Create Date: 2026-12-04 19:40:00

pg_dump writes a trigger's WHEN clause as it was parsed, and pg_restore reads it back with an
empty search_path: there ``geometry IS DISTINCT FROM geometry`` finds no unique ``=`` operator
(PostGIS's lives in ``public``) and the whole restore fails ("operator is not unique:
public.geometry = public.geometry"). The two triggers that compared geometries now compare their
EWKB bytes (a cast found whatever the search path; equal bytes are equal geometries, SRID
included), so `webmap backup` / `webmap restore` round-trip.
"""
from alembic import op

revision = "0011_restorable_triggers"
down_revision = "0010_fallback"
branch_labels = None
depends_on = None


def _triggers(geom: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS service_point_location_changed ON location;
CREATE TRIGGER service_point_location_changed
    AFTER UPDATE OF geom, confidential, place_id ON location
    FOR EACH ROW
    WHEN (({geom.format("OLD")}, OLD.confidential, OLD.place_id)
          IS DISTINCT FROM ({geom.format("NEW")}, NEW.confidential, NEW.place_id))
    EXECUTE FUNCTION service_point_location_changed();

DROP TRIGGER IF EXISTS service_point_place_moved ON place;
CREATE TRIGGER service_point_place_moved
    AFTER UPDATE OF geom ON place
    FOR EACH ROW
    WHEN ({geom.format("OLD")} IS DISTINCT FROM {geom.format("NEW")})
    EXECUTE FUNCTION service_point_place_moved();
"""


def upgrade() -> None:
    op.execute(_triggers("{}.geom::bytea"))


def downgrade() -> None:
    op.execute(_triggers("{}.geom"))
