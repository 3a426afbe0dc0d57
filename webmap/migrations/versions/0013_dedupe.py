"""service.merged_into: a record merged into another one; the history's "merge" action

Revision ID: 0013_dedupe
Revises: 0012_schedule
Create Date: 2026-12-04 19:00:00

When an administrator merges two records of the same structure (webmap/directory/merge.py), the
record that does not survive keeps its row and its history, points at the survivor through
``merged_into``, loses its links to places and is left out of every list; its old address
redirects to the survivor (301). The history gains the ``merge`` action type.
"""
from alembic import op
import sqlalchemy as sa

revision = "0013_dedupe"
down_revision = "0012_schedule"
branch_labels = None
depends_on = None

_BEFORE = ("create", "update", "delete", "deactivate", "reactivate", "verify", "revert", "approve")
_AFTER = (*_BEFORE, "merge")


def _action_check(codes: tuple[str, ...]) -> str:
    return "last_action_type IN (" + ", ".join(f"'{c}'" for c in codes) + ")"


def upgrade() -> None:
    op.add_column("service", sa.Column("merged_into", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_service_merged_into_service"), "service", "service", ["merged_into"], ["id"]
    )
    op.create_index(op.f("ix_service_merged_into"), "service", ["merged_into"])
    op.drop_constraint(op.f("ck_audit_entry_action_type"), "audit_entry", type_="check")
    op.create_check_constraint(op.f("ck_audit_entry_action_type"), "audit_entry", _action_check(_AFTER))


def downgrade() -> None:
    op.execute("DELETE FROM audit_entry WHERE last_action_type = 'merge'")
    op.drop_constraint(op.f("ck_audit_entry_action_type"), "audit_entry", type_="check")
    op.create_check_constraint(op.f("ck_audit_entry_action_type"), "audit_entry", _action_check(_BEFORE))
    op.drop_index(op.f("ix_service_merged_into"), table_name="service")
    op.drop_constraint(op.f("fk_service_merged_into_service"), "service", type_="foreignkey")
    op.drop_column("service", "merged_into")
