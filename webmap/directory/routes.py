"""Thin views of the directory pages: parse, call ``service``/``query``, commit, render."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

import layers

from .. import clock, taxonomy
from ..assets.routes import vendor_url
from ..auth import roles
from ..auth.decorators import role_required, staff_required
from ..errors import WebmapError, exception_headers
from ..extensions import db
from ..history import service as history_records  # a module: no import cycle with the history package
from ..history.labels import (
    ACTION_LABELS,
    HIDDEN_ON_PAGES,
    RESOURCE_LABELS,
    field_label,
    format_value,
    value_names,
)
from ..models import AppUser, ChangeProposal, Organization
from ..viewer import current_viewer
from . import bp, merge, service
from .duplicates import DuplicateSuspected
from .filters import parse_list_filters
from .forms import OrganizationForm, RejectForm, ServiceForm, service_input
from .query import STALE_AFTER_DAYS, get_service, search_services
from .records import all_errors
from .schedules import service_availability
from .validation import ValidationFailed

# --- template helpers ---------------------------------------------------------------------------


@bp.app_template_filter("verified_ago")
def verified_ago(day) -> str:
    """« Vérifié il y a 12 jours », « Vérifié aujourd'hui », « Jamais vérifié »."""
    days = service.days_since(day)
    if days is None:
        return _("Never verified")
    if days <= 0:
        return _("Verified today")
    return ngettext("Verified %(num)d day ago", "Verified %(num)d days ago", days)


@bp.app_template_filter("history_resource")
def history_resource(resource_type: str) -> str:
    label = RESOURCE_LABELS.get(resource_type)
    return str(label) if label is not None else resource_type


@bp.context_processor
def template_helpers() -> dict:
    return {
        "roles": roles,
        "vocab": taxonomy.vocabulary_labels(),
        "category_styles": layers.CATEGORY_STYLES,
        "stale_after_days": STALE_AFTER_DAYS,
        "vendor_url": vendor_url,
        "action_labels": {code: str(label) for code, label in ACTION_LABELS.items()},
        "field_label": field_label,
        "format_value": format_value,
    }


def _back(default: str) -> str:
    """The ``next`` form field when it is a path of this site, else ``default``."""
    target = request.form.get("next") or request.args.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc:
        return target
    return default


# --- errors shown as pages ----------------------------------------------------------------------


@bp.errorhandler(WebmapError)
def _domain_error(exc: WebmapError):
    db.session.rollback()
    return render_template("directory/error.html", title=_("Error"), message=exc.error, status=exc.status), exc.status


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    messages = {
        403: _("You are not allowed to see this page or do this."),
        404: _("This page does not exist."),
        405: _("This action is not possible here."),
    }
    if exc.code not in messages:
        return exc
    return (
        render_template("directory/error.html", title=_("Error"), message=messages[exc.code], status=exc.code),
        exc.code,
        exception_headers(exc),  # the ``Allow`` of a 405
    )


# --- list ---------------------------------------------------------------------------------------


@bp.get("/")
def index():
    filters, choices, page = parse_list_filters(db.session, request.args)
    features, has_next = search_services(db.session, filters, current_viewer())
    args = request.args.to_dict(flat=False)
    args.pop("page", None)
    return render_template(
        "directory/list.html",
        title=_("Directory of structures"),
        features=features,
        page=page,
        has_next=has_next,
        first=filters.offset + 1,
        args=args,
        choices=choices,
        selected=request.args,
    )


# --- detail -------------------------------------------------------------------------------------


def _moved(service_id: uuid.UUID, endpoint: str):
    """A 301 to the record ``service_id`` was merged into, or None when it was not merged."""
    target = merge.final_record(db.session, service_id)
    return redirect(url_for(endpoint, service_id=target), 301) if target else None


@bp.get("/services/<uuid:service_id>")
def detail(service_id: uuid.UUID):
    if moved := _moved(service_id, ".detail"):
        return moved
    viewer = current_viewer()
    record = service.get_service_record(db.session, service_id)
    feature = get_service(db.session, service_id, viewer)
    assured_by = db.session.get(AppUser, record.assured_by) if record.assured_by else None
    changes = history_records.service_history(db.session, service_id, viewer)
    pending = []
    if roles.is_staff(current_user):
        pending = [p for p in service.proposals(db.session, current_user) if p.service_id == service_id]
    # The records merged into this one: their own history stays readable here.
    merged = [(old, _readable(history_records.service_history(db.session, old.id, viewer)))
              for old in merge.merged_into_this(db.session, service_id)]
    return render_template(
        "directory/detail.html",
        title=record.name,
        record=record,
        feature=feature,
        p=feature["properties"],
        organization=record.organization,
        assured_by=assured_by if roles.is_staff(current_user) else None,
        pending=pending,
        **service_availability(db.session, service_id, clock.now()),
        # A service's links to its places say nothing the place's own entries do not.
        **_history_context([c for c in changes if c.resource_type != "service_at_location"]),
        merged=merged,
        merged_names=value_names(db.session, [c for _old, changes in merged for c in changes]),
        can_merge=roles.is_admin(current_user),
    )


