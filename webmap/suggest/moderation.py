"""Deciding suggestions (thin views): accept through the directory form, or reject with a reason."""

from __future__ import annotations

import datetime as dt
import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import roles
from ..auth.decorators import role_required
from ..directory import service as directory
from ..directory.duplicates import DuplicateSuspected
from ..directory.forms import ServiceForm, service_input
from ..directory.records import all_errors
from ..directory.validation import ValidationFailed
from ..extensions import db
from ..models import ChangeProposal
from . import bp, pages, suggestions  # noqa: F401  (pages: helpers and error pages)


def _render(form: ServiceForm, proposal: ChangeProposal, errors: dict, status: int = 200, duplicates=()):
    return render_template(
        "suggest/accept.html", title=_("Accept a suggestion"), form=form, errors=errors, proposal=False,
        suggestion=proposal, record=proposal.service, can_set_fallback=roles.is_admin(current_user),
        form_action=url_for(".accept", proposal_id=proposal.id), duplicates=duplicates,
    ), status


@bp.route("/directory/suggestions/<uuid:proposal_id>/accept", methods=["GET", "POST"])
@role_required(roles.EDITOR)
def accept(proposal_id: uuid.UUID):
    proposal = suggestions.pending_suggestion(db.session, current_user, proposal_id)
    form = ServiceForm()
    form.set_choices(directory.editable_organizations(db.session, current_user),
                     allow_new=roles.is_admin(current_user))
    if request.method == "GET":
        form.fill(suggestions.starting_point(db.session, proposal))
        return _render(form, proposal, {})
    errors: dict[str, str] = {"form": _("The form could not be read.")}
    if form.validate_on_submit():
        data, errors = service_input(form, db.session)
        if not roles.is_admin(current_user):
            data.fallback_contact = None  # administrators only: kept as it is
        if errors:
            errors = all_errors(db.session, data, errors)
        else:
            record = proposal.service
            unchanged = record is not None and record.capacity == data.capacity
            data.capacity_updated = record.capacity_updated if unchanged else (
                dt.date.today() if data.capacity is not None else None)
            try:
                result = suggestions.accept(db.session, current_user, proposal, data,
                                            confirmed_distinct=bool(form.confirm_distinct.data))
                db.session.commit()
            except ValidationFailed as exc:
                db.session.rollback()
                errors = exc.errors
            except DuplicateSuspected as exc:
                db.session.rollback()
                return _render(form, proposal, {"duplicate": _("This structure may already be in the directory.")},
                               422, duplicates=exc.duplicates)
            except directory.PermissionDenied as exc:
                db.session.rollback()
                errors = {"organization": exc.error}
            else:
                if isinstance(result, ChangeProposal):
                    flash(_("Your change was sent to an administrator for approval."), "info")
                    return redirect(url_for("directory.proposals"))
                flash(_("The suggestion was accepted: “%(name)s” is saved.", name=result.name), "success")
                return redirect(url_for("directory.detail", service_id=result.id))
    return _render(form, proposal, errors, 422)


@bp.post("/directory/suggestions/<uuid:proposal_id>/reject")
@role_required(roles.EDITOR)
def reject(proposal_id: uuid.UUID):
    proposal = suggestions.pending_suggestion(db.session, current_user, proposal_id)
    try:
        suggestions.reject(db.session, current_user, proposal, request.form.get("note"))
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        flash(exc.errors["note"], "error")
    else:
        flash(_("The suggestion was rejected."), "success")
    return redirect(url_for("directory.proposals"))
