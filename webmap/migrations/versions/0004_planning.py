"""planning: campaign, risk_zone, and the trigger-maintained campaign_unit / _area / _part

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-22 07:30:00

``campaign_unit`` (share of each département a campaign covers), ``campaign_area`` (the campaign
area in the equal-area projection EPSG:6933, with a hash) and ``campaign_part`` (the same cut by
ST_Subdivide, with hashes) are derived from
``campaign.area`` by statement-level triggers, so any writer keeps them right. They make the
coverage table over 10,000 campaigns fast (webmap.planning.analysis, scripts/bench_coverage.py).
If the département boundaries are ever reloaded, ``SELECT planning_derive_campaigns(NULL)``
recomputes every campaign (``webmap planning refresh``).
"""
from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None

THEMES = ("child_trafficking", "birth_registration", "child_labour", "other")
CHANNELS = ("radio", "community_meetings", "schools", "transport_hubs", "border_posts", "markets")
RISK_KINDS = ("cocoa_production", "mining", "border_crossing", "transport_hub", "urban_hotspot", "other")


def _one_of(column: str, codes: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(code) for code in codes)})"


DERIVE_FUNCTION = """
CREATE OR REPLACE FUNCTION planning_derive_campaigns(ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    -- ids NULL: every campaign.
    DELETE FROM campaign_area WHERE ids IS NULL OR campaign_id = ANY (ids);
    DELETE FROM campaign_part WHERE ids IS NULL OR campaign_id = ANY (ids);
    DELETE FROM campaign_unit WHERE ids IS NULL OR campaign_id = ANY (ids);

    -- The whole area in the equal-area projection, and a hash so identical areas count once.
    INSERT INTO campaign_area (campaign_id, h, geom)
    SELECT c.id, md5(ST_AsEWKB(g.g)), g.g
    FROM campaign c
    CROSS JOIN LATERAL (
        SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Transform(c.area, 6933)), 3)) AS g
    ) g
    WHERE (ids IS NULL OR c.id = ANY (ids)) AND NOT ST_IsEmpty(g.g);

    -- The same cut into small parts (ST_Subdivide), each with its hash.
    INSERT INTO campaign_part (campaign_id, h, geom)
    SELECT p.campaign_id, md5(ST_AsEWKB(p.geom)), p.geom
    FROM (
        SELECT a.campaign_id, (ST_Dump(ST_Subdivide(a.geom, 96))).geom AS geom
        FROM campaign_area a WHERE ids IS NULL OR a.campaign_id = ANY (ids)
    ) p;

    -- Overlaps of at least 1 ha (0.01 km²) with each département: shared boundaries are not coverage.
    INSERT INTO campaign_unit (campaign_id, adm2_pcode, overlap_km2, unit_share)
    SELECT c.id, a.pcode, ov.km2, ov.km2 / NULLIF(ST_Area(ST_Transform(a.geom, 6933)) / 1e6, 0)
    FROM campaign c
    JOIN admin_area a ON a.level = 'adm2' AND ST_Intersects(a.geom, c.area)
    CROSS JOIN LATERAL (
        SELECT ST_Area(ST_Intersection(ST_Transform(ST_MakeValid(c.area), 6933),
                                       ST_Transform(a.geom, 6933))) / 1e6 AS km2
    ) ov
    WHERE (ids IS NULL OR c.id = ANY (ids)) AND ov.km2 >= 0.01;
END;
$$;
"""

TRIGGER_FUNCTIONS = """
CREATE OR REPLACE FUNCTION planning_campaign_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM planning_derive_campaigns(ARRAY(SELECT id FROM new_rows));
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION planning_campaign_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed uuid[];
BEGIN
    changed := ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.area IS DISTINCT FROM o.area
    );
    IF cardinality(changed) > 0 THEN
        PERFORM planning_derive_campaigns(changed);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER campaign_derive_insert AFTER INSERT ON campaign
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION planning_campaign_inserted();

CREATE TRIGGER campaign_derive_update AFTER UPDATE ON campaign
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION planning_campaign_updated();
"""


