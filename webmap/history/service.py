"""Reading the history of a service or an organization, with confidentiality applied, and reverting one entry.

Flask-free: functions take a ``Session`` and a ``Viewer`` and flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Mapper, Session

from ..directory.visibility import PUBLIC, Viewer
from ..errors import NotFound, WebmapError
from ..models import AuditEntry, Base, Location, ServiceAtLocation
from ..text import fold
from . import codec
from .recorder import audit_context

# Location fields the public never sees for a location that is, or ever was, confidential: the
# position and what was derived from it (its areas; before 0008 its town was the place nearest
# the point). The current town is public and shown on the record itself.
CONFIDENTIAL_FIELDS = frozenset({"geom", "address", "adm3_pcode", "adm2_pcode", "adm1_pcode", "place_id", "town"})
# Records whose creation or deletion can be undone (a phone number added or removed).
RECORD_REVERSIBLE = frozenset({"phone"})
FIELD_ACTIONS = frozenset({"update", "deactivate", "reactivate", "verify", "revert", "approve"})


class RevertRefused(WebmapError):
    status = 409


@dataclass
class FieldChange:
    entry_id: int
    name: str
    previous: str | None
    replacement: str | None
    masked: bool = False
    revertible: bool = False
    reverted: bool = False


@dataclass
class Change:
    """The entries one transaction wrote for one record: who, when, what, which fields."""

    change_id: uuid.UUID
    date: dt.datetime
    action: str
    resource_type: str
    resource_id: str
    updated_by: str
    actor_id: uuid.UUID | None
    note: str | None
    reverts_id: int | None
    fields: list[FieldChange] = field(default_factory=list)


def _service_entries(session: Session, service_id: uuid.UUID) -> list[AuditEntry]:
    sid = str(service_id)
    location_ids = session.scalars(
        select(ServiceAtLocation.location_id).where(ServiceAtLocation.service_id == service_id)
    ).all()
    # Locations linked once and unlinked since still belong to this service's story.
    linked_before = session.scalars(
        select(AuditEntry.replacement_value).where(
            AuditEntry.resource_type == "service_at_location",
            AuditEntry.parent_id == sid,
            AuditEntry.field_name == "location_id",
        )
    ).all()
    locations = {str(i) for i in location_ids} | {v for v in linked_before if v}
    conditions = [
        and_(AuditEntry.resource_type == "service", AuditEntry.resource_id == sid),
        AuditEntry.parent_id == sid,
    ]
    if locations:
        conditions.append(and_(AuditEntry.resource_type == "location", AuditEntry.resource_id.in_(locations)))
    return list(
        session.scalars(
            select(AuditEntry).where(or_(*conditions)).order_by(AuditEntry.id.desc())
        )
    )


def sensitive_locations(session: Session, entries: Iterable[AuditEntry]) -> set[str]:
    """The locations among ``entries``' records that are confidential now, or were marked
    confidential at any time in their history (used with :func:`is_hidden`)."""
    ids = {e.resource_id for e in entries if e.resource_type == "location"}
    if not ids:
        return set()
    now = session.scalars(
        select(Location.id).where(Location.id.in_([uuid.UUID(i) for i in ids]), Location.confidential.is_(True))
    ).all()
    ever = session.scalars(
        select(AuditEntry.resource_id).where(
            AuditEntry.resource_type == "location",
            AuditEntry.resource_id.in_(ids),
            AuditEntry.field_name == "confidential",
            or_(AuditEntry.previous_value == "true", AuditEntry.replacement_value == "true"),
        )
    ).all()
    return {str(i) for i in now} | set(ever)


def is_hidden(entry: AuditEntry, viewer: Viewer, sensitive: set[str]) -> bool:
    return (
        not viewer.can_see_confidential
        and entry.resource_type == "location"
        and entry.field_name in CONFIDENTIAL_FIELDS
        and entry.resource_id in sensitive
    )


def _revertible(entry: AuditEntry) -> bool:
    return entry.last_action_type in FIELD_ACTIONS or entry.resource_type in RECORD_REVERSIBLE


def service_history(session: Session, service_id: uuid.UUID, viewer: Viewer = PUBLIC) -> list[Change]:
    """The changes to a service, its locations, phones and links, newest first."""
    return _grouped(session, _service_entries(session, service_id), viewer)


def organization_history(session: Session, organization_id: uuid.UUID, viewer: Viewer = PUBLIC) -> list[Change]:
    """The changes to an organization's own fields (and its own phones), newest first.

    Its services, and their places, keep their own history (``service_history``).
    """
    oid = str(organization_id)
    entries = session.scalars(
        select(AuditEntry)
        .where(or_(and_(AuditEntry.resource_type == "organization", AuditEntry.resource_id == oid),
                   AuditEntry.parent_id == oid))
        .order_by(AuditEntry.id.desc())
    )
    return _grouped(session, list(entries), viewer)


def _grouped(session: Session, entries: list[AuditEntry], viewer: Viewer) -> list[Change]:
    """Entries (newest first) as changes: one per transaction, record and action, fields in order."""
    sensitive = sensitive_locations(session, entries)
    reverted = set(
        session.scalars(
            select(AuditEntry.reverts_id).where(AuditEntry.reverts_id.in_([e.id for e in entries]))
        ).all()
    ) if entries else set()
    changes: dict[tuple, Change] = {}
    for entry in entries:
        key = (entry.change_id, entry.resource_type, entry.resource_id, entry.last_action_type, entry.reverts_id)
        change = changes.get(key)
        if change is None:
            change = changes[key] = Change(
                change_id=entry.change_id,
                date=entry.last_action_date,
                action=entry.last_action_type,
                resource_type=entry.resource_type,
                resource_id=entry.resource_id,
                updated_by=entry.updated_by,
                actor_id=entry.actor_id,
                note=entry.note,
                reverts_id=entry.reverts_id,
            )
        hidden = is_hidden(entry, viewer, sensitive)
        change.fields.append(
            FieldChange(
                entry_id=entry.id,
                name=entry.field_name,
                previous=None if hidden else entry.previous_value,
                replacement=None if hidden else entry.replacement_value,
                masked=hidden,
                revertible=_revertible(entry) and entry.id not in reverted,
                reverted=entry.id in reverted,
            )
        )
    for change in changes.values():
        change.fields.sort(key=lambda f: f.entry_id)
    return list(changes.values())


# --- revert -------------------------------------------------------------------------------------


def _mapper_for(table: str) -> Mapper:
    for mapper in Base.registry.mappers:
        if mapper.local_table.name == table:
            return mapper
    raise RevertRefused(_("This kind of record cannot be restored."), {"resource_type": table})


def _identity(mapper: Mapper, resource_id: str) -> tuple:
    columns = mapper.primary_key
    parts = resource_id.split(",")
    return tuple(codec.parse(column.type, part) for column, part in zip(columns, parts, strict=True))


def _column_type(mapper: Mapper, name: str):
    if name not in mapper.column_attrs:
        raise RevertRefused(_("This field no longer exists."), {"field": name})
    return mapper.column_attrs[name].columns[0].type


def _after_revert(session: Session, obj, table: str, name: str) -> None:
    """Keep derived columns in step with the restored one."""
    if table == "service" and name == "name":
        obj.name_key = fold(obj.name)
    elif table == "location" and name in ("town", "confidential") and obj.confidential:
        _follow_named_town(session, obj)
    elif table == "location" and name == "geom":
        from geoalchemy2.shape import to_shape

        from ..directory.validation import situate
        from ..models import Place

        point = to_shape(obj.geom)
        situation = situate(session, point.x, point.y)
        obj.adm3_pcode = situation.adm3_pcode
        obj.adm2_pcode = situation.adm2_pcode
        obj.adm1_pcode = situation.adm1_pcode
        if obj.confidential:
            return  # shown at the town its editor named, wherever the point is
        previous_town = session.get(Place, obj.place_id) if obj.place_id is not None else None
        if obj.town is None or (previous_town is not None and obj.town == previous_town.name):
            obj.town = situation.town  # the town was the nearest one, not typed: follow the point
        obj.place_id = situation.place_id


def _follow_named_town(session: Session, location) -> None:
    """A confidential location is shown at the town its editor named: resolve it again."""
    from geoalchemy2.shape import to_shape

    from ..directory.validation import InvalidValue, public_town

    point = to_shape(location.geom)
    try:
        town = public_town(session, location.town, point.x, point.y)
    except InvalidValue as exc:
        raise RevertRefused(str(exc), {"field": "town"}) from exc
    location.town = town.name
    location.place_id = town.id


def revert_entry(session: Session, entry_id: int) -> None:
    """Undo one entry: restore a field's previous value, or remove/restore a phone number.

    Refused (``RevertRefused``, 409) when the field has changed since — revert the later change
    first — or when the entry was already reverted, or is the creation of a whole record
    (deactivate it instead).
    """
    entry = session.get(AuditEntry, entry_id)
    if entry is None:
        raise NotFound("history entry not found", {"id": entry_id})
    undone = [entry.id]
    if entry.last_action_type in {"create", "delete"}:  # the whole record: any of its entries
        undone = select(AuditEntry.id).where(
            AuditEntry.change_id == entry.change_id,
            AuditEntry.resource_type == entry.resource_type,
            AuditEntry.resource_id == entry.resource_id,
        )
    already = session.scalar(select(AuditEntry.id).where(AuditEntry.reverts_id.in_(undone)).limit(1))
    if already is not None:
        raise RevertRefused(_("This change has already been reverted."), {"id": entry_id})
    mapper = _mapper_for(entry.resource_type)
    identity = _identity(mapper, entry.resource_id)
    obj = session.get(mapper.class_, identity if len(identity) > 1 else identity[0])
    action = entry.last_action_type
    if action == "merge" and entry.resource_type not in RECORD_REVERSIBLE:
        raise RevertRefused(_("A merge cannot be undone field by field."), {"id": entry_id})
    with audit_context(session, action="revert", reverts=entry.id):
        if action in FIELD_ACTIONS:
            if obj is None:
                raise RevertRefused(_("This record no longer exists."), {"id": entry_id})
            column_type = _column_type(mapper, entry.field_name)
            current = codec.serialize(column_type, getattr(obj, entry.field_name))
            if current != entry.replacement_value:
                raise RevertRefused(
                    _("This field has changed since: revert the more recent change first."),
                    {"id": entry_id, "field": entry.field_name},
                )
            setattr(obj, entry.field_name, codec.parse(column_type, entry.previous_value))
            _after_revert(session, obj, entry.resource_type, entry.field_name)
        elif entry.resource_type not in RECORD_REVERSIBLE:
            raise RevertRefused(
                _("The creation or deletion of a whole record cannot be reverted: deactivate it instead."),
                {"id": entry_id},
            )
        elif action == "create":
            if obj is None:
                raise RevertRefused(_("This record no longer exists."), {"id": entry_id})
            session.delete(obj)
        else:  # delete: rebuild the record from every value its deletion recorded
            if obj is not None:
                raise RevertRefused(_("This record exists again."), {"id": entry_id})
            values = session.execute(
                select(AuditEntry.field_name, AuditEntry.previous_value).where(
                    AuditEntry.change_id == entry.change_id,
                    AuditEntry.resource_type == entry.resource_type,
                    AuditEntry.resource_id == entry.resource_id,
                    AuditEntry.last_action_type == "delete",
                )
            ).all()
            kwargs = {name: codec.parse(_column_type(mapper, name), text) for name, text in values}
            for column, value in zip(mapper.primary_key, identity, strict=True):
                kwargs[mapper.get_property_by_column(column).key] = value
            session.add(mapper.class_(**kwargs))
