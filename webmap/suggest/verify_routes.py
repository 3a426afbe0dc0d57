"""Self-verification links: the structure's pages (``/verify/<token>``, no account) and the staff's
(making, listing and revoking links; the verification campaign and its CSV). Thin views over
``links`` and ``campaign``."""

from __future__ import annotations

import uuid

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import roles
from ..auth.decorators import role_required
from ..directory import service as directory
from ..directory.forms import service_input
from ..directory.query import get_service
from ..directory.validation import ValidationFailed
from ..directory.visibility import PUBLIC
from ..extensions import db
from ..models import Organization
from . import bp, campaign, links
from .forms import CORRECTABLE, CorrectionForm
from .pages import token_page

# --- the structure's pages -----------------------------------------------------------------------

REFUSALS = {
    "unknown": lambda: _("This verification link is not valid. Check that it was copied whole, or ask "
                         "the directory team for a new one."),
    "used": lambda: _("This verification link has already been used. Thank you! To change something "
                      "else, ask the directory team for a new link."),
    "revoked": lambda: _("This verification link was cancelled by the directory team. Ask them for a new one."),
    "expired": lambda: _("This verification link has expired. Ask the directory team for a new one."),
}


def _refused(exc: links.LinkRefused):
    db.session.rollback()
    return render_template("suggest/link_refused.html", title=_("Verification link"),
                           message=REFUSALS[exc.reason](), reason=exc.reason), exc.status


def _record_page(link, token: str, form: CorrectionForm | None = None, errors: dict | None = None,
                 status: int = 200):
    service = link.service
    feature = get_service(db.session, service.id, PUBLIC)
    return render_template(
        "suggest/verify.html" if form is None else "suggest/correct.html",
        title=_("Verify the record of %(name)s", name=service.name),
        record=service, p=feature["properties"], details=directory.service_input_from(db.session, service),
        link=link, token=token, form=form, errors=errors or {}, correctable=CORRECTABLE,
    ), status


@bp.get("/verify/<token>")
@token_page
def verify(token: str):
    try:
        link = links.open_link(db.session, token)
    except links.LinkRefused as exc:
        return _refused(exc)
    return _record_page(link, token)


@bp.post("/verify/<token>/confirm")
@token_page
def verify_confirm(token: str):
    try:
        service = links.confirm(db.session, token)
        db.session.commit()
    except links.LinkRefused as exc:
        return _refused(exc)
    return render_template("suggest/verify_done.html", title=_("Thank you"), record=service, outcome="confirmed")


@bp.route("/verify/<token>/corrections", methods=["GET", "POST"])
@token_page
def verify_corrections(token: str):
    try:
        link = links.open_link(db.session, token)
    except links.LinkRefused as exc:
        return _refused(exc)
    current = directory.service_input_from(db.session, link.service)
    form = CorrectionForm()
    form.set_choices([link.service.organization], allow_new=False)
    if request.method == "GET":
        form.fill(current)
        return _record_page(link, token, form)
    errors: dict[str, str] = {"form": _("The form could not be read: please send it again.")}
    if form.validate_on_submit():
        form.keep(current)
        data, errors = service_input(form, db.session)
        data.fallback_contact = current.fallback_contact  # not the structure's to change
        data.capacity_updated = current.capacity_updated
        if not errors:
            try:
                proposal = links.correct(db.session, token, data)
                comment = (form.comment.data or "").strip()
                if comment:
                    proposal.payload = {**proposal.payload, "comment": comment[:2000]}
                db.session.commit()
            except links.LinkRefused as exc:
                return _refused(exc)
            except ValidationFailed as exc:
                db.session.rollback()
                errors = exc.errors
            else:
                return render_template("suggest/verify_done.html", title=_("Thank you"), record=link.service,
                                       outcome="corrected")
    return _record_page(link, token, form, errors, 422)


# --- staff: links of one structure ---------------------------------------------------------------


def _link_url(token: str) -> str:
    return url_for("suggest.verify", token=token, _external=True)


@bp.route("/directory/services/<uuid:service_id>/verification-links", methods=["GET", "POST"])
@role_required(roles.EDITOR)
def service_links(service_id: uuid.UUID):
    record = directory.get_service_record(db.session, service_id)
    if not roles.can_send_verification_links(current_user, record.organization_id):
        abort(403)
    made = None
    if request.method == "POST":
        link, token = links.make_link(db.session, current_user, record)
        db.session.commit()
        made = {"link": link, "url": _link_url(token)}
    return render_template(
        "suggest/links.html", title=_("Verification links of %(name)s", name=record.name), record=record,
        made=made, links=links.links_of(db.session, service_id), state=links.state,
    ), 201 if made else 200


@bp.post("/directory/verification-links/<uuid:link_id>/revoke")
@role_required(roles.EDITOR)
def revoke_link(link_id: uuid.UUID):
    link = links.revoke(db.session, current_user, link_id)
    db.session.commit()
    return redirect(url_for(".service_links", service_id=link.service_id))


# --- staff: the verification campaign ------------------------------------------------------------


def _campaign_filters() -> tuple[uuid.UUID | None, str | None]:
    raw = request.values.get("organization") or ""
    region = request.values.get("region") or None
    try:
        organization_id = uuid.UUID(raw) if raw else None
    except ValueError:
        abort(404)
    return organization_id, region


@bp.route("/directory/verification", methods=["GET", "POST"])
@role_required(roles.EDITOR)
def verification_campaign():
    organization_id, region = _campaign_filters()
    regions, _grouped = directory.admin_choices(db.session)
    if region is not None and region not in dict(regions):
        abort(404)
    rows = campaign.stale_rows(db.session, current_user, organization_id, region)
    if request.method == "POST":
        rows = campaign.make_links(db.session, current_user, rows)
        db.session.commit()
        if request.form.get("format") == "csv":
            return Response(
                campaign.csv_text(rows, _link_url), mimetype="text/csv",
                headers={"Content-Disposition": 'attachment; filename="liens_de_verification.csv"'},
            )
    scope = campaign.organization_scope(current_user, None)
    organizations = directory.editable_organizations(db.session, current_user)
    if scope is not None:
        organizations = [o for o in organizations if o.id in scope]
    return render_template(
        "suggest/campaign.html", title=_("Verification campaign"), rows=rows, made=request.method == "POST",
        organizations=organizations, regions=regions, organization=str(organization_id or ""),
        region=region or "", link_url=_link_url, state=links.state,
        organization_name=db.session.get(Organization, organization_id).name if organization_id else None,
    )
