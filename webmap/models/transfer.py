"""Imports: each batch (who, which file, what came of it) and the services it created.

A pending batch keeps the uploaded bytes between the dry run and the confirmation; they are
cleared as soon as the batch is committed or cancelled, and pending batches expire after a day.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, LargeBinary, String, Text, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, new_id

IMPORT_STATUSES = ("pending", "committed", "cancelled")


class ImportBatch(Base):
    __tablename__ = "import_batch"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'committed', 'cancelled')", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[str | None] = mapped_column(String(120))  # the user's id, or "cli"
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(12))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)  # only while pending
    options: Mapped[dict] = mapped_column(JSONB, default=dict)  # mapping, source, candidates...
    status: Mapped[str] = mapped_column(String(12), default="pending")
    report: Mapped[dict | None] = mapped_column(JSONB)  # counts per row status
    committed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ImportedService(Base):
    """A service created by an import, with the row it came from and its id in the source."""

    __tablename__ = "imported_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("import_batch.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    external_ref: Mapped[str | None] = mapped_column(Text, index=True)  # e.g. osm:node/768587513
