"""How history entries read on a page: action and field labels, values shown to people."""

from __future__ import annotations

import json
import uuid

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from shapely import wkt
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import taxonomy
from ..models import AdminArea, AppUser, Organization, Place, Service

ACTION_LABELS: dict[str, object] = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "delete": _l("Deleted"),
    "deactivate": _l("Deactivated"),
    "reactivate": _l("Reactivated"),
    "verify": _l("Confirmed as still accurate"),
    "revert": _l("Reverted"),
    "approve": _l("Proposal approved"),
    "merge": _l("Merged"),
}

RESOURCE_LABELS: dict[str, object] = {
    "service": _l("Structure"),
    "location": _l("Place"),
    "organization": _l("Organisation"),
    "phone": _l("Phone number"),
    "service_at_location": _l("Link to a place"),
    "schedule": _l("Opening hours"),
    "language": _l("Language"),
}

FIELD_LABELS: dict[str, object] = {
    "name": _l("Name"),
    "alternate_name": _l("Other name or acronym"),
    "description": _l("Description"),
    "category": _l("Category"),
    "needs": _l("Needs covered"),
    "minimum_age": _l("Minimum age"),
    "maximum_age": _l("Maximum age"),
    "sexes": _l("Children received"),
    "capacity": _l("Capacity (places)"),
    "capacity_updated": _l("Capacity updated on"),
    "status": _l("Status"),
    "verification": _l("Verification"),
    "assured_date": _l("Last verified"),
    "assured_by": _l("Verified by"),
    "email": _l("E-mail address"),
    "url": _l("Website"),
    "website": _l("Website"),
    "source": _l("Source"),
    "organization_id": _l("Organisation"),
    "address": _l("Address or directions"),
    "town": _l("Town"),
    "place_id": _l("Gazetteer town"),
    "adm1_pcode": _l("Region"),
    "adm2_pcode": _l("Département"),
    "adm3_pcode": _l("Sous-préfecture"),
    "precision": _l("Position precision"),
    "confidential": _l("Confidential place"),
    "public_contact": _l("Public contact point"),
    "fallback_contact": _l("Fallback contact"),
    "merged_into": _l("Merged into"),
    "geom": _l("Position"),
    "number": _l("Phone number"),
    "type": _l("Type"),
    "service_id": _l("Structure"),
    "location_id": _l("Place"),
    "byday": _l("Days"),
    "opens_at": _l("Opens at"),
    "closes_at": _l("Closes at"),
    "freq": _l("Frequency"),
    "code": _l("Code"),
    "position": _l("Order"),
    "note": _l("Note"),
    "hours": _l("Opening hours"),
    "languages": _l("Languages"),
    # fields of a proposal (a whole form)
    "lat": _l("Latitude"),
    "lon": _l("Longitude"),
    "phones": _l("Phone numbers"),
    "organization_name": _l("Name of the new organisation"),
}

_VOCABULARIES = {
    "category": taxonomy.CATEGORIES,
    "sexes": taxonomy.SEXES,
    "status": taxonomy.SERVICE_STATUSES,
    "verification": taxonomy.VERIFICATION_STATUSES,
    "precision": taxonomy.LOCATION_PRECISIONS,
}


def field_label(name: str) -> str:
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else name


# Fields recorded for completeness that say nothing to a reader of the page.
HIDDEN_ON_PAGES = frozenset({"service_id", "location_id", "type"})


def value_names(session: Session, changes) -> dict[tuple[str, str], str]:
    """Readable names for the identifiers in ``changes``: organizations, accounts, towns, areas."""
    wanted: dict[str, set[str]] = {"organization_id": set(), "assured_by": set(), "place_id": set(), "pcode": set(),
                                   "merged_into": set()}
    for change in changes:
        for f in change.fields:
            for text in (f.previous, f.replacement):
                if text is None:
                    continue
                if f.name in ("organization_id", "assured_by", "place_id", "merged_into"):
                    wanted[f.name].add(text)
                elif f.name.endswith("_pcode"):
                    wanted["pcode"].add(text)
    names: dict[tuple[str, str], str] = {}

    def uuids(texts):
        return [uuid.UUID(t) for t in texts]

    if wanted["organization_id"]:
        rows = session.execute(select(Organization.id, Organization.name).where(
            Organization.id.in_(uuids(wanted["organization_id"]))))
        names.update({("organization_id", str(i)): n for i, n in rows})
    if wanted["merged_into"]:
        rows = session.execute(select(Service.id, Service.name).where(Service.id.in_(uuids(wanted["merged_into"]))))
        names.update({("merged_into", str(i)): n for i, n in rows})
    if wanted["assured_by"]:
        rows = session.execute(select(AppUser.id, AppUser.name).where(AppUser.id.in_(uuids(wanted["assured_by"]))))
        names.update({("assured_by", str(i)): n for i, n in rows})
    if wanted["place_id"]:
        rows = session.execute(select(Place.id, Place.name).where(Place.id.in_([int(t) for t in wanted["place_id"]])))
        names.update({("place_id", str(i)): n for i, n in rows})
    if wanted["pcode"]:
        rows = session.execute(select(AdminArea.level, AdminArea.pcode, AdminArea.name).where(
            AdminArea.pcode.in_(wanted["pcode"])))
        for level, pcode, name in rows:
            names[(f"{level}_pcode", pcode)] = name
    return names


def format_value(name: str, text: str | None, names: dict | None = None) -> str:
    """A stored history value (see ``codec``) as a person reads it."""
    if text is None or text == "":
        return "—"
    if names and (name, text) in names:
        return names[(name, text)]
    if name in _VOCABULARIES:
        return str(_VOCABULARIES[name].get(text, text))
    if name == "phones":
        return ", ".join(json.loads(text)) or "—"
    if name == "needs":
        codes = json.loads(text)
        return ", ".join(str(taxonomy.NEEDS.get(code, code)) for code in codes) or "—"
    if name == "confidential":
        return _("yes") if text == "true" else _("no")
    if name == "geom":
        try:
            point = wkt.loads(text)
        except Exception:  # noqa: BLE001 - shown as stored when it is not a point
            return text
        return f"{point.y:.5f}, {point.x:.5f}"
    return text
