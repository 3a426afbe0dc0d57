"""Sign in and out, own password, and (for admins) the users' pages. Thin views."""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from ..directory.validation import ValidationFailed
from ..extensions import db
from ..i18n import of_name
from ..models import AppUser, Organization
from . import bp, devices, roles, service, sessions
from .decorators import role_required, staff_required
from .forms import LoginForm, PasswordForm, UserForm


def _safe_next(target: str | None) -> str | None:
    parts = urlsplit(target or "")
    if target and target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return None


@bp.context_processor
def _labels() -> dict:
    return {
        "role_labels": {code: str(label) for code, label in roles.ROLES.items()},
        "role_help": {code: str(text) for code, text in roles.ROLE_HELP.items()},
    }


@bp.app_errorhandler(CSRFError)
def _csrf_error(exc: CSRFError):
    """A form sent without its token (or an expired one): refuse, say why, in the user's language."""
    return (
        render_template(
            "directory/error.html",
            title=_("Form expired"),
            message=_("The form has expired or did not come from this site. Reload the page and try again."),
            status=400,
        ),
        400,
    )


def _client_address() -> str:
    return request.remote_addr or "?"


def _session_lifetime() -> dt.timedelta:
    return dt.timedelta(hours=current_app.config["WEBMAP_SESSION_HOURS"])


def _remember_device(response: Response, email: str, client: str | None) -> None:
    """The known-good browser cookie of this account (``devices``), for its next sign-ins."""
    response.set_cookie(
        devices.COOKIE, devices.issue(current_app.secret_key, email, client),
        max_age=int(devices.MAX_AGE.total_seconds()), path=url_for(".login"), httponly=True,
        samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    status = 200
    headers = {}
    if form.validate_on_submit():
        login = service.normalise_login(form.email.data)
        client = devices.known_client(current_app.secret_key, login, request.cookies.get(devices.COOKIE))
        try:
            user = service.authenticate(db.session, login, form.password.data, _client_address(), client)
        except service.LoginRefused as exc:
            db.session.commit()  # keep the failed attempt: it counts towards the throttle
            error, status = exc.error, (429 if exc.retry_after else 401)
            if exc.retry_after:
                headers["Retry-After"] = str(max(1, int(exc.retry_after.total_seconds())))
        else:
            if current_user.is_authenticated:  # signing in again: the previous session ends
                sessions.close_session(db.session, current_user.session_token)
            sessions.open_session(db.session, user, _session_lifetime())
            db.session.commit()
            session.clear()  # a fresh session for the signed-in user
            login_user(user)
            flash(_("Welcome, %(name)s.", name=user.name), "success")
            response = redirect(_safe_next(request.args.get("next")) or url_for("directory.index"))
            _remember_device(response, user.email, client)
            return response
    response = render_template("auth/login.html", title=_("Sign in"), form=form, error=error)
    return response, status, headers


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:  # the server forgets the session: a copied cookie is worthless
        sessions.close_session(db.session, current_user.session_token)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("map.index"))


@bp.route("/password", methods=["GET", "POST"])
@staff_required
def password():
    form = PasswordForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        if form.password.data != form.password_confirm.data:
            errors["password_confirm"] = _("The two passwords differ.")
        else:
            try:
                service.change_password(db.session, current_user, form.current.data, form.password.data)
                db.session.commit()
            except ValidationFailed as exc:
                db.session.rollback()
                errors = exc.errors
            else:  # this session goes on; the account's others were signed out
                flash(_("Your password was changed."), "success")
                return redirect(url_for("directory.index"))
    return render_template("auth/password.html", title=_("Change my password"), form=form, errors=errors), (
        422 if errors else 200
    )


# --- users (admins) -----------------------------------------------------------------------------


def _all_organizations():
    return list(db.session.scalars(select(Organization).order_by(Organization.name)))


def _organization_ids(values: list[str]) -> list[uuid.UUID]:
    ids = []
    for value in values or []:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            continue
    return ids


@bp.get("/users")
@role_required(roles.ADMIN)
def users():
    return render_template("auth/users.html", title=_("Users"), users=service.list_users(db.session))


@bp.route("/users/new", methods=["GET", "POST"])
@role_required(roles.ADMIN)
def user_new():
    form = UserForm()
    form.set_choices(_all_organizations())
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        if form.password.data != form.password_confirm.data:
            errors["password_confirm"] = _("The two passwords differ.")
        try:
            user = service.create_user(
                db.session, form.email.data, form.name.data, form.role.data, form.password.data,
                _organization_ids(form.organizations.data),
            )
            if errors:
                raise ValidationFailed(errors)
            db.session.commit()
        except ValidationFailed as exc:
            db.session.rollback()
            errors = {**exc.errors, **errors}
        else:
            flash(_("The account %(of_name)s was created.", of_name=of_name(user.name)), "success")
            return redirect(url_for(".users"))
    return render_template("auth/user_form.html", title=_("New user"), form=form, errors=errors, user=None), (
        422 if errors else 200
    )


@bp.route("/users/<uuid:user_id>", methods=["GET", "POST"])
@role_required(roles.ADMIN)
def user_edit(user_id: uuid.UUID):
    user = db.session.get(AppUser, user_id)
    if user is None:
        abort(404)
    form = UserForm(obj=user) if request.method == "GET" else UserForm()
    form.set_choices(_all_organizations())
    if request.method == "GET":
        form.organizations.data = [str(org.id) for org in user.organizations]
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        if form.password.data and form.password.data != form.password_confirm.data:
            errors["password_confirm"] = _("The two passwords differ.")
        try:
            service.update_user(
                db.session, user, form.name.data, form.role.data, bool(form.active.data),
                _organization_ids(form.organizations.data), form.password.data or None,
            )
            if errors:
                raise ValidationFailed(errors)
            db.session.commit()
        except ValidationFailed as exc:
            db.session.rollback()
            errors = {**exc.errors, **errors}
        else:
            flash(_("The account %(of_name)s was saved.", of_name=of_name(user.name)), "success")
            return redirect(url_for(".users"))
    return render_template(
        "auth/user_form.html", title=_("Edit %(name)s", name=user.name), form=form, errors=errors, user=user
    ), (422 if errors else 200)
