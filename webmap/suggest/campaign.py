"""Verification campaigns: the stale structures of an organization or a région, with their links.

The list is the directory's verification queue (never verified, or not for
``directory.query.STALE_AFTER_DAYS`` days), narrowed to what the user may send links for. Since
only the hashes of tokens are kept, a link is shown when it is made: ``make_links`` makes one
per listed structure (revoking the earlier ones) for the page or the CSV of mass messaging.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..auth import roles
from ..directory import service as directory
from ..models import Phone, VerificationLink
from ..spreadsheet import safe_row
from . import links


@dataclass
class CampaignRow:
    item: directory.QueueItem
    phones: list[str]
    last_link: VerificationLink | None  # the newest link made for it
    token: str | None = None  # a link made just now


def organization_scope(user, organization_id: uuid.UUID | None) -> list[uuid.UUID] | None:
    """The organizations whose structures ``user`` may send links for (None: every one)."""
    if organization_id is not None:
        if not roles.can_send_verification_links(user, organization_id):
            raise directory.PermissionDenied(_("You are not allowed to do this."))
        return [organization_id]
    if roles.is_admin(user):
        return None
    return list(user.organization_ids)


def stale_rows(
    session: Session, user, organization_id: uuid.UUID | None = None, region: str | None = None,
    today: dt.date | None = None,
) -> list[CampaignRow]:
    items = directory.verification_queue(session, organization_scope(user, organization_id), today, region)
    ids = [item.service.id for item in items]
    phones: dict[uuid.UUID, list[str]] = {i: [] for i in ids}
    latest: dict[uuid.UUID, VerificationLink] = {}
    if ids:
        for service_id, number in session.execute(
            select(Phone.service_id, Phone.number).where(Phone.service_id.in_(ids)).order_by(Phone.number)
        ):
            phones[service_id].append(number)
        newest = (
            select(VerificationLink.service_id, func.max(VerificationLink.created_at).label("at"))
            .where(VerificationLink.service_id.in_(ids)).group_by(VerificationLink.service_id).subquery()
        )
        for link in session.scalars(
            select(VerificationLink).join(newest, (newest.c.service_id == VerificationLink.service_id)
                                          & (newest.c.at == VerificationLink.created_at))
        ):
            latest[link.service_id] = link
    return [CampaignRow(item, phones[item.service.id], latest.get(item.service.id)) for item in items]


def make_links(session: Session, user, rows: list[CampaignRow], now: dt.datetime | None = None) -> list[CampaignRow]:
    """A new link for every row (the earlier links of those structures stop working)."""
    now = now or links.utcnow()
    for row in rows:
        row.last_link, row.token = links.make_link(session, user, row.item.service, now)
    return rows


def csv_text(rows: list[CampaignRow], link_url: Callable[[str], str]) -> str:
    """Name, phone, link (and its last day) per structure, for mass messaging; UTF-8 with BOM
    for spreadsheet programs, every cell through ``spreadsheet.safe_row``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(safe_row([_("Name"), _("Phone"), _("Link"), _("Valid until")]))
    for row in rows:
        if row.token is None:
            continue
        writer.writerow(safe_row([
            row.item.service.name, "; ".join(row.phones), link_url(row.token),
            row.last_link.expires_at.date().isoformat(),
        ]))
    return "\ufeff" + out.getvalue()
