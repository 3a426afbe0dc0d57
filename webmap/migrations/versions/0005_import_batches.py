"""imports: import_batch (who imported which file, pending uploads) and imported_service

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-22 07:30:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("format", sa.String(length=12), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("options", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("report", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'committed', 'cancelled')", name=op.f("ck_import_batch_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
    )
    op.create_table(
        "imported_service",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("external_ref", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["import_batch.id"], name=op.f("fk_imported_service_batch_id_import_batch"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], name=op.f("fk_imported_service_service_id_service"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_service")),
    )
    op.create_index(op.f("ix_imported_service_batch_id"), "imported_service", ["batch_id"], unique=False)
    op.create_index(op.f("ix_imported_service_service_id"), "imported_service", ["service_id"], unique=False)
    op.create_index(op.f("ix_imported_service_external_ref"), "imported_service", ["external_ref"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_imported_service_external_ref"), table_name="imported_service")
    op.drop_index(op.f("ix_imported_service_service_id"), table_name="imported_service")
    op.drop_index(op.f("ix_imported_service_batch_id"), table_name="imported_service")
    op.drop_table("imported_service")
    op.drop_table("import_batch")
