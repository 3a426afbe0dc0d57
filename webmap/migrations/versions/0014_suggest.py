"""Public suggestions in the moderation queue, and self-verification links

Revision ID: 0014_suggest
Revises: 0013_dedupe
Create Date: 2026-12-04 19:00:00

``change_proposal`` also holds what people without an account send (webmap.suggest): a public
report of an error on a structure (``report``), a proposed new structure (``new``: no service
yet, so ``service_id`` and ``organization_id`` may be empty) and the corrections a structure sent
through its verification link (``correction``).

``verification_link``: a structure's link to confirm or correct its record without an account;
only the SHA-256 of its random token is stored.
"""
from alembic import op
import sqlalchemy as sa

revision = "0014_suggest"
down_revision = "0013_dedupe"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('edit', 'deactivate')"
NEW_KINDS = "kind IN ('edit', 'deactivate', 'report', 'new', 'correction')"


def upgrade() -> None:
    op.drop_constraint(op.f("ck_change_proposal_kind"), "change_proposal", type_="check")
    op.create_check_constraint(op.f("ck_change_proposal_kind"), "change_proposal", NEW_KINDS)
    op.alter_column("change_proposal", "service_id", existing_type=sa.Uuid(), nullable=True)
    op.alter_column("change_proposal", "organization_id", existing_type=sa.Uuid(), nullable=True)
    op.create_table(
        "verification_link",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.Uuid(), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=True),
        sa.CheckConstraint("purpose = 'verify'", name=op.f("ck_verification_link_purpose")),
        sa.CheckConstraint("outcome IS NULL OR outcome IN ('confirmed', 'corrected')",
                           name=op.f("ck_verification_link_outcome")),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], name=op.f("fk_verification_link_service_id_service"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"],
                                name=op.f("fk_verification_link_created_by_app_user"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["revoked_by"], ["app_user.id"],
                                name=op.f("fk_verification_link_revoked_by_app_user"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_verification_link_token_hash")),
    )
    op.create_index(op.f("ix_verification_link_service_id"), "verification_link", ["service_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_verification_link_service_id"), table_name="verification_link")
    op.drop_table("verification_link")
    # Suggestions have no place in the older schema: they go with it.
    op.execute("DELETE FROM change_proposal WHERE kind IN ('report', 'new', 'correction')")
    op.alter_column("change_proposal", "organization_id", existing_type=sa.Uuid(), nullable=False)
    op.alter_column("change_proposal", "service_id", existing_type=sa.Uuid(), nullable=False)
    op.drop_constraint(op.f("ck_change_proposal_kind"), "change_proposal", type_="check")
    op.create_check_constraint(op.f("ck_change_proposal_kind"), "change_proposal", OLD_KINDS)
