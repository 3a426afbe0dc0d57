"""Accounts: staff users, the organizations they edit for, their sign-in sessions, login attempts.

The public has no account. Roles are plain codes (labels live in ``webmap.auth.roles``):

* ``admin`` — everything, manages users and organizations;
* ``editor`` — edits the services and locations of their own organization(s);
* ``referral`` — referral staff: reads confidential details, writes nothing.

Sessions and login attempts are kept in the database, not in process memory, so a sign-out
and the throttle hold across every gunicorn worker (``webmap.auth.sessions``, ``.throttle``).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    String,
    Table,
    Uuid,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Timestamped, new_id
from .directory import Organization

USER_ROLES = ("admin", "editor", "referral")

user_organization = Table(
    "user_organization",
    Base.metadata,
    Column("user_id", ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True),
    Column("organization_id", ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class AppUser(Timestamped, Base):
    """A signed-in person. ``email`` is stored lower-case; the password only as a salted hash."""

    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint("role IN (" + ", ".join(f"'{r}'" for r in USER_ROLES) + ")", name="role"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(250), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    organizations: Mapped[list[Organization]] = relationship(
        secondary=user_organization, order_by=Organization.name
    )

    # Flask-Login's user protocol, without importing Flask into the models.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def is_anonymous(self) -> bool:
        return False

    # The sign-in session this object was loaded for or opened with (``webmap.auth.sessions``):
    # not a column, set per request. Flask-Login keeps it in the cookie as the user's id.
    session_token = None

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def organization_ids(self) -> set[uuid.UUID]:
        return {org.id for org in self.organizations}


class UserSession(Base):
    """A signed-in browser: the cookie holds a random token, the table only its SHA-256.

    Deleting the row signs the browser out, whatever cookie it still holds.
    """

    __tablename__ = "user_session"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class LoginAttempt(Base):
    """One attempt to sign in, kept for a day to throttle guessing per account and per address."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_email_attempted_at", "email", "attempted_at"),
        Index("ix_login_attempt_ip_attempted_at", "ip", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(250))  # as typed, lower-cased
    ip: Mapped[str] = mapped_column(String(64))
    # The known-good browser it came from (the device cookie's id, ``webmap.auth.devices``).
    client: Mapped[str | None] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    attempted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
