"""Roles and what each may do — the one place permissions are decided.

* admin — everything: manages users and organizations, approves proposals, reverts changes;
* editor — creates and edits the services of their own organization(s); a change to another
  organization's service becomes a proposal waiting for an admin;
* referral — referral staff: reads confidential details, changes nothing;
* the public (no account) reads public data only; it may send suggestions (``webmap.suggest``),
  which wait in the moderation queue.

Suggestions about a service (a public report, a structure's own corrections) are decided by
admins and by the editors of the service's organization; a proposed new structure by admins.

Functions take any object with Flask-Login's user protocol (``current_user``), so they work for
the anonymous user too, and never import Flask.
"""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l

ADMIN = "admin"
EDITOR = "editor"
REFERRAL = "referral"

ROLES: dict[str, object] = {
    ADMIN: _l("Administrator"),
    EDITOR: _l("Editor"),
    REFERRAL: _l("Referral staff"),
}

ROLE_HELP: dict[str, object] = {
    ADMIN: _l("Everything, including users, organizations, proposals and reverts."),
    EDITOR: _l("Edits the services of their organizations; proposes changes to the others."),
    REFERRAL: _l("Reads confidential details (exact positions, addresses); changes nothing."),
}


def is_staff(user) -> bool:
    """A signed-in, active account with a known role."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
        and getattr(user, "role", None) in ROLES
    )


def has_role(user, *roles: str) -> bool:
    """Staff with one of ``roles`` (an admin has every role); any staff when none is given."""
    return is_staff(user) and (not roles or user.role == ADMIN or user.role in roles)


def is_admin(user) -> bool:
    return is_staff(user) and user.role == ADMIN


def can_see_confidential(user) -> bool:
    """Referral staff, editors and admins see confidential positions and addresses."""
    return is_staff(user)


def can_edit(user, organization_id: uuid.UUID | None) -> bool:
    """May write the services and locations of ``organization_id`` directly."""
    if is_admin(user):
        return True
    return (
        is_staff(user)
        and user.role == EDITOR
        and organization_id is not None
        and organization_id in user.organization_ids
    )


def can_propose(user) -> bool:
    """May propose a change to any service (editors; admins write directly)."""
    return has_role(user, EDITOR)


def can_create(user) -> bool:
    """May add services: admins, and editors with at least one organization."""
    return is_admin(user) or (has_role(user, EDITOR) and bool(user.organization_ids))


def can_manage_users(user) -> bool:
    return is_admin(user)


def can_manage_organizations(user) -> bool:
    return is_admin(user)


def can_decide_proposals(user) -> bool:
    return is_admin(user)


def can_revert(user) -> bool:
    return is_admin(user)


def can_decide_suggestion(user, organization_id: uuid.UUID | None) -> bool:
    """May accept or reject a suggestion sent without an account about a service of
    ``organization_id`` (None: a proposed new structure, admins only)."""
    if organization_id is None:
        return is_admin(user)
    return can_edit(user, organization_id)


def can_send_verification_links(user, organization_id: uuid.UUID | None) -> bool:
    """May make, list and revoke the self-verification links of ``organization_id``'s services."""
    return can_edit(user, organization_id)
