"""Directory stewardship: who may change what, proposals, verification, queue and dashboard.

Flask-free: every function takes a ``Session`` and the acting user (any object with the
Flask-Login user protocol), flushes, and leaves the commit to the view or the CLI. Writes go
through ``records.save_service`` (the one write path) and are recorded by the history listener.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass

from flask_babel import gettext as _
from geoalchemy2.shape import to_shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..auth import roles
from ..errors import NotFound, WebmapError
from ..history import audit_context
from ..models import (
    AdminArea,
    AppUser,
    ChangeProposal,
    Location,
    Organization,
    Phone,
    Service,
    ServiceAtLocation,
)
from ..models.history import SUGGESTION_KINDS
from ..text import fold
from .duplicates import DuplicateSuspected, candidate_of, find_duplicates
from .hours import format_hours
from .languages import format_languages
from .query import STALE_AFTER_DAYS, stale_cutoff
from .records import ServiceInput, confirm_service, first_location, save_service, set_service_status, validate
from .schedules import stored_languages, stored_openings
from .validation import ValidationFailed

PAGE_SIZE = 25
LIVE_STATUSES = ("active", "planned")


class PermissionDenied(WebmapError):
    status = 403


# --- freshness ----------------------------------------------------------------------------------


def days_since(day: dt.date | str | None, today: dt.date | None = None) -> int | None:
    """Whole days since ``day`` (an ISO string from a feature is accepted), or None."""
    if day is None:
        return None
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return ((today or dt.date.today()) - day).days


# --- reading ------------------------------------------------------------------------------------


def admin_choices(
    session: Session,
) -> tuple[list[tuple[str, str]], list[tuple[str, str, list[tuple[str, str]]]]]:
    """Régions, and départements grouped by région as (région pcode, région name, départements),
    each (pcode, name) sorted by name ignoring accents and case (« Bélier » before « Bounkani »)."""
    rows = session.execute(
        select(AdminArea.level, AdminArea.pcode, AdminArea.name, AdminArea.parent_pcode)
        .where(AdminArea.level.in_(("adm1", "adm2")))
    ).all()
    rows = sorted(rows, key=lambda r: (fold(r.name), r.name, r.pcode))
    regions = [(r.pcode, r.name) for r in rows if r.level == "adm1"]
    departements = {pcode: [] for pcode, _name in regions}
    for r in rows:
        if r.level == "adm2" and r.parent_pcode in departements:
            departements[r.parent_pcode].append((r.pcode, r.name))
    grouped = [(pcode, name, departements[pcode]) for pcode, name in regions if departements[pcode]]
    return regions, grouped


def get_service_record(session: Session, service_id: uuid.UUID) -> Service:
    service = session.get(Service, service_id)
    if service is None:
        raise NotFound(_("This structure does not exist."), {"id": str(service_id)})
    return service


def get_organization_record(session: Session, organization_id: uuid.UUID) -> Organization:
    organization = session.get(Organization, organization_id)
    if organization is None:
        raise NotFound(_("This organisation does not exist."), {"id": str(organization_id)})
    return organization


def service_input_from(session: Session, service: Service) -> ServiceInput:
    """What the edit form starts from: the record as it is, with its exact position (staff only)."""
    location = first_location(session, service)
    point = to_shape(location.geom)
    phones = session.scalars(
        select(Phone.number).where(Phone.service_id == service.id).order_by(Phone.number)
    ).all()
    return ServiceInput(
        name=service.name,
        category=service.category,
        organization_id=service.organization_id,
        source=service.source,
        lon=round(point.x, 6),
        lat=round(point.y, 6),
        precision=location.precision,
        confidential=location.confidential,
        public_contact=location.public_contact,
        address=location.address,
        town=location.town,
        description=service.description,
        alternate_name=service.alternate_name,
        needs=list(service.needs or []),
        minimum_age=service.minimum_age,
        maximum_age=service.maximum_age,
        sexes=service.sexes,
        capacity=service.capacity,
        capacity_updated=service.capacity_updated,
        status=service.status,
        email=service.email,
        url=service.url,
        phones=list(phones),
        fallback_contact=service.fallback_contact,
        hours=format_hours(stored_openings(session, service.id)),
        languages=format_languages(stored_languages(session, service.id)),
    )


def to_payload(data: ServiceInput) -> dict:
    """A ServiceInput as JSON (for a proposal)."""
    payload = dataclasses.asdict(data)
    payload["organization_id"] = str(data.organization_id) if data.organization_id else None
    payload["capacity_updated"] = data.capacity_updated.isoformat() if data.capacity_updated else None
    return payload


def from_payload(payload: dict) -> ServiceInput:
    values = dict(payload)
    known = {f.name for f in dataclasses.fields(ServiceInput)}
    values = {k: v for k, v in values.items() if k in known}
    if values.get("organization_id"):
        values["organization_id"] = uuid.UUID(values["organization_id"])
    if values.get("capacity_updated"):
        values["capacity_updated"] = dt.date.fromisoformat(values["capacity_updated"])
    return ServiceInput(**values)


def editable_organizations(session: Session, user) -> list[Organization]:
    """The organizations ``user`` may add services to: all for an admin, their own for an editor."""
    if roles.is_admin(user):
        return list(session.scalars(select(Organization).order_by(Organization.name)))
    if roles.has_role(user, roles.EDITOR):
        return sorted(user.organizations, key=lambda org: org.name)
    return []


# --- writing ------------------------------------------------------------------------------------


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("You are not allowed to do this."))


def possible_duplicates(session: Session, service: Service):
    """The records ``service`` may repeat (the rules of ``duplicates``), for the merge page."""
    data = service_input_from(session, service)
    try:
        clean = validate(session, data)
    except ValidationFailed:  # an old record below today's rules: compared by what it has
        clean = {"name": data.name, "phones": data.phones}
    return find_duplicates(session, [candidate_of(0, data, clean)], exclude=[service.id]).get(0, [])


def create_service(session: Session, user, data: ServiceInput, confirmed_distinct: bool = False) -> Service:
    """Add a service: admins anywhere (also for a new organization), editors for their own.

    A record that looks like one already in the directory (``duplicates``) raises
    ``DuplicateSuspected`` unless the person confirmed it is another structure.
    """
    _require(roles.can_create(user))
    if data.organization_id is None:
        _require(roles.is_admin(user))
    elif not roles.can_edit(user, data.organization_id):
        raise PermissionDenied(_("You can only add services to your own organizations."))
    if not confirmed_distinct:
        found = find_duplicates(session, [candidate_of(0, data, validate(session, data))])
        if found:
            raise DuplicateSuspected(found[0])
    return save_service(session, data)


def update_service(session: Session, user, service: Service, data: ServiceInput) -> Service | ChangeProposal:
    """Write the change, or — for an editor and another organization's service — propose it."""
    direct = roles.can_edit(user, service.organization_id) and (
        roles.can_edit(user, data.organization_id) or (data.organization_id is None and roles.is_admin(user))
    )
    if direct:
        return save_service(session, data, service)
    _require(roles.can_propose(user))
    return _propose(session, user, service, data, "edit")