def _readable(changes: list) -> list:
    return [c for c in changes if c.resource_type != "service_at_location"]


def _history_context(history: list) -> dict:
    """What ``_macros.history_list`` needs: the changes and readable names for their values."""
    return {"history": history, "names": value_names(db.session, history), "hidden_fields": HIDDEN_ON_PAGES}


# --- forms --------------------------------------------------------------------------------------


def _all_errors(data, errors: dict[str, str]) -> dict[str, str]:
    """Fields that could not be read, plus every rule the rest breaks: all shown at once."""
    return all_errors(db.session, data, errors)


def _render_form(form: ServiceForm, errors: dict, record=None, status: int = 200, proposal: bool = False,
                 duplicates=()):
    title = _("Edit %(name)s", name=record.name) if record else _("Add a structure")
    return (
        render_template(
            "directory/form.html", title=title, form=form, errors=errors, record=record, proposal=proposal,
            can_set_fallback=roles.is_admin(current_user), duplicates=duplicates,
        ),
        status,
    )


@bp.route("/services/new", methods=["GET", "POST"])
@role_required(roles.EDITOR)
def create():
    if not roles.can_create(current_user):
        abort(403)
    organizations = service.editable_organizations(db.session, current_user)
    form = ServiceForm()
    form.set_choices(organizations, allow_new=roles.is_admin(current_user))
    errors: dict[str, str] = {}
    if request.method == "GET":
        form.status.data = "active"
        form.precision.data = "exact"
        if len(organizations) == 1:
            form.organization_id.data = str(organizations[0].id)
        return _render_form(form, errors)
    if form.validate_on_submit():
        data, errors = service_input(form, db.session)
        if not roles.is_admin(current_user):
            data.fallback_contact = None  # administrators only: kept as it is
        if errors:
            errors = _all_errors(data, errors)
        else:
            data.capacity_updated = dt.date.today() if data.capacity is not None else None
            try:
                record = service.create_service(db.session, current_user, data,
                                                confirmed_distinct=bool(form.confirm_distinct.data))
                db.session.commit()
            except ValidationFailed as exc:
                db.session.rollback()
                errors = exc.errors
            except DuplicateSuspected as exc:
                db.session.rollback()
                return _render_form(form, {"duplicate": _("This structure may already be in the directory.")},
                                    status=422, duplicates=exc.duplicates)
            except service.PermissionDenied as exc:
                db.session.rollback()
                errors = {"organization": exc.error}
            else:
                flash(_("The structure “%(name)s” was added.", name=record.name), "success")
                return redirect(url_for(".detail", service_id=record.id))
    return _render_form(form, errors or {"form": _("The form could not be read.")}, status=422)


@bp.route("/services/<uuid:service_id>/edit", methods=["GET", "POST"])
@role_required(roles.EDITOR)
def edit(service_id: uuid.UUID):
    if moved := _moved(service_id, ".edit"):
        return moved
    record = service.get_service_record(db.session, service_id)
    direct = roles.can_edit(current_user, record.organization_id)
    # A proposal keeps the service's organization; a direct edit may move it to another of one's own.
    organizations = service.editable_organizations(db.session, current_user) if direct else [record.organization]
    form = ServiceForm()
    form.set_choices(organizations, allow_new=roles.is_admin(current_user))
    current = service.service_input_from(db.session, record)
    errors: dict[str, str] = {}
    if request.method == "GET":
        form.fill(current)
        return _render_form(form, errors, record, proposal=not direct)
    if form.validate_on_submit():
        data, errors = service_input(form, db.session)
        if not roles.is_admin(current_user):
            data.fallback_contact = None  # administrators only: kept as it is
        if errors:
            errors = _all_errors(data, errors)
        else:
            data.capacity_updated = (
                current.capacity_updated if data.capacity == current.capacity else dt.date.today()
            )
            try:
                result = service.update_service(db.session, current_user, record, data)
                db.session.commit()
            except ValidationFailed as exc:
                db.session.rollback()
                errors = exc.errors
            except service.PermissionDenied as exc:
                db.session.rollback()
                errors = {"organization": exc.error}
            else:
                if isinstance(result, ChangeProposal):
                    flash(_("Your change was sent to an administrator for approval."), "info")
                else:
                    flash(_("The changes were saved."), "success")
                return redirect(url_for(".detail", service_id=record.id))
    return _render_form(form, errors or {"form": _("The form could not be read.")}, record, 422, not direct)


