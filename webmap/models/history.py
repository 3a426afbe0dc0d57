"""Change history in the Open Referral HSDS ``metadata`` shape, and change proposals.

``AuditEntry`` is one field of one record changed once: ``resource_id``/``resource_type`` (the
table), ``last_action_date``, ``last_action_type``, ``field_name``, ``previous_value``,
``replacement_value`` and ``updated_by`` are HSDS's fields. Our additions: ``change_id`` groups
the entries written by one transaction, ``parent_id`` ties a phone or a service-at-location to its
service, ``actor_id`` is the account, ``reverts_id`` the entry a revert undid. Values are text
(see ``webmap.history.codec``) so that any column can be restored exactly.

``ChangeProposal`` is the moderation queue: an editor's change to another organization's service,
waiting for an admin (kinds ``edit``, ``deactivate``: ``payload`` is a ServiceInput), and what people
without an account send (0014_suggest): a public report of an error on a service (``report``) or a
proposed new structure (``new``, no service yet), whose ``payload`` holds the form's text as typed,
and corrections a structure sent through its verification link (``correction``: a ServiceInput).

``VerificationLink`` is a structure's self-verification link: a random token, stored hashed.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, String, Text, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .accounts import AppUser
from .base import Base, Timestamped, new_id
from .directory import Service

ACTION_TYPES = ("create", "update", "delete", "deactivate", "reactivate", "verify", "revert", "approve", "merge")
PROPOSAL_STATUSES = ("pending", "approved", "rejected")
PROPOSAL_KINDS = ("edit", "deactivate", "report", "new", "correction")
# Sent without an account (webmap.suggest): decided by admins and the service's organization's editors.
SUGGESTION_KINDS = ("report", "new", "correction")
LINK_OUTCOMES = ("confirmed", "corrected")


def _one_of(column: str, codes: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{c}'" for c in codes) + ")"


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_resource", "resource_type", "resource_id"),
        CheckConstraint(_one_of("last_action_type", ACTION_TYPES), name="action_type"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    change_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    resource_id: Mapped[str] = mapped_column(String(64))
    resource_type: Mapped[str] = mapped_column(String(64))
    parent_id: Mapped[str | None] = mapped_column(String(64), index=True)
    last_action_date: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_action_type: Mapped[str] = mapped_column(String(16))
    field_name: Mapped[str] = mapped_column(String(64))
    previous_value: Mapped[str | None] = mapped_column(Text)
    replacement_value: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(250))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    reverts_id: Mapped[int | None] = mapped_column(ForeignKey("audit_entry.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)


class ChangeProposal(Timestamped, Base):
    __tablename__ = "change_proposal"
    __table_args__ = (
        CheckConstraint(_one_of("status", PROPOSAL_STATUSES), name="status"),
        CheckConstraint(_one_of("kind", PROPOSAL_KINDS), name="kind"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    # None for a proposed new structure (kind ``new``) until it is accepted.
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organization.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="edit")
    payload: Mapped[dict] = mapped_column(JSONB)  # a ServiceInput, as JSON
    status: Mapped[str] = mapped_column(String(12), default="pending")
    proposed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service | None] = relationship()
    proposer: Mapped[AppUser | None] = relationship(foreign_keys=[proposed_by])
    decider: Mapped[AppUser | None] = relationship(foreign_keys=[decided_by])


class VerificationLink(Base):
    """A link a structure opens without an account to confirm or correct its record.

    Only the SHA-256 of the token is stored (``token_hash``): the link itself is shown once, when
    it is made. Single purpose (``purpose`` is always ``verify``), one service, usable once
    (``used_at``, ``outcome``) until ``expires_at`` unless ``revoked_at``.
    """

    __tablename__ = "verification_link"
    __table_args__ = (
        CheckConstraint("purpose = 'verify'", name="purpose"),
        CheckConstraint("outcome IS NULL OR " + _one_of("outcome", LINK_OUTCOMES), name="outcome"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16), default="verify")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(12))

    service: Mapped[Service] = relationship()
    creator: Mapped[AppUser | None] = relationship(foreign_keys=[created_by])
