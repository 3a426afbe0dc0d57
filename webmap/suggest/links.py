"""Self-verification links: a structure confirms or corrects its own record without an account.

An admin or an editor of the service's organization makes a link (``make_link``) and sends it
by SMS, WhatsApp or e-mail. The token is 32 random URL-safe characters (192 bits, ``secrets``):
it cannot be guessed, so it needs no signature; only its SHA-256 is stored, so the database
alone does not give working links. A link serves one purpose (``verify``) for one service,
once, for ``LINK_DAYS`` days unless revoked; making a new link for a service revokes the
service's earlier live links (the newest link sent is the one that works).

Opening a link shows the record; the structure then either confirms it (``confirm``:
``assured_date`` today, recorded in the history as verified by the structure itself) or sends
corrections (``correct``: a proposal in the moderation queue). Either uses the link up.

Flask-free: functions take a ``Session`` and the time (``now``, injected by tests) and flush.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import secrets
import uuid
from collections.abc import Iterator

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..auth import roles
from ..directory import service as directory
from ..directory.records import ServiceInput, confirm_service, validate
from ..errors import NotFound, WebmapError
from ..history import audit_context, set_actor
from ..history.recorder import ACTOR_ID, ACTOR_NAME
from ..models import ChangeProposal, Service, VerificationLink

LINK_DAYS = 60
TOKEN_BYTES = 24  # 32 characters in the link
# ``updated_by`` of the history entries written through a link (shown "the structure itself").
STRUCTURE_ITSELF = "structure"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


class LinkRefused(WebmapError):
    """The link cannot be used: ``reason`` is ``unknown``, ``used``, ``revoked`` or ``expired``."""

    def __init__(self, reason: str) -> None:
        super().__init__("verification link refused", {"reason": reason})
        self.reason = reason
        self.status = 404 if reason == "unknown" else 410


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def state(link: VerificationLink, now: dt.datetime | None = None) -> str:
    """``live``, ``used``, ``revoked`` or ``expired``."""
    if link.used_at is not None:
        return "used"
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= (now or utcnow()):
        return "expired"
    return "live"


def make_link(
    session: Session, user, service: Service, now: dt.datetime | None = None, days: int = LINK_DAYS
) -> tuple[VerificationLink, str]:
    """A new link for ``service`` and its token (shown once: only its hash is kept)."""
    if not roles.can_send_verification_links(user, service.organization_id):
        raise directory.PermissionDenied(_("You are not allowed to do this."))
    now = now or utcnow()
    session.execute(
        update(VerificationLink)
        .where(VerificationLink.service_id == service.id, VerificationLink.used_at.is_(None),
               VerificationLink.revoked_at.is_(None), VerificationLink.expires_at > now)
        .values(revoked_at=now, revoked_by=user.id)
        .execution_options(synchronize_session="fetch")
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = VerificationLink(
        service_id=service.id, token_hash=hash_token(token), purpose="verify",
        created_at=now, created_by=user.id, expires_at=now + dt.timedelta(days=days),
    )
    session.add(link)
    session.flush()
    return link, token


def links_of(session: Session, service_id: uuid.UUID) -> list[VerificationLink]:
    return list(session.scalars(
        select(VerificationLink).where(VerificationLink.service_id == service_id)
        .order_by(VerificationLink.created_at.desc())
    ))


def revoke(session: Session, user, link_id: uuid.UUID, now: dt.datetime | None = None) -> VerificationLink:
    link = session.get(VerificationLink, link_id)
    if link is None:
        raise NotFound(_("This link does not exist."), {"id": str(link_id)})
    if not roles.can_send_verification_links(user, link.service.organization_id):
        raise directory.PermissionDenied(_("You are not allowed to do this."))
    if link.revoked_at is None and link.used_at is None:
        link.revoked_at = now or utcnow()
        link.revoked_by = user.id
        session.flush()
    return link


def open_link(
    session: Session, token: str, now: dt.datetime | None = None, lock: bool = False
) -> VerificationLink:
    """The live link of ``token``, or ``LinkRefused`` saying why not. ``lock``: held until the
    transaction ends, so that two clicks at once use the link once."""
    link = None
    if _TOKEN.fullmatch(token or ""):
        stmt = select(VerificationLink).where(VerificationLink.token_hash == hash_token(token))
        link = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if link is None:
        raise LinkRefused("unknown")
    found = state(link, now)
    if found != "live":
        raise LinkRefused(found)
    return link


@contextlib.contextmanager
def _as_the_structure(session: Session) -> Iterator[None]:
    """History entries written meanwhile are the structure's own (no account), whoever is signed in."""
    saved = session.info.get(ACTOR_ID), session.info.get(ACTOR_NAME)
    set_actor(session, None, STRUCTURE_ITSELF)
    try:
        yield
    finally:
        set_actor(session, *saved)


def confirm(session: Session, token: str, now: dt.datetime | None = None) -> Service:
    """"These details are correct": verified today by the structure itself; the link is used up."""
    now = now or utcnow()
    link = open_link(session, token, now, lock=True)
    service = link.service
    with _as_the_structure(session), audit_context(
        session, action="verify", note=_("Confirmed by the structure itself (verification link)")
    ):
        confirm_service(session, service, None, now.date())
    _use(link, now, "confirmed")
    session.flush()
    return service


def correct(session: Session, token: str, data: ServiceInput, now: dt.datetime | None = None) -> ChangeProposal:
    """The structure's corrections, validated like any change, queued for moderation."""
    now = now or utcnow()
    link = open_link(session, token, now, lock=True)
    clean = validate(session, data)  # ValidationFailed lists every problem
    data.phones, data.email = clean["phones"], clean["email"]  # as they would be stored
    proposal = ChangeProposal(
        service_id=link.service_id,
        organization_id=link.service.organization_id,
        kind="correction",
        payload=directory.to_payload(data),
        status="pending",
        proposed_by=None,
    )
    session.add(proposal)
    _use(link, now, "corrected")
    session.flush()
    return proposal


def _use(link: VerificationLink, now: dt.datetime, outcome: str) -> None:
    link.used_at = now
    link.outcome = outcome
