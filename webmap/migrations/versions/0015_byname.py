"""data_version: a counter of committed writes to the directory, for caches that must follow every write

Revision ID: 0015_byname
Revises: 0014_suggest
Create Date: 2026-12-04 19:00:00

Answers that depend on the directory but not on the request (the "If nobody answers" block of
every referral answer, whom to ask instead of a result without a phone) are kept in memory by each
worker process, keyed by the data version (webmap/dataversion.py). The database keeps the version,
whatever writes (forms, imports, the seed, raw SQL), on ``organization``, ``service``, ``location``,
``service_at_location``, ``phone`` and ``place``:

* ``data_version.version`` is bumped once per transaction that wrote one of them, **when it
  commits** (a deferred constraint trigger, the last thing the transaction does): readers see
  the new version and the new rows at the same moment, and two writers never wait for each other
  on the counter while they work (only for the instant of their commits, so no deadlock);
* within the writing transaction itself (a test, or a request that reads what it has just
  written), every write statement also sets the transaction-local setting ``webmap.data_write``
  to a new value of the sequence ``data_write_seq``; the version a connection reads is the pair
  (committed version, that setting). Rolled back with the transaction or the savepoint, never
  seen by other connections, never reused.

A TRUNCATE (no row trigger can follow it) bumps the counter at once. The functions name their
table and sequence with their schema: they run whatever the search path (pg_restore's is empty).
"""
from alembic import op
import sqlalchemy as sa

revision = "0015_byname"
down_revision = "0014_suggest"
branch_labels = None
depends_on = None

TABLES = ("organization", "service", "location", "service_at_location", "phone", "place")

FUNCTIONS = """
CREATE FUNCTION data_version_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('webmap.data_write', nextval('public.data_write_seq')::text, true);
    RETURN NULL;
END $$;

CREATE FUNCTION data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('webmap.data_version_bumped', true) IS DISTINCT FROM 'on' THEN
        UPDATE public.data_version SET version = version + 1, changed_at = now();
        PERFORM set_config('webmap.data_version_bumped', 'on', true);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION data_version_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE public.data_version SET version = version + 1, changed_at = now();
    RETURN NULL;
END $$;
"""


def upgrade() -> None:
    op.create_table(
        "data_version",
        sa.Column("id", sa.Boolean(), primary_key=True, server_default=sa.true()),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("id", name="ck_data_version_one_row"),
    )
    op.execute("INSERT INTO data_version DEFAULT VALUES")
    op.execute("CREATE SEQUENCE data_write_seq")
    op.execute(FUNCTIONS)
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
        for trigger in ("data_version_mark", "data_version_bump", "data_version_truncated"):
            op.execute(f"DROP TRIGGER {trigger} ON {table}")
    for function in ("data_version_mark", "data_version_bump", "data_version_truncated"):
        op.execute(f"DROP FUNCTION {function}()")
    op.execute("DROP SEQUENCE data_write_seq")
    op.drop_table("data_version")