# --- one-click actions (CSRF-protected POSTs) ---------------------------------------------------


@bp.post("/services/<uuid:service_id>/confirm")
@role_required(roles.EDITOR)
def confirm(service_id: uuid.UUID):
    record = service.get_service_record(db.session, service_id)
    service.confirm_accurate(db.session, current_user, record)
    db.session.commit()
    flash(_("“%(name)s” is confirmed as still accurate.", name=record.name), "success")
    return redirect(_back(url_for(".detail", service_id=service_id)))


@bp.post("/services/<uuid:service_id>/status")
@role_required(roles.EDITOR)
def change_status(service_id: uuid.UUID):
    status = request.form.get("status", "")
    if status not in taxonomy.SERVICE_STATUSES:
        abort(400)
    record = service.get_service_record(db.session, service_id)
    result = service.change_status(db.session, current_user, record, status)
    db.session.commit()
    if isinstance(result, ChangeProposal):
        flash(_("Your request was sent to an administrator for approval."), "info")
    elif status == "inactive":
        flash(_("“%(name)s” is deactivated: it stays in the directory, marked inactive.", name=record.name),
              "success")
    else:
        flash(_("“%(name)s” is active again.", name=record.name), "success")
    return redirect(url_for(".detail", service_id=service_id))


@bp.post("/history/<int:entry_id>/revert")
@role_required(roles.ADMIN)
def revert(entry_id: int):
    try:
        history_records.revert_entry(db.session, entry_id)
        db.session.commit()
    except history_records.RevertRefused as exc:
        db.session.rollback()
        flash(exc.error, "error")
    else:
        flash(_("The change was reverted."), "success")
    return redirect(_back(url_for(".index")))


# --- verification queue, dashboard --------------------------------------------------------------


@bp.get("/to-verify")
@staff_required
def to_verify():
    organization = request.args.get("organization") or ""
    mine = [org.id for org in current_user.organizations] if current_user.role == roles.EDITOR else None
    ids = mine
    if organization:
        try:
            ids = [uuid.UUID(organization)]
        except ValueError:
            abort(404)
    items = service.verification_queue(db.session, ids)
    organizations = list(db.session.scalars(select(Organization).order_by(Organization.name)))
    return render_template(
        "directory/to_verify.html",
        title=_("To verify"),
        items=items,
        organizations=organizations,
        organization=organization,
        mine=mine is not None and not organization,
    )


@bp.get("/dashboard")
@staff_required
def dashboard():
    return render_template("directory/dashboard.html", title=_("Dashboard"), counts=service.dashboard(db.session))


# --- proposals ----------------------------------------------------------------------------------


@bp.get("/proposals")
@role_required(roles.EDITOR)
def proposals():
    status = request.args.get("status", "pending")
    if status not in ("pending", "approved", "rejected"):
        abort(404)
    items = []
    org_names = {}
    for proposal in service.proposals(db.session, current_user, status):
        rows = []
        if proposal.status == "pending" and proposal.kind not in ("report", "new"):
            for name, now, proposed in service.proposal_differences(db.session, proposal):
                rows.append((name, _as_text(now), _as_text(proposed)))
                if name == "organization_id":
                    org_names.update({("organization_id", str(v)): None for v in (now, proposed) if v})
        items.append((proposal, rows))
    names = {}
    if org_names:
        ids = [uuid.UUID(text) for _f, text in org_names]
        names = {("organization_id", str(i)): n for i, n in db.session.execute(
            select(Organization.id, Organization.name).where(Organization.id.in_(ids)))}
    return render_template(
        "directory/proposals.html", title=_("Proposed changes"), items=items, status=status, names=names
    )


