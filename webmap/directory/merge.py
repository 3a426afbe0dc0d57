"""Merging two records of the same structure, field by field, keeping both histories.

An administrator picks the record that stays (``keep``) and the one merged into it (``drop``),
and for each group of fields which record's value the result takes (phone numbers: either, or
both). In one savepoint — all or nothing:

* ``keep`` is rewritten through ``records.save_service`` (the one write path: every rule, the
  confidential place's named town included, is checked again) and its history records the
  change as a ``merge``;
* ``drop`` keeps its row and its whole history, points at ``keep`` (``merged_into``), becomes
  inactive, loses its links to places (so no list, search, map, export or referral shows it),
  and its pending proposals are closed. Its entries of that change carry ``keep`` as their
  parent, so ``keep``'s history shows the merge even when no field of ``keep`` changed.

Its old address then redirects (pages 301, API 301 with ``merged_into``): :func:`final_record`.
Flask-free but for the translated messages.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..auth import roles
from ..errors import NotFound, WebmapError
from ..history import audit_context
from ..models import ChangeProposal, Organization, Service, ServiceAtLocation
from ..taxonomy import CATEGORIES, LOCATION_PRECISIONS, NEEDS, SERVICE_STATUSES, SEXES
from .records import ServiceInput, save_service
from .validation import MAX_PHONES, ValidationFailed

KEEP, DROP, BOTH = "keep", "drop", "both"


@dataclass(frozen=True)
class FieldGroup:
    key: str
    label: object
    fields: tuple[str, ...]  # ServiceInput fields taken together
    both: bool = False  # "both" is a choice (the union)


GROUPS: tuple[FieldGroup, ...] = (
    FieldGroup("name", _l("Name"), ("name",)),
    FieldGroup("alternate_name", _l("Other name or acronym"), ("alternate_name",)),
    FieldGroup("organization", _l("Organisation"), ("organization_id",)),
    FieldGroup("category", _l("Category"), ("category",)),
    FieldGroup("status", _l("Status"), ("status",)),
    FieldGroup("description", _l("Description"), ("description",)),
    FieldGroup("needs", _l("Needs covered"), ("needs",), both=True),
    FieldGroup("ages", _l("Ages"), ("minimum_age", "maximum_age")),
    FieldGroup("sexes", _l("Children received"), ("sexes",)),
    FieldGroup("capacity", _l("Capacity (places)"), ("capacity", "capacity_updated")),
    FieldGroup("phones", _l("Phone numbers"), ("phones",), both=True),
    FieldGroup("email", _l("E-mail address"), ("email",)),
    FieldGroup("url", _l("Website"), ("url",)),
    FieldGroup("source", _l("Source"), ("source",), both=True),
    # The place as a whole: a confidential place keeps its own named town and public contact.
    FieldGroup("place", _l("Place (position, town, address, confidentiality, public contact)"),
               ("lon", "lat", "precision", "town", "address", "confidential", "public_contact")),
    FieldGroup("fallback_contact", _l("Fallback contact"), ("fallback_contact",)),
)


class MergeRefused(WebmapError):
    status = 409


def final_record(session: Session, service_id: uuid.UUID) -> uuid.UUID | None:
    """The record ``service_id`` was merged into, following merges of merges; None if not merged."""
    target = None
    current = service_id
    for _step in range(20):  # a chain, never a loop (merge_services refuses one)
        following = session.scalar(select(Service.merged_into).where(Service.id == current))
        if following is None:
            return target
        target = current = following
    return target


def merged_into_this(session: Session, service_id: uuid.UUID) -> list[Service]:
    """The records merged into ``service_id`` (their history is read on its page)."""
    return list(session.scalars(
        select(Service).where(Service.merged_into == service_id).order_by(Service.updated_at, Service.id)
    ))


def _live(session: Session, service_id: uuid.UUID) -> Service:
    service = session.get(Service, service_id)
    if service is None:
        raise NotFound(_("This structure does not exist."), {"id": str(service_id)})
    if service.merged_into is not None:
        raise MergeRefused(_("“%(name)s” was already merged into another record.", name=service.name))
    return service


def _display(session: Session, group: FieldGroup, data: ServiceInput) -> str:
    """A group's value as the merge page shows it."""
    parts = []
    for name in group.fields:
        value = getattr(data, name)
        if value in (None, "", []):
            continue
        if name == "organization_id":
            value = session.get(Organization, value).name
        elif name == "category":
            value = CATEGORIES.get(value, value)
        elif name == "status":
            value = SERVICE_STATUSES.get(value, value)
        elif name == "sexes":
            value = SEXES.get(value, value)
        elif name == "precision":
            value = LOCATION_PRECISIONS.get(value, value)
        elif name == "needs":
            value = ", ".join(str(NEEDS.get(n, n)) for n in value)
        elif name == "phones":
            value = ", ".join(value)
        elif name == "confidential":
            value = _("confidential") if value else None
        elif name == "fallback_contact":
            value = _("yes") if value else _("no")
        elif name == "lon":
            continue  # shown with the latitude, as the record's page does
        elif name == "lat":
            value = f"{data.lat:.5f}, {data.lon:.5f}" if data.lon is not None else None
        if value not in (None, ""):
            parts.append(str(value))
    return " · ".join(parts)


