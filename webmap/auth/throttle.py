"""Throttling of sign-in attempts with growing delays, kept in the database. Nothing locks an account.

Failed attempts are counted, within ``WINDOW``, for two keys:

* the pair (account, client): the client is the sign-in's address, or — for a known-good
  browser holding the device cookie of that account (``webmap.auth.devices``) — that browser.
  The pair's count restarts at its last success.
* the address alone (every account tried from it), for unknown clients only, so that a known-good
  browser behind the same address (an office's shared connection) is not slowed by a guesser.

Below ``FREE_FAILURES`` (``FREE_FAILURES_PER_ADDRESS``) failures a key may try at once; then each
further attempt waits ``FIRST_DELAY`` after the last failure, doubling with each failure up to
``MAX_DELAY``. An attempt made during the wait is refused without checking the password and is not
counted. So a guesser elsewhere cannot delay the account's owner at all, and the owner typing
the right password after mistakes waits at most ``MAX_DELAY`` — never a lock.

``admit`` takes a transaction-level advisory lock on the attempt's key before counting, held
until the caller commits the attempt's outcome: concurrent attempts on a key are checked one
after the other, so 40 simultaneous wrong passwords check at most ``FREE_FAILURES`` of them.
Attempts live in ``login_attempt`` (a day), shared by every gunicorn worker and server; times
are the database's.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, delete, func, select, text
from sqlalchemy.orm import Session

from ..models import LoginAttempt

WINDOW = dt.timedelta(hours=1)
FREE_FAILURES = 5
FREE_FAILURES_PER_ADDRESS = 20
FIRST_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(minutes=15)
KEEP = dt.timedelta(days=1)

# Lock namespaces (the first key of pg_advisory_xact_lock(int, int)).
_ADDRESS_LOCK, _CLIENT_LOCK = 0x5EB1, 0x5EB2


def delay_after(failures: int, free: int = FREE_FAILURES) -> dt.timedelta:
    """The wait after the last of ``failures`` failures: none below ``free``, then doubling."""
    if failures < free:
        return dt.timedelta(0)
    doublings = min(failures - free, 30)  # beyond, the ceiling is reached anyway (and no overflow)
    return min(MAX_DELAY, FIRST_DELAY * 2**doublings)


def _pair(email: str, ip: str, client: str | None) -> ColumnElement[bool]:
    if client:
        return (LoginAttempt.email == email) & (LoginAttempt.client == client)
    return (LoginAttempt.email == email) & (LoginAttempt.ip == ip) & LoginAttempt.client.is_(None)


def _wait(session: Session, condition: ColumnElement[bool], free: int, since_success: bool):
    """How long the key of ``condition`` must still wait (a timedelta ≤ 0 when it may try)."""
    start = func.clock_timestamp() - WINDOW
    if since_success:
        last_success = (
            select(func.max(LoginAttempt.attempted_at))
            .where(condition, LoginAttempt.succeeded.is_(True))
            .scalar_subquery()
        )
        start = func.greatest(start, func.coalesce(last_success, start))
    failures, last, now = session.execute(
        select(func.count(), func.max(LoginAttempt.attempted_at), func.clock_timestamp())
        .where(condition, LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at > start)
    ).one()
    if failures < free:
        return dt.timedelta(0)
    return last + delay_after(failures, free) - now


def admit(session: Session, email: str, ip: str, client: str | None = None) -> dt.timedelta | None:
    """Lock this attempt's key and say how long it must wait, or None when it may try now.

    ``client`` is the known-good browser's id (None for an unknown client). The lock lasts until
    the caller's transaction ends: record the outcome (``record``) and commit in it.
    """
    if client:
        session.execute(text("SELECT pg_advisory_xact_lock(:ns, hashtext(:key))"),
                        {"ns": _CLIENT_LOCK, "key": f"{email}\n{client}"})
    else:  # the address's lock covers its pairs too
        session.execute(text("SELECT pg_advisory_xact_lock(:ns, hashtext(:key))"),
                        {"ns": _ADDRESS_LOCK, "key": ip})
    waits = [_wait(session, _pair(email, ip, client), FREE_FAILURES, since_success=True)]
    if not client:
        waits.append(_wait(session, (LoginAttempt.ip == ip) & LoginAttempt.client.is_(None),
                           FREE_FAILURES_PER_ADDRESS, since_success=False))
    wait = max(waits)
    return wait if wait > dt.timedelta(0) else None


def record(session: Session, email: str, ip: str, succeeded: bool, client: str | None = None) -> None:
    """Keep this attempt (and forget those older than a day); the caller commits."""
    session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < func.clock_timestamp() - KEEP))
    session.add(LoginAttempt(email=email[:250], ip=ip[:64], client=client, succeeded=succeeded,
                             attempted_at=func.clock_timestamp()))
    session.flush()
