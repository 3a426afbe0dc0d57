"""sign-in sessions kept on the server (user_session); login_attempt.client (known-good browser)

Revision ID: 0009_auth
Revises: 0008
Create Date: 2026-12-04 04:00:00

A session cookie now names a row of ``user_session`` (by the SHA-256 of its random token); signing
out, changing a password, a role or deactivating an account deletes rows, so a copied cookie stops
working. Cookies of the former kind (``user id:password fingerprint``) name no row: everyone signs
in again once.
"""
from alembic import op
import sqlalchemy as sa

revision = "0009_auth"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_user_session_user_id_app_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_session_token_hash")),
    )
    op.create_index(op.f("ix_user_session_user_id"), "user_session", ["user_id"], unique=False)
    op.create_index(op.f("ix_user_session_expires_at"), "user_session", ["expires_at"], unique=False)
    op.add_column("login_attempt", sa.Column("client", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("login_attempt", "client")
    op.drop_index(op.f("ix_user_session_expires_at"), table_name="user_session")
    op.drop_index(op.f("ix_user_session_user_id"), table_name="user_session")
    op.drop_table("user_session")