@dataclass
class MergeRow:
    group: FieldGroup
    keep: str
    drop: str

    @property
    def same(self) -> bool:
        return self.keep == self.drop


def merge_rows(session: Session, keep: ServiceInput, drop: ServiceInput) -> list[MergeRow]:
    """Side by side, group by group: what the merge page offers to choose from."""
    return [MergeRow(g, _display(session, g, keep), _display(session, g, drop)) for g in GROUPS]


def merged_input(keep: ServiceInput, drop: ServiceInput, choices: dict[str, str]) -> ServiceInput:
    """The record the choices describe (a group not chosen keeps ``keep``'s value)."""
    result = dataclasses.replace(keep, needs=list(keep.needs), phones=list(keep.phones))
    for group in GROUPS:
        choice = choices.get(group.key, KEEP)
        if choice == DROP:
            for name in group.fields:
                setattr(result, name, getattr(drop, name))
        elif choice == BOTH and group.both:
            name = group.fields[0]
            if name == "source":
                sources = [s for s in (keep.source, drop.source) if s]
                result.source = "\u00a0; ".join(dict.fromkeys(sources))
            else:
                setattr(result, name, list(dict.fromkeys([*getattr(keep, name), *getattr(drop, name)])))
    if result.lon is None or result.lat is None:
        result.lon, result.lat = keep.lon, keep.lat
    return result


def merge_services(
    session: Session, user, keep_id: uuid.UUID, drop_id: uuid.UUID, choices: dict[str, str]
) -> Service:
    """Merge ``drop`` into ``keep`` as ``choices`` say; all or nothing (``ValidationFailed``)."""
    from .service import PermissionDenied, service_input_from  # service imports this module's users

    if not roles.is_admin(user):
        raise PermissionDenied(_("You are not allowed to do this."))
    if keep_id == drop_id:
        raise MergeRefused(_("Choose two different records."))
    keep, drop = _live(session, keep_id), _live(session, drop_id)
    for key, choice in choices.items():
        if choice not in (KEEP, DROP, BOTH):
            raise MergeRefused(_("Unknown choice for %(field)s.", field=key))
    kept, dropped = service_input_from(session, keep), service_input_from(session, drop)
    data = merged_input(kept, dropped, choices)
    if len(data.phones) > MAX_PHONES:
        raise ValidationFailed({"phones": _("At most %(n)d phone numbers.", n=MAX_PHONES)})
    note_keep = _("Merge: “%(name)s” (%(id)s) merged into this record.", name=drop.name, id=drop.id)
    note_drop = _("Merge: “%(old)s” merged into “%(name)s” (%(id)s).", old=drop.name, name=data.name, id=keep.id)
    with session.begin_nested():
        with audit_context(session, action="merge", note=note_keep):
            save_service(session, data, keep)
        with audit_context(session, action="merge", note=note_drop):
            drop.merged_into = keep.id
            drop.status = "inactive"
            drop.fallback_contact = False
            for link in session.scalars(select(ServiceAtLocation).where(ServiceAtLocation.service_id == drop.id)):
                session.delete(link)
            for proposal in session.scalars(select(ChangeProposal).where(
                    ChangeProposal.service_id == drop.id, ChangeProposal.status == "pending")):
                proposal.status = "rejected"
                proposal.decided_by = user.id
                proposal.decided_at = func.now()
                proposal.note = note_drop
    return keep
