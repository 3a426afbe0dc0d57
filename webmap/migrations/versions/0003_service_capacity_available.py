"""service: places available now (0 = known to be full) and its date; index for confidential places

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-22 07:00:00

Named after HSDS 3 ``service_capacity.available`` / ``updated``. NULL means not known, which the
referral search treats as "not known to be full" (never as full, never as available).

The partial index lets the public nearest search reach confidential locations through their
town (the point the public is shown) without scanning every location (webmap/referral/nearest.py).
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("service", sa.Column("capacity_available", sa.Integer(), nullable=True))
    op.add_column("service", sa.Column("capacity_available_updated", sa.Date(), nullable=True))
    op.create_check_constraint(
        op.f("ck_service_capacity_available"),
        "service",
        "capacity_available IS NULL OR capacity_available >= 0",
    )
    op.create_index(
        "ix_location_confidential_place_id",
        "location",
        ["place_id"],
        postgresql_where=sa.text("confidential"),
    )


def downgrade() -> None:
    op.drop_index("ix_location_confidential_place_id", table_name="location")
    op.drop_constraint(op.f("ck_service_capacity_available"), "service", type_="check")
    op.drop_column("service", "capacity_available_updated")
    op.drop_column("service", "capacity_available")
