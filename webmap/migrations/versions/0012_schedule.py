"""schedule and language: opening hours and languages of a service (HSDS 3 names)

Revision ID: 0012_schedule
Revises: 0011_restorable_triggers
Create Date: 2026-12-04 19:00:00

``schedule``: one weekly range per row (``freq`` WEEKLY, ``byday`` MO,TU,…, ``opens_at``,
``closes_at``, Africa/Abidjan time; a ``closes_at`` not after ``opens_at`` closes the next day).
``language``: the languages a service is offered in, by French name with its ISO 639-3 code
where one exists. No row: not known. See webmap/directory/hours.py and languages.py.
"""
from alembic import op
import sqlalchemy as sa

revision = "0012_schedule"
down_revision = "0011_restorable_triggers"
branch_labels = None
depends_on = None

_BYDAY = "(MO|TU|WE|TH|FR|SA|SU)"


def upgrade() -> None:
    op.create_table(
        "schedule",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("freq", sa.String(length=8), nullable=False),
        sa.Column("byday", sa.String(length=20), nullable=False),
        sa.Column("opens_at", sa.Time(), nullable=False),
        sa.Column("closes_at", sa.Time(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.CheckConstraint("freq = 'WEEKLY'", name=op.f("ck_schedule_freq")),
        sa.CheckConstraint(f"byday ~ '^{_BYDAY}(,{_BYDAY})*$'", name=op.f("ck_schedule_byday")),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], name=op.f("fk_schedule_service_id_service"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule")),
    )
    op.create_index(op.f("ix_schedule_service_id"), "schedule", ["service_id"])
    op.create_table(
        "language",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=3), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], name=op.f("fk_language_service_id_service"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_language")),
        sa.UniqueConstraint("service_id", "name", name="uq_language_service_name"),
    )
    op.create_index(op.f("ix_language_service_id"), "language", ["service_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_language_service_id"), table_name="language")
    op.drop_table("language")
    op.drop_index(op.f("ix_schedule_service_id"), table_name="schedule")
    op.drop_table("schedule")