def upgrade() -> None:
    op.create_geospatial_table(
        "campaign",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("organization", sa.String(length=250), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("theme", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("people_reached", sa.Integer(), nullable=True),
        sa.Column("target_groups", sa.ARRAY(sa.String(length=120)), nullable=False),
        sa.Column("area_pcodes", sa.ARRAY(sa.String(length=16)), nullable=False),
        sa.Column(
            "area",
            Geometry(geometry_type="MULTIPOLYGON", srid=4326, dimension=2, spatial_index=False,
                     from_text="ST_GeomFromEWKT", name="geometry", nullable=False),
            nullable=False,
        ),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(_one_of("theme", THEMES), name=op.f("ck_campaign_theme")),
        sa.CheckConstraint(_one_of("channel", CHANNELS), name=op.f("ck_campaign_channel")),
        sa.CheckConstraint("start_date <= end_date", name=op.f("ck_campaign_period")),
        sa.CheckConstraint(
            "people_reached IS NULL OR people_reached >= 0", name=op.f("ck_campaign_people_reached")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"],
            name=op.f("fk_campaign_organization_id_organization"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    op.create_geospatial_index(
        "idx_campaign_area", "campaign", ["area"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_index(op.f("ix_campaign_organization_id"), "campaign", ["organization_id"], unique=False)
    op.create_index(op.f("ix_campaign_is_demo"), "campaign", ["is_demo"], unique=False)
    op.create_index("ix_campaign_period", "campaign", ["start_date", "end_date"], unique=False)

    op.create_geospatial_table(
        "risk_zone",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=True),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column(
            "area",
            Geometry(geometry_type="MULTIPOLYGON", srid=4326, dimension=2, spatial_index=False,
                     from_text="ST_GeomFromEWKT", name="geometry", nullable=False),
            nullable=False,
        ),
        sa.Column("admin_level", sa.String(length=8), nullable=True),
        sa.Column("admin_pcode", sa.String(length=16), nullable=True),
        sa.Column("criterion", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("is_reference", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(_one_of("kind", RISK_KINDS), name=op.f("ck_risk_zone_kind")),
        sa.CheckConstraint("level IN (1, 2, 3)", name=op.f("ck_risk_zone_level")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_zone")),
        sa.UniqueConstraint("key", name=op.f("uq_risk_zone_key")),
    )
    op.create_geospatial_index(
        "idx_risk_zone_area", "risk_zone", ["area"], unique=False, postgresql_using="gist", postgresql_ops={}
    )
    op.create_index(op.f("ix_risk_zone_kind"), "risk_zone", ["kind"], unique=False)

    op.create_table(
        "campaign_unit",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("adm2_pcode", sa.String(length=16), nullable=False),
        sa.Column("overlap_km2", sa.Float(), nullable=False),
        sa.Column("unit_share", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"],
            name=op.f("fk_campaign_unit_campaign_id_campaign"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "adm2_pcode", name=op.f("pk_campaign_unit")),
    )
    op.create_index(op.f("ix_campaign_unit_adm2_pcode"), "campaign_unit", ["adm2_pcode"], unique=False)

    op.create_geospatial_table(
        "campaign_part",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("h", sa.String(length=32), nullable=False),
        sa.Column(
            "geom",
            Geometry(geometry_type="POLYGON", srid=6933, dimension=2, spatial_index=False,
                     from_text="ST_GeomFromEWKT", name="geometry", nullable=False),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"],
            name=op.f("fk_campaign_part_campaign_id_campaign"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_part")),
    )
    op.create_geospatial_index(
        "idx_campaign_part_geom", "campaign_part", ["geom"], unique=False,
        postgresql_using="gist", postgresql_ops={},
    )
    op.create_index(op.f("ix_campaign_part_campaign_id"), "campaign_part", ["campaign_id"], unique=False)

    op.create_geospatial_table(
        "campaign_area",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("h", sa.String(length=32), nullable=False),
        sa.Column(
            "geom",
            Geometry(geometry_type="MULTIPOLYGON", srid=6933, dimension=2, spatial_index=False,
                     from_text="ST_GeomFromEWKT", name="geometry", nullable=False),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"],
            name=op.f("fk_campaign_area_campaign_id_campaign"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_campaign_area")),
    )
    op.create_geospatial_index(
        "idx_campaign_area_geom", "campaign_area", ["geom"], unique=False,
        postgresql_using="gist", postgresql_ops={},
    )

    op.execute(DERIVE_FUNCTION)
    op.execute(TRIGGER_FUNCTIONS)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS campaign_derive_update ON campaign")
    op.execute("DROP TRIGGER IF EXISTS campaign_derive_insert ON campaign")
    op.execute("DROP FUNCTION IF EXISTS planning_campaign_updated()")
    op.execute("DROP FUNCTION IF EXISTS planning_campaign_inserted()")
    op.execute("DROP FUNCTION IF EXISTS planning_derive_campaigns(uuid[])")
    op.drop_geospatial_index(
        "idx_campaign_area_geom", table_name="campaign_area", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("campaign_area")
    op.drop_index(op.f("ix_campaign_part_campaign_id"), table_name="campaign_part")
    op.drop_geospatial_index(
        "idx_campaign_part_geom", table_name="campaign_part", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("campaign_part")
    op.drop_index(op.f("ix_campaign_unit_adm2_pcode"), table_name="campaign_unit")
    op.drop_table("campaign_unit")
    op.drop_index(op.f("ix_risk_zone_kind"), table_name="risk_zone")
    op.drop_geospatial_index(
        "idx_risk_zone_area", table_name="risk_zone", postgresql_using="gist", column_name="area"
    )
    op.drop_geospatial_table("risk_zone")
    op.drop_index("ix_campaign_period", table_name="campaign")
    op.drop_index(op.f("ix_campaign_is_demo"), table_name="campaign")
    op.drop_index(op.f("ix_campaign_organization_id"), table_name="campaign")
    op.drop_geospatial_index(
        "idx_campaign_area", table_name="campaign", postgresql_using="gist", column_name="area"
    )
    op.drop_geospatial_table("campaign")