def _propose(session: Session, user, service: Service, data: ServiceInput, kind: str) -> ChangeProposal:
    validate(session, data)  # a proposal is as valid as a change: ValidationFailed otherwise
    proposal = ChangeProposal(
        service_id=service.id,
        organization_id=service.organization_id,
        kind=kind,
        payload=to_payload(data),
        status="pending",
        proposed_by=user.id,
    )
    session.add(proposal)
    session.flush()
    return proposal


def confirm_accurate(session: Session, user, service: Service, today: dt.date | None = None) -> None:
    """"Still accurate": verified today by ``user`` (editors of its organization, admins)."""
    _require(roles.can_edit(user, service.organization_id))
    with audit_context(session, action="verify"):
        confirm_service(session, service, user.id, today or dt.date.today())


def change_status(session: Session, user, service: Service, status: str) -> Service | ChangeProposal:
    """Deactivate or reactivate; an editor's request for another organization becomes a proposal."""
    if roles.can_edit(user, service.organization_id):
        action = "deactivate" if status == "inactive" else "reactivate"
        with audit_context(session, action=action):
            set_service_status(session, service, status)
        return service
    _require(roles.can_propose(user) and status == "inactive")
    data = service_input_from(session, service)
    data.status = status
    return _propose(session, user, service, data, "deactivate")


