"""Throttling of sign-in attempts, per account and per address, kept in the database.

The attempts live in ``login_attempt`` so every gunicorn worker (and every server) sees the same
counts. After ``MAX_FAILURES_PER_ACCOUNT`` failed attempts on one e-mail address within
``WINDOW`` (since its last success), or ``MAX_FAILURES_PER_IP`` from one address, further
attempts are refused — without checking the password — until the oldest counted failure leaves
the window. Times are the database's, so servers with skewed clocks agree.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from ..models import LoginAttempt

WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_IP = 20
KEEP = dt.timedelta(days=1)


def _locked_until(session: Session, condition: ColumnElement[bool], limit: int) -> dt.datetime | None:
    """When the ``limit``-th most recent failure matching ``condition`` leaves the window."""
    oldest_counted = session.scalar(
        select(LoginAttempt.attempted_at)
        .where(
            condition,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.attempted_at > func.clock_timestamp() - WINDOW,
        )
        .order_by(LoginAttempt.attempted_at.desc(), LoginAttempt.id.desc())
        .offset(limit - 1)
        .limit(1)
    )
    return None if oldest_counted is None else oldest_counted + WINDOW


def retry_after(session: Session, email: str, ip: str) -> dt.timedelta | None:
    """How long this e-mail address or this IP address must wait, or None when it may try."""
    last_success = (
        select(func.max(LoginAttempt.attempted_at))
        .where(LoginAttempt.email == email, LoginAttempt.succeeded.is_(True))
        .scalar_subquery()
    )
    account = (LoginAttempt.email == email) & (
        LoginAttempt.attempted_at > func.coalesce(last_success, func.clock_timestamp() - WINDOW)
    )
    until = [
        t
        for t in (
            _locked_until(session, account, MAX_FAILURES_PER_ACCOUNT),
            _locked_until(session, LoginAttempt.ip == ip, MAX_FAILURES_PER_IP),
        )
        if t is not None
    ]
    if not until:
        return None
    now = session.scalar(select(func.clock_timestamp()))
    wait = max(until) - now
    return wait if wait > dt.timedelta(0) else None


def record(session: Session, email: str, ip: str, succeeded: bool) -> None:
    """Keep this attempt (and forget those older than a day); the caller commits."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < func.clock_timestamp() - KEEP))
    session.add(LoginAttempt(email=email[:250], ip=ip[:64], succeeded=succeeded,
                             attempted_at=func.clock_timestamp()))
    session.flush()
