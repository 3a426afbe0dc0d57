"""Public suggestions: checked, stored as proposals in the moderation queue, accepted or rejected.

Flask-free: functions take a ``Session`` and flush; the view commits. A suggestion is never
published by itself: it waits in ``change_proposal`` (kind ``report`` or ``new``, no proposer)
until an admin — or an editor of the service's organization — accepts it through the directory
form (``accept``: the usual validation and write path, recorded in the history as an approval
noting the public suggestion) or rejects it with a reason. The text is kept as typed; pages
escape it, and no public page shows it.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy.orm import Session

from ..auth import roles
from ..directory import service as directory
from ..directory.query import get_service
from ..directory.records import ServiceInput
from ..directory.validation import InvalidValue, ValidationFailed, normalise_phone
from ..directory.visibility import PUBLIC
from ..errors import NotFound
from ..history import audit_context
from ..models import ChangeProposal, Service
from ..models.history import SUGGESTION_KINDS
from ..taxonomy import CATEGORIES

# Longest text of each field (characters): enough to explain, too little to paste a file.
LIMITS = {"message": 2_000, "name": 250, "town": 200, "phone": 40, "source": 500, "contact": 250}


@dataclass
class Suggestion:
    """What a visitor typed. ``service_id`` set: an error on that structure; else a new one."""

    service_id: uuid.UUID | None = None
    message: str = ""
    name: str = ""
    category: str = ""
    town: str = ""
    phone: str = ""
    source: str = ""
    contact: str = ""

    @property
    def kind(self) -> str:
        return "report" if self.service_id else "new"


def public_view(session: Session, service_id: uuid.UUID) -> dict | None:
    """What the suggestion form says about the structure: exactly what the public sees."""
    try:
        feature = get_service(session, service_id, PUBLIC)
    except NotFound:
        return None
    p = feature["properties"]
    return {"id": p["id"], "name": p["name"], "category": p["category"], "town": p.get("town")}


def check(suggestion: Suggestion) -> tuple[Suggestion, dict[str, str]]:
    """The suggestion trimmed, and every problem with it (all at once)."""
    clean = dataclasses.replace(
        suggestion, **{f: (getattr(suggestion, f) or "").strip() for f in (*LIMITS, "category")}
    )
    errors: dict[str, str] = {}
    for name, limit in LIMITS.items():
        if len(getattr(clean, name)) > limit:
            errors[name] = _("At most %(n)d characters.", n=limit)
    if clean.kind == "report" and not clean.message and "message" not in errors:
        errors["message"] = _("Say what is wrong or missing.")
    if clean.kind == "new" and not clean.name and "name" not in errors:
        errors["name"] = _("Give the name of the structure.")
    if clean.category and clean.category not in CATEGORIES:
        errors["category"] = _("Choose a category from the list.")
    if clean.phone and "phone" not in errors:
        try:
            clean.phone = normalise_phone(clean.phone)
        except InvalidValue as exc:
            errors["phone"] = str(exc)
    if not clean.source and "source" not in errors:
        errors["source"] = _("Say where this information comes from (a visit, a call, a poster…).")
    return clean, errors


def store(session: Session, suggestion: Suggestion) -> ChangeProposal:
    """Queue a checked suggestion (see :func:`check`) for moderation."""
    organization_id = None
    if suggestion.service_id is not None:
        service = session.get(Service, suggestion.service_id)
        if service is None:
            raise NotFound(_("This structure does not exist."), {"id": str(suggestion.service_id)})
        organization_id = service.organization_id
    payload = dataclasses.asdict(suggestion)
    payload.pop("service_id")
    proposal = ChangeProposal(
        service_id=suggestion.service_id,
        organization_id=organization_id,
        kind=suggestion.kind,
        payload=payload,
        status="pending",
        proposed_by=None,
    )
    session.add(proposal)
    session.flush()
    return proposal


# --- moderation ---------------------------------------------------------------------------------


class Refused(directory.PermissionDenied):
    """Not allowed, or already decided (403)."""


def pending_suggestion(session: Session, user, proposal_id: uuid.UUID) -> ChangeProposal:
    """A suggestion awaiting a decision that ``user`` may take."""
    proposal = session.get(ChangeProposal, proposal_id)
    if proposal is None or proposal.kind not in SUGGESTION_KINDS:
        raise NotFound(_("This suggestion does not exist."), {"id": str(proposal_id)})
    if not roles.can_decide_suggestion(user, proposal.organization_id):
        raise Refused(_("You are not allowed to do this."))
    if proposal.status != "pending":
        raise Refused(_("This suggestion has already been decided."))
    return proposal


def starting_point(session: Session, proposal: ChangeProposal) -> ServiceInput:
    """The directory form as the moderator first sees it: the record (or an empty one) with what
    the suggestion says put in — to be checked and completed before saving."""
    text = proposal.payload
    if proposal.kind == "correction":
        return directory.from_payload(text)
    if proposal.kind == "report":
        data = directory.service_input_from(session, proposal.service)
    else:
        data = ServiceInput(name="", category="", precision="town", town=text.get("town") or None,
                            lon=None, lat=None)
    if text.get("name"):
        data.name = text["name"]
    if text.get("category"):
        data.category = text["category"]
    if text.get("phone"):
        data.phones = [text["phone"]]
    # The suggester's own words stay in the queue (never public): the record's source only says
    # where the change came from; the moderator may add more.
    told = _("Public suggestion of %(date)s", date=proposal.created_at.strftime("%Y-%m-%d"))
    data.source = f"{data.source}\u00a0; {told}" if data.source else told
    return data


def accept(session: Session, user, proposal: ChangeProposal, data: ServiceInput,
           confirmed_distinct: bool = False) -> Service | ChangeProposal:
    """Write ``data`` (the moderator's form) to the record, or create it, through the usual
    path; the history shows the moderator as the author and notes where the change came from.
    A proposed structure that looks like one already listed raises ``DuplicateSuspected`` (as
    the form does) unless the moderator confirmed it is another one."""
    note = (_("From the structure's own corrections (verification link)") if proposal.kind == "correction"
            else _("From a public suggestion"))
    with audit_context(session, action="approve", note=note):
        if proposal.kind == "new":
            result = directory.create_service(session, user, data, confirmed_distinct=confirmed_distinct)
        else:
            result = directory.update_service(session, user, proposal.service, data)
    if isinstance(result, Service) and proposal.service_id is None:
        proposal.service_id = result.id
        proposal.organization_id = result.organization_id
    _decide(proposal, user, "approved")
    session.flush()
    return result


def reject(session: Session, user, proposal: ChangeProposal, reason: str | None) -> ChangeProposal:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"note": _("Give the reason for the refusal.")})
    _decide(proposal, user, "rejected")
    proposal.note = reason[:1000]
    session.flush()
    return proposal


def _decide(proposal: ChangeProposal, user, status: str) -> None:
    proposal.status = status
    proposal.decided_by = user.id
    proposal.decided_at = func.now()