def proposals(session: Session, user, status: str = "pending") -> list[ChangeProposal]:
    """Admins see every proposal; editors see the ones they made, and the suggestions sent
    without an account about their organizations' services (webmap.suggest)."""
    stmt = select(ChangeProposal).where(ChangeProposal.status == status)
    if not roles.can_decide_proposals(user):
        about_theirs = ChangeProposal.kind.in_(SUGGESTION_KINDS) & ChangeProposal.organization_id.in_(
            list(user.organization_ids))
        stmt = stmt.where((ChangeProposal.proposed_by == user.id) | about_theirs)
    return list(session.scalars(stmt.order_by(ChangeProposal.created_at.desc(), ChangeProposal.id)))


def proposal_differences(session: Session, proposal: ChangeProposal) -> list[tuple[str, object, object]]:
    """(field, current value, proposed value) for every field the proposal changes."""
    current = dataclasses.asdict(service_input_from(session, proposal.service))
    proposed = dataclasses.asdict(from_payload(proposal.payload))
    return [(name, current[name], proposed[name]) for name in proposed if current.get(name) != proposed[name]]


def _pending(session: Session, proposal_id: uuid.UUID) -> ChangeProposal:
    proposal = session.get(ChangeProposal, proposal_id)
    if proposal is None:
        raise NotFound(_("This proposal does not exist."), {"id": str(proposal_id)})
    if proposal.status != "pending":
        raise PermissionDenied(_("This proposal has already been decided."))
    return proposal


def approve_proposal(session: Session, user, proposal_id: uuid.UUID) -> ChangeProposal:
    """Apply the proposed change (validated again against today's data) as the approving admin."""
    _require(roles.can_decide_proposals(user))
    proposal = _pending(session, proposal_id)
    proposer = session.get(AppUser, proposal.proposed_by) if proposal.proposed_by else None
    note = _("Proposed by %(name)s", name=proposer.name if proposer else "?")
    with audit_context(session, action="approve", note=note):
        save_service(session, from_payload(proposal.payload), proposal.service)
    proposal.status = "approved"
    proposal.decided_by = user.id
    proposal.decided_at = func.now()
    session.flush()
    return proposal


def reject_proposal(session: Session, user, proposal_id: uuid.UUID, note: str | None = None) -> ChangeProposal:
    _require(roles.can_decide_proposals(user))
    proposal = _pending(session, proposal_id)
    proposal.status = "rejected"
    proposal.decided_by = user.id
    proposal.decided_at = func.now()
    proposal.note = (note or "").strip() or None
    session.flush()
    return proposal


# --- verification queue and dashboard -------------------------------------------------------------


def _stale(today: dt.date | None = None):
    return Service.assured_date.is_(None) | (Service.assured_date < stale_cutoff(today))


@dataclass
class QueueItem:
    service: Service
    organization: Organization
    town: str | None
    days: int | None  # since last verified; None: never


def verification_queue(
    session: Session, organization_ids: list[uuid.UUID] | None = None, today: dt.date | None = None,
    region: str | None = None,
) -> list[QueueItem]:
    """Live services never verified or verified more than ``STALE_AFTER_DAYS`` ago, oldest first
    (of ``organization_ids``, and with a location in the région ``region``, when given)."""
    town = (
        select(Location.town)
        .join(ServiceAtLocation, ServiceAtLocation.location_id == Location.id)
        .where(ServiceAtLocation.service_id == Service.id)
        .order_by(Location.id)
        .limit(1)
        .scalar_subquery()
    )
    stmt = (
        select(Service, Organization, town.label("town"))
        .join(Organization, Organization.id == Service.organization_id)
        .where(Service.status.in_(LIVE_STATUSES), _stale(today))
        .order_by(Organization.name, Service.assured_date.asc().nulls_first(), Service.name)
    )
    if organization_ids is not None:
        stmt = stmt.where(Service.organization_id.in_(organization_ids))
    if region is not None:  # staff pages: the exact location's région
        stmt = stmt.where(Service.id.in_(
            select(ServiceAtLocation.service_id)
            .join(Location, Location.id == ServiceAtLocation.location_id)
            .where(Location.adm1_pcode == region)
        ))
    return [
        QueueItem(row.Service, row.Organization, row.town, days_since(row.Service.assured_date, today))
        for row in session.execute(stmt)
    ]


