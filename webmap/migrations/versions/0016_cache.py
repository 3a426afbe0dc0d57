"""data_version follows every table a public answer is read from, not the directory's alone

Revision ID: 0016_cache
Revises: 0015_byname
Create Date: 2026-12-04 23:15:00

The public GET answers carry an ETag derived from the data version (webmap/httpcache.py), and
the printed maps are kept on disk by it (webmap/export/cache.py): the version must change with
every write a public answer can show. 0015 counted the directory's tables; the campaigns, the
at-risk zones, the administrative areas, opening hours, languages and the reference datasets'
descriptions also reach public answers (``/api/v1/campaigns``, ``/api/v1/risk-zones``,
``/api/v1/admin-areas``, coverage, OGC collections, printed maps). The same three triggers of
0015 (mark the writing transaction, bump at commit, bump at TRUNCATE) are added to them.
``campaign_area`` and ``campaign_part`` are left out: triggers on ``campaign`` write them, in
the transaction that wrote the campaign (as ``service_point`` follows the directory's tables).
"""
from alembic import op

revision = "0016_cache"
down_revision = "0015_byname"
branch_labels = None
depends_on = None

TABLES = (
    "schedule",
    "language",
    "admin_area",
    "reference_dataset",
    "campaign",
    "campaign_unit",
    "risk_zone",
)
TRIGGERS = ("data_version_mark", "data_version_bump", "data_version_truncated")


def upgrade() -> None:
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER data_version_mark AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION data_version_mark()"
        )
        op.execute(
            f"CREATE CONSTRAINT TRIGGER data_version_bump AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION data_version_bump()"
        )
        op.execute(
            f"CREATE TRIGGER data_version_truncated AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION data_version_truncated()"
        )


def downgrade() -> None:
    for table in TABLES:
        for trigger in TRIGGERS:
            op.execute(f"DROP TRIGGER {trigger} ON {table}")
