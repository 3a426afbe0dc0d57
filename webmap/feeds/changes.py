"""The directory's changes as the public may read them, one per structure and transaction (Flask-free).

A *change* is what one transaction wrote about one structure: its own fields, its phones, its
links and the places it is at. The audit entries (``webmap.history``) are read with the public
history pages' masking: the position, address and areas of a location that is or ever was
confidential never appear, and a change made only of such fields is left out altogether (so
moving a shelter changes nothing in any feed, not even its length or its date). Who made a
change, their account, and notes are never part of it.

Filters use what the public sees: the organisation a structure belongs to now, and the région
of the point shown to the public (``visibility.in_area``), never the exact point's.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy import String, and_, case, cast, func, literal, not_, or_, select, tuple_, union
from sqlalchemy.orm import Session

from ..directory.visibility import PUBLIC, in_area, town_place
from ..history.labels import HIDDEN_ON_PAGES
from ..history.service import CONFIDENTIAL_FIELDS, FieldChange
from ..models import AuditEntry, Location, Service, ServiceAtLocation

# Never in a feed: bookkeeping fields, and who confirmed a record (an account: personal data).
HIDDEN_FIELDS = HIDDEN_ON_PAGES | {"assured_by"}
# Said once by the structure itself: a place's and a phone's copy of the organisation.
REPEATED_FIELDS = {"location": ("organization_id",), "phone": ("organization_id", "location_id")}
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# Actions that name a change better than "changed", most telling first.
_NAMED_ACTIONS = ("deactivate", "reactivate", "verify", "approve", "revert")
_ENTRY_NAMESPACE = uuid.UUID("8f0b3c52-3d0e-4b8e-9a57-0c5c1d6f2a11")


@dataclass(frozen=True)
class FeedFilter:
    organization_id: uuid.UUID | None = None
    region: str | None = None  # adm1 P-code of the point the public sees
    # Only changes after this instant (exclusive) or, at that very instant, after ``after``:
    # the ``cursor`` of the last change a client has already read.
    modified_after: dt.datetime | None = None
    after: tuple[int, str] | None = None
    oldest_first: bool = False  # the JSON sync order; the Atom feed shows the newest first
    limit: int = DEFAULT_LIMIT


@dataclass
class FeedChange:
    change_id: uuid.UUID
    service_id: uuid.UUID
    last_entry: int
    service_name: str
    category: str
    date: dt.datetime
    action: str  # create, update, deactivate, reactivate, verify, approve, revert, delete
    fields: list[FieldChange] = field(default_factory=list)
    resources: dict[int, str] = field(default_factory=dict)  # entry id -> resource type

    @property
    def id(self) -> uuid.UUID:
        """Stable identifier of this change (the Atom entry's id, the JSON item's id)."""
        return uuid.uuid5(_ENTRY_NAMESPACE, f"{self.change_id}/{self.service_id}")

    @property
    def cursor(self) -> tuple[int, str]:
        """Where this change stands among those of the same instant (its last entry, its structure)."""
        return self.last_entry, str(self.service_id)


def _sensitive_locations():
    """SQL: ids (text) of the locations that are confidential now or ever were."""
    ever = select(AuditEntry.resource_id.label("id")).where(
        AuditEntry.resource_type == "location",
        AuditEntry.field_name == "confidential",
        or_(AuditEntry.previous_value == "true", AuditEntry.replacement_value == "true"),
    )
    now = select(cast(Location.id, String).label("id")).where(Location.confidential.is_(True))
    return union(ever, now).subquery("sensitive")


def _owned():
    """SQL: (entry id, service id as text) for every audit entry about a structure.

    A service's own entries, its phones' and links' (``parent_id``), and its places' through
    the links it has or had (a place linked to two structures belongs to both stories).
    """
    direct = select(
        AuditEntry.id.label("entry_id"),
        case((AuditEntry.resource_type == "service", AuditEntry.resource_id), else_=AuditEntry.parent_id)
        .label("service_id"),
    ).where(AuditEntry.resource_type.in_(("service", "phone", "service_at_location")))
    linked_before = AuditEntry.__table__.alias("link_entry")
    links = union(
        select(cast(ServiceAtLocation.location_id, String).label("location_id"),
               cast(ServiceAtLocation.service_id, String).label("service_id")),
        select(linked_before.c.replacement_value, linked_before.c.parent_id).where(
            linked_before.c.resource_type == "service_at_location",
            linked_before.c.field_name == "location_id",
            linked_before.c.replacement_value.isnot(None),
        ),
    ).subquery("links")
    via_location = (
        select(AuditEntry.id.label("entry_id"), links.c.service_id)
        .join(links, links.c.location_id == AuditEntry.resource_id)
        .where(AuditEntry.resource_type == "location")
    )
    return direct.union_all(via_location).subquery("owned")


def _visible(sensitive):
    """SQL: may the public read this entry? (The history pages' rule, plus the hidden fields.)"""
    masked = and_(
        AuditEntry.resource_type == "location",
        AuditEntry.field_name.in_(CONFIDENTIAL_FIELDS),
        AuditEntry.resource_id.in_(select(sensitive.c.id)),
    )
    repeated = or_(*(and_(AuditEntry.resource_type == resource, AuditEntry.field_name.in_(names))
                     for resource, names in REPEATED_FIELDS.items()))
    return and_(AuditEntry.field_name.notin_(HIDDEN_FIELDS), not_(masked), not_(repeated))


def _in_region(region: str):
    """SQL: service ids (text) with a place whose public point lies in région ``region``."""
    return (
        select(cast(ServiceAtLocation.service_id, String))
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .outerjoin(town_place, town_place.id == Location.place_id)
        .where(in_area(PUBLIC, "adm1", region))
    )


def list_changes(session: Session, filters: FeedFilter) -> tuple[list[FeedChange], bool]:
    """The changes matching ``filters`` (at most ``limit``) and whether more follow."""
    sensitive = _sensitive_locations()
    owned = _owned()
    visible = _visible(sensitive)
    date = func.max(AuditEntry.last_action_date).label("date")
    groups = (
        select(AuditEntry.change_id, owned.c.service_id, date, func.max(AuditEntry.id).label("last_entry"))
        .join(owned, owned.c.entry_id == AuditEntry.id)
        .join(Service, cast(Service.id, String) == owned.c.service_id)
        .group_by(AuditEntry.change_id, owned.c.service_id)
        .having(func.bool_or(visible))
    )
    if filters.organization_id is not None:
        groups = groups.where(Service.organization_id == filters.organization_id)
    if filters.region:
        groups = groups.where(owned.c.service_id.in_(_in_region(filters.region)))
    groups = groups.subquery("groups")
    # In the order written: the date, then the last entry (a place's entry may be in two stories).
    key = (groups.c.date, groups.c.last_entry, groups.c.service_id)
    stmt = select(groups.c.change_id, groups.c.service_id, groups.c.date, groups.c.last_entry)
    if filters.modified_after is not None and filters.after is None:
        stmt = stmt.where(groups.c.date > filters.modified_after)
    elif filters.modified_after is not None:
        stmt = stmt.where(tuple_(*key) > tuple_(literal(filters.modified_after), literal(filters.after[0]),
                                                literal(filters.after[1])))
    order = [k.asc() if filters.oldest_first else k.desc() for k in key]
    rows = session.execute(stmt.order_by(*order).limit(filters.limit + 1)).all()
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    if not rows:
        return [], False
    pairs = [(r.change_id, r.service_id) for r in rows]
    entries = session.execute(
        select(AuditEntry, owned.c.service_id, visible.label("visible"))
        .join(owned, owned.c.entry_id == AuditEntry.id)
        .where(tuple_(AuditEntry.change_id, owned.c.service_id).in_(pairs))
        .order_by(AuditEntry.id)
    ).all()
    services = {
        str(s.id): s for s in session.scalars(select(Service).where(Service.id.in_([uuid.UUID(p[1]) for p in pairs])))
    }
    changes = {
        (r.change_id, r.service_id): FeedChange(
            change_id=r.change_id, service_id=uuid.UUID(r.service_id), last_entry=r.last_entry,
            service_name=services[r.service_id].name,
            category=services[r.service_id].category, date=r.date, action="update",
        )
        for r in rows
    }
    actions: dict[tuple, set[tuple[str, str]]] = {k: set() for k in changes}
    for entry, service_id, is_visible in entries:
        key_ = (entry.change_id, service_id)
        actions[key_].add((entry.resource_type, entry.last_action_type))
        if not is_visible:
            continue
        change = changes[key_]
        change.fields.append(FieldChange(entry_id=entry.id, name=entry.field_name,
                                         previous=entry.previous_value, replacement=entry.replacement_value))
        change.resources[entry.id] = entry.resource_type
        if entry.last_action_type in ("create", "delete"):
            change.resources[entry.id] += ":" + entry.last_action_type
    for key_, change in changes.items():
        change.action = _action(actions[key_])
    return list(changes.values()), more


def _action(seen: set[tuple[str, str]]) -> str:
    """One word for the whole change: the structure created or deleted, else the most telling."""
    for record_action in ("create", "delete"):
        if ("service", record_action) in seen:
            return record_action
    kinds = {action for _resource, action in seen}
    for action in _NAMED_ACTIONS:
        if action in kinds:
            return action
    return "update"


def latest_date(changes: list[FeedChange]) -> dt.datetime | None:
    return max((c.date for c in changes), default=None)
