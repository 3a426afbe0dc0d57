"""service_point: the nearest search's index, one row per service at a location, kept by triggers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 05:00:00

The referral search (webmap/referral/nearest.py) walks services nearest first. Walking
``location`` by its GiST index and looking up each candidate's link and service cost two index
lookups per candidate, and a search for a rare need walks hundreds of candidates. This table
holds, for every ``service_at_location`` row, what the search filters on (status, category,
needs, ages, sexes), the exact point and the point the public is shown, so that a search is one
index walk over one table.

The database keeps it current, whatever writes (forms, imports, the seed, raw SQL):

* a link inserted → its row inserted (one set-based statement per INSERT statement);
* a link updated → its row rebuilt; a link deleted (or its service or location) → the row is
  deleted by the foreign key's ON DELETE CASCADE;
* a service's filter columns, a location's point, confidentiality or town, or a town's point
  changed → the rows concerned updated.

``public_geom`` follows ``webmap.directory.visibility.displayed_geom`` for the public: the exact
point; for a confidential location its town's point, or without a town the point snapped to the
0.1° grid. tests/test_service_point.py checks that both agree.

The partial index ``ix_location_confidential_place_id`` (0003) served the former search, which
reached confidential locations through their towns; the triggers use it to find the
confidential locations of a town whose point moves.
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# The point shown to the public, in SQL over a location row ``l`` and its town ``p`` (outer join).
_PUBLIC_GEOM = "CASE WHEN l.confidential THEN coalesce(p.geom, ST_SnapToGrid(l.geom, 0.1)) ELSE l.geom END"

_ROWS_OF_LINKS = f"""
    SELECT sl.id, sl.service_id, sl.location_id, s.status, s.category, s.needs, s.minimum_age,
           s.maximum_age, s.sexes, l.confidential, l.geom, {_PUBLIC_GEOM}
    FROM {{links}} sl
    JOIN service s ON s.id = sl.service_id
    JOIN location l ON l.id = sl.location_id
    LEFT JOIN place p ON p.id = l.place_id
"""

_COLUMNS = ("id, service_id, location_id, status, category, needs, minimum_age, maximum_age, sexes, "
            "confidential, geom, public_geom")

FUNCTIONS = f"""
CREATE FUNCTION service_point_links_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO service_point ({_COLUMNS})
    {_ROWS_OF_LINKS.format(links="new_links")};
    RETURN NULL;
END $$;

CREATE FUNCTION service_point_links_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM service_point sp USING old_links o WHERE sp.id = o.id;
    INSERT INTO service_point ({_COLUMNS})
    {_ROWS_OF_LINKS.format(links="new_links")};
    RETURN NULL;
END $$;

CREATE FUNCTION service_point_service_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE service_point
       SET status = NEW.status, category = NEW.category, needs = NEW.needs,
           minimum_age = NEW.minimum_age, maximum_age = NEW.maximum_age, sexes = NEW.sexes
     WHERE service_id = NEW.id;
    RETURN NULL;
END $$;

CREATE FUNCTION service_point_location_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE service_point sp
       SET confidential = l.confidential, geom = l.geom, public_geom = {_PUBLIC_GEOM}
      FROM location l LEFT JOIN place p ON p.id = l.place_id
     WHERE l.id = NEW.id AND sp.location_id = NEW.id;
    RETURN NULL;
END $$;

CREATE FUNCTION service_point_place_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE service_point sp
       SET public_geom = NEW.geom
      FROM location l
     WHERE l.confidential AND l.place_id = NEW.id AND sp.location_id = l.id;
    RETURN NULL;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER service_point_links_inserted AFTER INSERT ON service_at_location
    REFERENCING NEW TABLE AS new_links
    FOR EACH STATEMENT EXECUTE FUNCTION service_point_links_inserted();

CREATE TRIGGER service_point_links_updated AFTER UPDATE ON service_at_location
    REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links
    FOR EACH STATEMENT EXECUTE FUNCTION service_point_links_updated();

CREATE TRIGGER service_point_service_changed
    AFTER UPDATE OF status, category, needs, minimum_age, maximum_age, sexes ON service
    FOR EACH ROW
    WHEN ((OLD.status, OLD.category, OLD.needs, OLD.minimum_age, OLD.maximum_age, OLD.sexes)
          IS DISTINCT FROM (NEW.status, NEW.category, NEW.needs, NEW.minimum_age, NEW.maximum_age, NEW.sexes))
    EXECUTE FUNCTION service_point_service_changed();

CREATE TRIGGER service_point_location_changed
    AFTER UPDATE OF geom, confidential, place_id ON location
    FOR EACH ROW
    WHEN ((OLD.geom, OLD.confidential, OLD.place_id) IS DISTINCT FROM (NEW.geom, NEW.confidential, NEW.place_id))
    EXECUTE FUNCTION service_point_location_changed();

CREATE TRIGGER service_point_place_moved
    AFTER UPDATE OF geom ON place
    FOR EACH ROW
    WHEN (OLD.geom IS DISTINCT FROM NEW.geom)
    EXECUTE FUNCTION service_point_place_moved();
"""


def upgrade() -> None:
    op.create_table(
        "service_point",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("location_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("needs", sa.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("minimum_age", sa.Integer(), nullable=True),
        sa.Column("maximum_age", sa.Integer(), nullable=True),
        sa.Column("sexes", sa.String(length=8), nullable=True),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("geom", Geometry(geometry_type="POINT", srid=4326, spatial_index=False,
                                   from_text="ST_GeomFromEWKT", name="geometry", nullable=False),
                  nullable=False),
        sa.Column("public_geom", Geometry(geometry_type="POINT", srid=4326, spatial_index=False,
                                          from_text="ST_GeomFromEWKT", name="geometry", nullable=False),
                  nullable=False),
        sa.ForeignKeyConstraint(["id"], ["service_at_location.id"], name=op.f("fk_service_point_id_service_at_location"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_point")),
    )
    op.create_index(op.f("ix_service_point_service_id"), "service_point", ["service_id"])
    op.create_index(op.f("ix_service_point_location_id"), "service_point", ["location_id"])
    op.execute(f"INSERT INTO service_point ({_COLUMNS}) {_ROWS_OF_LINKS.format(links='service_at_location')}")
    op.create_index("ix_service_point_geom_active", "service_point", ["geom"], postgresql_using="gist",
                    postgresql_where=sa.text("status = 'active'"))
    op.create_index("ix_service_point_public_geom_active", "service_point", ["public_geom"],
                    postgresql_using="gist", postgresql_where=sa.text("status = 'active'"))
    op.execute(FUNCTIONS)
    op.execute(TRIGGERS)
    op.execute("ANALYZE service_point")


def downgrade() -> None:
    for trigger, table in (
        ("service_point_links_inserted", "service_at_location"),
        ("service_point_links_updated", "service_at_location"),
        ("service_point_service_changed", "service"),
        ("service_point_location_changed", "location"),
        ("service_point_place_moved", "place"),
    ):
        op.execute(f"DROP TRIGGER {trigger} ON {table}")
        op.execute(f"DROP FUNCTION {trigger}()")
    op.drop_table("service_point")