def _as_text(value) -> str | None:
    """A form value written like a history value, so both read the same way on the page."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@bp.post("/proposals/<uuid:proposal_id>/approve")
@role_required(roles.ADMIN)
def approve(proposal_id: uuid.UUID):
    try:
        proposal = service.approve_proposal(db.session, current_user, proposal_id)
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        flash(_("The proposal no longer passes validation: %(errors)s",
                errors="; ".join(exc.errors.values())), "error")
    else:
        flash(_("The change to “%(name)s” was approved and applied.", name=proposal.service.name), "success")
    return redirect(url_for(".proposals"))


@bp.post("/proposals/<uuid:proposal_id>/reject")
@role_required(roles.ADMIN)
def reject(proposal_id: uuid.UUID):
    form = RejectForm()
    proposal = service.reject_proposal(db.session, current_user, proposal_id, form.note.data)
    db.session.commit()
    flash(_("The change to “%(name)s” was rejected.", name=proposal.service.name), "success")
    return redirect(url_for(".proposals"))


# --- organizations ------------------------------------------------------------------------------


@bp.get("/organizations")
@staff_required
def organizations():
    return render_template(
        "directory/organizations.html",
        title=_("Organisations"),
        rows=service.organizations_overview(db.session),
    )


@bp.route("/organizations/new", methods=["GET", "POST"])
@bp.route("/organizations/<uuid:organization_id>/edit", methods=["GET", "POST"])
@role_required(roles.ADMIN)
def organization_form(organization_id: uuid.UUID | None = None):
    organization = None
    if organization_id is not None:
        organization = db.session.get(Organization, organization_id)
        if organization is None:
            abort(404)
    form = OrganizationForm(obj=organization)
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            saved = service.save_organization(db.session, current_user, form.data, organization)
            db.session.commit()
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            flash(_("The organisation “%(name)s” was saved.", name=saved.name), "success")
            return redirect(url_for(".organizations"))
    title = _("Edit %(name)s", name=organization.name) if organization else _("Add an organisation")
    return (
        render_template("directory/organization_form.html", title=title, form=form, errors=errors,
                        organization=organization),
        422 if errors else 200,
    )


@bp.get("/organizations/<uuid:organization_id>/history")
@staff_required
def organization_history(organization_id: uuid.UUID):
    if not roles.can_manage_organizations(current_user):  # who may open the organization's edit page
        abort(403)
    organization = service.get_organization_record(db.session, organization_id)
    changes = history_records.organization_history(db.session, organization_id, current_viewer())
    return render_template(
        "directory/organization_history.html",
        title=_("History of “%(name)s”", name=organization.name),
        organization=organization,
        **_history_context(changes),
    )


# --- merging two records ------------------------------------------------------------------------

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def _record_id(text: str | None) -> uuid.UUID | None:
    """A record's id, or the address of its page pasted as it is."""
    found = _UUID.search(text or "")
    return uuid.UUID(found.group(0)) if found else None


@bp.route("/merge", methods=["GET", "POST"])
@role_required(roles.ADMIN)
def merge_page():
    values = request.form if request.method == "POST" else request.args
    keep_id, drop_id = _record_id(values.get("keep")), _record_id(values.get("drop"))
    errors: dict[str, str] = {}
    if request.method == "POST":
        if keep_id is None or drop_id is None:
            abort(400)
        choices = {g.key: request.form.get(f"choice:{g.key}", merge.KEEP) for g in merge.GROUPS}
        try:
            kept = merge.merge_services(db.session, current_user, keep_id, drop_id, choices)
            db.session.commit()
        except ValidationFailed as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            flash(_("The two records were merged into “%(name)s”; the other one's address now leads here.",
                    name=kept.name), "success")
            return redirect(url_for(".detail", service_id=kept.id))
    keep = service.get_service_record(db.session, keep_id) if keep_id else None
    drop = service.get_service_record(db.session, drop_id) if drop_id else None
    rows, suggestions = [], []
    for record in (keep, drop):
        if record is not None and record.merged_into is not None:
            errors = {"merged": _("“%(name)s” was already merged into another record.", name=record.name)}
            keep, drop = None, None
    if keep is not None and drop is not None:
        rows = merge.merge_rows(db.session, service.service_input_from(db.session, keep),
                                service.service_input_from(db.session, drop))
    elif keep is not None and keep.merged_into is None:
        suggestions = service.possible_duplicates(db.session, keep)
    return render_template(
        "directory/merge.html", title=_("Merge two records"), keep=keep, drop=drop, rows=rows,
        suggestions=suggestions, errors=errors, choices=request.form if errors else {},
        KEEP=merge.KEEP, DROP=merge.DROP, BOTH=merge.BOTH,
    ), 422 if errors else 200