def dashboard(session: Session, today: dt.date | None = None) -> dict:
    """Counts for the stewardship dashboard."""
    stale = _stale(today)
    live = Service.status.in_(LIVE_STATUSES)
    totals = session.execute(
        select(
            func.count().label("services"),
            func.count().filter(live).label("live"),
            func.count().filter(Service.status == "inactive").label("inactive"),
            func.count().filter(live, ~stale).label("fresh"),
            func.count().filter(live, Service.assured_date.isnot(None), stale).label("stale"),
            func.count().filter(live, Service.assured_date.is_(None)).label("never"),
        )
    ).one()
    confidential = session.scalar(
        select(func.count()).select_from(Location).where(Location.confidential.is_(True))
    )
    pending = session.scalar(
        select(func.count()).select_from(ChangeProposal).where(ChangeProposal.status == "pending")
    )
    by_org = session.execute(
        select(
            Organization.id,
            Organization.name,
            func.count(Service.id).filter(live).label("live"),
            func.count(Service.id).filter(live, stale).label("to_verify"),
        )
        .join(Service, Service.organization_id == Organization.id)
        .group_by(Organization.id, Organization.name)
        .order_by(func.count(Service.id).filter(live, stale).desc(), Organization.name)
    ).all()
    by_category = session.execute(
        select(
            Service.category,
            func.count().label("live"),
            func.count().filter(stale).label("to_verify"),
        )
        .where(live)
        .group_by(Service.category)
        .order_by(func.count().desc(), Service.category)
    ).all()
    users = dict(session.execute(select(AppUser.role, func.count()).where(AppUser.active).group_by(AppUser.role)).all())
    return {
        "totals": totals._asdict(),
        "confidential": confidential,
        "pending_proposals": pending,
        "organizations": [row._asdict() for row in by_org],
        "categories": [row._asdict() for row in by_category],
        "users": users,
        "stale_after_days": STALE_AFTER_DAYS,
    }


# --- organizations ------------------------------------------------------------------------------


def organizations_overview(session: Session) -> list[dict]:
    """Every organization with its live services, those to verify, and its editors."""
    stale = _stale()
    live = Service.status.in_(LIVE_STATUSES)
    counts = (
        select(
            Service.organization_id,
            func.count().filter(live).label("live"),
            func.count().filter(live, stale).label("to_verify"),
        )
        .group_by(Service.organization_id)
        .subquery()
    )
    rows = session.execute(
        select(Organization, func.coalesce(counts.c.live, 0), func.coalesce(counts.c.to_verify, 0))
        .outerjoin(counts, counts.c.organization_id == Organization.id)
        .order_by(Organization.name)
    ).all()
    return [{"organization": org, "live": live_n, "to_verify": stale_n} for org, live_n, stale_n in rows]


def save_organization(session: Session, user, values: dict, organization: Organization | None = None) -> Organization:
    """Create or update an organization (admins); ``values``: name, source, email, website, description."""
    from .validation import InvalidValue, ValidationFailed, check_length, check_name, normalise_email

    _require(roles.can_manage_organizations(user))
    errors: dict[str, str] = {}
    name = (values.get("name") or "").strip()
    if not name:
        errors["name"] = _("A name is required.")
    elif len(name) > 250:
        errors["name"] = _("At most 250 characters.")
    else:
        try:
            check_name(name)
        except InvalidValue as exc:
            errors["name"] = str(exc)
    if not (values.get("source") or "").strip():
        errors["source"] = _("Say where this information comes from.")
    try:
        email = normalise_email(values.get("email"))
    except InvalidValue as exc:
        errors["email"], email = str(exc), None
    for key, limit in (("website", "url"), ("description", "description"), ("source", "source")):
        try:
            check_length(limit, values.get(key))
        except InvalidValue as exc:
            errors[key] = str(exc)
    if errors:
        raise ValidationFailed(errors)
    clean = {
        "name": name,
        "source": values["source"].strip(),
        "email": email,
        "website": (values.get("website") or "").strip() or None,
        "description": (values.get("description") or "").strip() or None,
    }
    if organization is None:
        organization = Organization(**clean)
        session.add(organization)
    else:
        for key, value in clean.items():
            if getattr(organization, key) != value:
                setattr(organization, key, value)
    session.flush()
    return organization

