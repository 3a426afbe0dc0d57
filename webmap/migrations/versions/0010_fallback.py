"""service.fallback_contact: the national contacts every referral answer offers when nobody answers

Revision ID: 0010_fallback
Revises: 0009_auth
Create Date: 2026-12-04 05:00:00

A service flagged ``fallback_contact`` (the child helpline 116, the national coordination focal
points) is listed under "If nobody answers" in every referral answer: the API's ``fallback``
member, the /referral page and the printable sheet (webmap/directory/fallback.py). A small
partial index finds them without reading the whole table.
"""
from alembic import op
import sqlalchemy as sa

revision = "0010_fallback"
down_revision = "0009_auth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "service",
        sa.Column("fallback_contact", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index(
        "ix_service_fallback_contact",
        "service",
        ["id"],
        postgresql_where=sa.text("fallback_contact"),
    )


def downgrade() -> None:
    op.drop_index("ix_service_fallback_contact", table_name="service")
    op.drop_column("service", "fallback_contact")
