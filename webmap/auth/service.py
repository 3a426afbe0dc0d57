"""Accounts: sign-in with throttling, creating and updating users (Flask-free; callers commit).

Sessions are opened and revoked in ``.sessions``; the throttle lives in ``.throttle``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..directory.validation import InvalidValue, ValidationFailed, check_name, normalise_email
from ..errors import WebmapError
from ..models import AppUser, Organization
from . import sessions, throttle
from .roles import ADMIN, EDITOR, ROLES

MIN_PASSWORD_LENGTH = 10
# Compared against when the e-mail is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not a password, only for timing")


class LoginRefused(WebmapError):
    """Wrong e-mail or password, inactive account, or too many attempts (``retry_after``)."""

    status = 401

    def __init__(self, message: str, retry_after: dt.timedelta | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def hash_password(password: str) -> str:
    """A salted scrypt hash (Werkzeug's default: N=2^15, r=8, p=1)."""
    return generate_password_hash(password)


def check_password_strength(password: str, email: str = "") -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidValue(_("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
    if email and password.strip().lower() == email.strip().lower():
        raise InvalidValue(_("The password must not be the e-mail address."))


def normalise_login(email: str) -> str:
    return (email or "").strip().lower()


def authenticate(session: Session, email: str, password: str, ip: str, client: str | None = None) -> AppUser:
    """The active account with these credentials; records the attempt (the caller commits).

    ``client`` is the id of a known-good browser for this e-mail (``devices.known_client``).
    Raises ``LoginRefused`` with one message for an unknown e-mail and a wrong password, so the
    form does not reveal which accounts exist; with ``retry_after`` while the throttle makes
    this client wait (the password is then not checked).
    """
    login = normalise_login(email)
    wait = throttle.admit(session, login, ip, client)
    if wait is not None:
        minutes = max(1, -(-int(wait.total_seconds()) // 60))
        raise LoginRefused(
            ngettext("Too many failed attempts. Try again in %(num)d minute.",
                     "Too many failed attempts. Try again in %(num)d minutes.", minutes), wait
        )
    user = session.scalar(select(AppUser).where(AppUser.email == login))
    valid = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    if user is None or not valid or not user.active:
        throttle.record(session, login, ip, succeeded=False, client=client)
        raise LoginRefused(_("Wrong e-mail address or password, or inactive account."))
    throttle.record(session, login, ip, succeeded=True, client=client)
    user.last_login_at = func.now()
    session.flush()
    return user


def _organizations(session: Session, ids: Iterable[uuid.UUID]) -> list[Organization]:
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    found = session.scalars(select(Organization).where(Organization.id.in_(ids))).all()
    if len(found) != len(ids):
        raise ValidationFailed({"organizations": _("Unknown organization.")})
    return list(found)


def _check_account(session: Session, errors: dict, name: str, role: str, organization_ids: list) -> None:
    if not (name or "").strip():
        errors["name"] = _("A name is required.")
    elif len(name.strip()) > 200:
        errors["name"] = _("At most 200 characters.")
    else:  # shown beside every change, in the history pages and the HSDS package's metadata
        try:
            check_name(name.strip())
        except InvalidValue as exc:
            errors["name"] = str(exc)
    if role not in ROLES:
        errors["role"] = _("Choose a role.")
    elif role == EDITOR and not organization_ids:
        errors["organizations"] = _("An editor edits for at least one organization.")


def create_user(
    session: Session,
    email: str,
    name: str,
    role: str,
    password: str,
    organization_ids: Iterable[uuid.UUID] = (),
) -> AppUser:
    """A new account; raises ``ValidationFailed`` (field → message) listing every problem."""
    errors: dict[str, str] = {}
    organization_ids = list(organization_ids)
    try:
        login = normalise_email(email)
        if not login:
            errors["email"] = _("An e-mail address is required.")
        elif session.scalar(select(AppUser.id).where(AppUser.email == login)) is not None:
            errors["email"] = _("An account already uses this e-mail address.")
    except InvalidValue as exc:
        errors["email"], login = str(exc), None
    _check_account(session, errors, name, role, organization_ids)
    try:
        check_password_strength(password, login or "")
    except InvalidValue as exc:
        errors["password"] = str(exc)
    if errors:
        raise ValidationFailed(errors)
    user = AppUser(
        email=login,
        name=name.strip(),
        role=role,
        password_hash=hash_password(password),
        active=True,
        organizations=_organizations(session, organization_ids),
    )
    session.add(user)
    session.flush()
    return user


def _other_active_admins(session: Session, user: AppUser) -> int:
    return session.scalar(
        select(func.count()).select_from(AppUser).where(
            AppUser.role == ADMIN, AppUser.active.is_(True), AppUser.id != user.id
        )
    )


def update_user(
    session: Session,
    user: AppUser,
    name: str,
    role: str,
    active: bool,
    organization_ids: Iterable[uuid.UUID] = (),
    password: str | None = None,
) -> AppUser:
    """Change an account; the last active admin cannot be demoted or deactivated.

    A new role or a deactivation signs out every session of the account; a new password every
    session but the one ``user`` was loaded for (an admin changing their own password).
    """
    errors: dict[str, str] = {}
    organization_ids = list(organization_ids)
    _check_account(session, errors, name, role, organization_ids)
    if user.role == ADMIN and user.active and (role != ADMIN or not active) and not _other_active_admins(session, user):
        errors["role"] = _("At least one active administrator must remain.")
    if password:
        try:
            check_password_strength(password, user.email)
        except InvalidValue as exc:
            errors["password"] = str(exc)
    if errors:
        raise ValidationFailed(errors)
    if role != user.role or active != user.active:
        sessions.revoke_sessions(session, user.id)
    elif password:
        sessions.revoke_sessions(session, user.id, keep=user.session_token)
    user.name = name.strip()
    user.role = role
    user.active = active
    user.organizations = _organizations(session, organization_ids)
    if password:
        user.password_hash = hash_password(password)
    session.flush()
    return user


def change_password(session: Session, user: AppUser, current: str, new: str) -> None:
    """A new password for ``user``; every other session of the account is signed out."""
    errors: dict[str, str] = {}
    if not check_password_hash(user.password_hash, current or ""):
        errors["current"] = _("This is not your current password.")
    try:
        check_password_strength(new, user.email)
    except InvalidValue as exc:
        errors["password"] = str(exc)
    if errors:
        raise ValidationFailed(errors)
    user.password_hash = hash_password(new)
    sessions.revoke_sessions(session, user.id, keep=user.session_token)
    session.flush()


def list_users(session: Session) -> list[AppUser]:
    return list(session.scalars(select(AppUser).order_by(AppUser.name, AppUser.email)))
