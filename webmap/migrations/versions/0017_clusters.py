"""service_cluster: counts of services per grid cell and zoom level, kept by triggers, for the map

Revision ID: 0017_clusters
Revises: 0016_cache
Create Date: 2026-12-04 23:20:00

The map's services layer (``GET /api/v1/services/clusters``, webmap/directory/clusters.py)
shows, when a view holds too many services to draw one by one, one cluster per grid cell with
its count. Grouping a million points on each request costs far too much, so the database keeps
the groups: for each zoom level 5..14 (cell = 360° / 2^(zoom + 2), 64 px on the map), each cell
(``ix = floor(lon / cell)``, ``iy = floor(lat / cell)``), category and status, the number of
service locations and the sums of their longitudes and latitudes (the cluster is drawn at their
mean). Two sets of rows: ``exact = false`` from ``service_point.public_geom`` (the point the
public is shown: a confidential shelter counts at its town, never at its true position),
``exact = true`` from ``service_point.geom`` (signed-in staff).

Statement-level triggers on ``service_point`` (itself kept by the triggers of 0007) add what a
statement inserts and subtract what it deletes (an UPDATE: both), grouped, in key order. A count
that falls to 0 stays as a row with ``n = 0`` (readers skip them) and its sums reset to 0. A
TRUNCATE of ``service_point`` empties the table. pg_restore loads both tables' rows before it
creates the triggers, so a restore copies the counts as they were.
"""
from alembic import op
import sqlalchemy as sa

revision = "0017_clusters"
down_revision = "0016_cache"
branch_labels = None
depends_on = None

MIN_ZOOM, MAX_ZOOM = 5, 14  # webmap.directory.clusters reads the same levels

# ``{rows}``: a set of service_point rows with a ``sign`` column (+1 added, -1 removed).
_UPSERT = f"""
    INSERT INTO service_cluster AS c (exact, zoom, ix, iy, category, status, n, sum_lon, sum_lat)
    SELECT e.exact, z.zoom, floor(ST_X(e.g) / z.size)::int, floor(ST_Y(e.g) / z.size)::int,
           t.category, t.status, sum(t.sign), sum(t.sign * ST_X(e.g)), sum(t.sign * ST_Y(e.g))
    FROM ({{rows}}) t
    CROSS JOIN LATERAL (VALUES (true, t.geom), (false, t.public_geom)) e(exact, g)
    CROSS JOIN (SELECT zoom::smallint AS zoom, 360.0::float8 / 2 ^ (zoom + 2) AS size
                FROM generate_series({MIN_ZOOM}, {MAX_ZOOM}) zoom) z
    GROUP BY 1, 2, 3, 4, 5, 6
    ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (exact, zoom, ix, iy, category, status) DO UPDATE
       SET n = c.n + excluded.n,
           sum_lon = CASE WHEN c.n + excluded.n = 0 THEN 0 ELSE c.sum_lon + excluded.sum_lon END,
           sum_lat = CASE WHEN c.n + excluded.n = 0 THEN 0 ELSE c.sum_lat + excluded.sum_lat END
"""

_ADDED = "SELECT 1 AS sign, category, status, geom, public_geom FROM new_points"
_REMOVED = "SELECT -1 AS sign, category, status, geom, public_geom FROM old_points"

FUNCTIONS = f"""
CREATE FUNCTION service_cluster_inserted() RETURNS trigger LANGUAGE plpgsql
    SET search_path = public AS $$
BEGIN
    {_UPSERT.format(rows=_ADDED)};
    RETURN NULL;
END $$;

CREATE FUNCTION service_cluster_deleted() RETURNS trigger LANGUAGE plpgsql
    SET search_path = public AS $$
BEGIN
    {_UPSERT.format(rows=_REMOVED)};
    RETURN NULL;
END $$;

CREATE FUNCTION service_cluster_updated() RETURNS trigger LANGUAGE plpgsql
    SET search_path = public AS $$
BEGIN
    {_UPSERT.format(rows=_ADDED + " UNION ALL " + _REMOVED)};
    RETURN NULL;
END $$;

CREATE FUNCTION service_cluster_truncated() RETURNS trigger LANGUAGE plpgsql
    SET search_path = public AS $$
BEGIN
    DELETE FROM service_cluster;
    RETURN NULL;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER service_cluster_inserted AFTER INSERT ON service_point
    REFERENCING NEW TABLE AS new_points
    FOR EACH STATEMENT EXECUTE FUNCTION service_cluster_inserted();

CREATE TRIGGER service_cluster_deleted AFTER DELETE ON service_point
    REFERENCING OLD TABLE AS old_points
    FOR EACH STATEMENT EXECUTE FUNCTION service_cluster_deleted();

CREATE TRIGGER service_cluster_updated AFTER UPDATE ON service_point
    REFERENCING OLD TABLE AS old_points NEW TABLE AS new_points
    FOR EACH STATEMENT EXECUTE FUNCTION service_cluster_updated();

CREATE TRIGGER service_cluster_truncated AFTER TRUNCATE ON service_point
    FOR EACH STATEMENT EXECUTE FUNCTION service_cluster_truncated();
"""

_NAMES = ("inserted", "deleted", "updated", "truncated")


def upgrade() -> None:
    op.create_table(
        "service_cluster",
        sa.Column("exact", sa.Boolean(), nullable=False),
        sa.Column("zoom", sa.SmallInteger(), nullable=False),
        sa.Column("ix", sa.Integer(), nullable=False),
        sa.Column("iy", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("sum_lon", sa.Float(precision=53), nullable=False),
        sa.Column("sum_lat", sa.Float(precision=53), nullable=False),
        sa.PrimaryKeyConstraint("exact", "zoom", "ix", "iy", "category", "status", name=op.f("pk_service_cluster")),
    )
    op.execute(FUNCTIONS)
    # The rows already there, as the insert trigger would have added them.
    op.execute(_UPSERT.format(rows=_ADDED.replace("new_points", "service_point")))
    op.execute(TRIGGERS)
    op.execute("ANALYZE service_cluster")


def downgrade() -> None:
    for name in _NAMES:
        op.execute(f"DROP TRIGGER service_cluster_{name} ON service_point")
        op.execute(f"DROP FUNCTION service_cluster_{name}()")
    op.drop_table("service_cluster")
