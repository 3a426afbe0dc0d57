"""Editing pages (thin views): campaigns for editors of their own organizations, at-risk zones for
administrators. Permissions come from ``webmap.auth.roles``; every change is recorded in the
history by ``webmap.history`` (``__audited__`` models), shown at the bottom of each form.

* ``GET /planning/manage`` — campaigns and zones, with what the user may edit
* ``GET|POST /planning/campaigns/new``, ``/planning/campaigns/<id>/edit``, ``POST .../delete``
* ``GET|POST /planning/zones/new``, ``/planning/zones/<id>/edit``, ``POST .../delete``
"""

from __future__ import annotations

import uuid

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..assets.routes import vendor_url
from ..auth import roles
from ..auth.decorators import role_required, staff_required
from ..directory.service import editable_organizations
from ..directory.validation import ValidationFailed
from ..extensions import db
from ..models import AuditEntry, Campaign, Organization, RiskZone
from . import service
from .forms import CampaignForm, RiskZoneForm, _date, area_from_form, campaign_input
from .routes import bp
from .vocabulary import CHANNELS, RISK_KINDS, RISK_LEVELS, THEMES

HISTORY_LIMIT = 60


def _history(table: str, record_id: uuid.UUID) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.resource_type == table, AuditEntry.resource_id == str(record_id))
            .order_by(AuditEntry.last_action_date.desc(), AuditEntry.id.desc())
            .limit(HISTORY_LIMIT)
        )
    )


def _map_config() -> dict:
    return {
        "levels": {
            "1": url_for("api.admin_areas", level="1", simplify="0.002"),
            "2": url_for("api.admin_areas", level="2", simplify="0.002"),
            "3": url_for("api.admin_areas", level="3", simplify="0.001"),
        },
        "view": {"bounds": [[4.34, -8.61], [10.74, -2.49]]},
    }


def _can_edit_campaign(campaign: Campaign) -> bool:
    return not campaign.is_demo and roles.can_edit(current_user, campaign.organization_id)


@bp.get("/planning/manage")
@staff_required
def manage():
    campaigns = db.session.scalars(
        select(Campaign).where(Campaign.is_demo.is_(False)).order_by(Campaign.end_date.desc(), Campaign.name).limit(500)
    ).all()
    zones = db.session.scalars(select(RiskZone).order_by(RiskZone.is_reference, RiskZone.name)).all()
    return render_template(
        "planning/manage.html",
        title=_("Campaigns and at-risk zones"),
        campaigns=campaigns,
        zones=zones,
        can_edit_campaign=_can_edit_campaign,
        can_create=roles.can_create(current_user),
        is_admin=roles.is_admin(current_user),
        themes={code: str(label) for code, label in THEMES.items()},
        channels={code: str(label) for code, label in CHANNELS.items()},
        kinds={code: str(label) for code, label in RISK_KINDS.items()},
        risk_levels={code: str(label) for code, label in RISK_LEVELS.items()},
    )


# ---------------------------------------------------------------------------------- campaigns


def _render_campaign(form: CampaignForm, errors: dict, campaign: Campaign | None = None, status: int = 200):
    return render_template(
        "planning/form.html",
        title=_("Edit a campaign") if campaign else _("Add a campaign"),
        form=form,
        errors=errors,
        record=campaign,
        kind="campaign",
        history=_history("campaign", campaign.id) if campaign else [],
        map_config=_map_config(),
        vendor=vendor_url,
        delete_url=url_for(".campaign_delete", campaign_id=campaign.id) if campaign else None,
    ), status


def _fill_campaign(form: CampaignForm, campaign: Campaign) -> None:
    form.name.data = campaign.name
    form.organization_id.data = str(campaign.organization_id) if campaign.organization_id else ""
    form.organization.data = campaign.organization
    form.theme.data = campaign.theme
    form.channel.data = campaign.channel
    form.start_date.data = campaign.start_date.isoformat()
    form.end_date.data = campaign.end_date.isoformat()
    form.people_reached.data = "" if campaign.people_reached is None else str(campaign.people_reached)
    form.target_groups.data = ", ".join(campaign.target_groups or [])
    form.source.data = campaign.source
    form.notes.data = campaign.notes or ""
    form.area_pcodes.data = ", ".join(campaign.area_pcodes or [])
    if not campaign.area_pcodes:  # drawn or uploaded: keep it unless replaced
        form.area_geojson.data = db.session.scalar(
            select(func.ST_AsGeoJSON(Campaign.area, 6)).where(Campaign.id == campaign.id)
        )


def _save_campaign(form: CampaignForm, organizations, campaign: Campaign | None):
    allowed = {str(o.id): o for o in organizations}
    data, errors = campaign_input(form, allowed)
    if not roles.is_admin(current_user) and data.organization_id is None:
        errors["organization"] = _("Choose one of your organizations.")
    if errors:  # show every problem at once: the rules' messages, then what could not be read
        try:
            service.validate_campaign(db.session, data)
        except ValidationFailed as exc:
            errors = {**exc.errors, **errors}
        return None, errors
    try:
        record = service.save_campaign(db.session, data, campaign)
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return None, exc.errors
    return record, {}


@bp.route("/planning/campaigns/new", methods=["GET", "POST"])
@role_required(roles.EDITOR)
def campaign_create():
    if not roles.can_create(current_user):
        abort(403)
    organizations = editable_organizations(db.session, current_user)
    form = CampaignForm()
    form.set_choices(organizations, allow_none=roles.is_admin(current_user))
    if request.method == "GET":
        return _render_campaign(form, {})
    if not form.validate_on_submit():
        return _render_campaign(form, {"form": _("The form could not be read.")}, status=422)
    record, errors = _save_campaign(form, organizations, None)
    if errors:
        return _render_campaign(form, errors, status=422)
    flash(_("The campaign “%(name)s” was added.", name=record.name), "success")
    return redirect(url_for(".manage"))


@bp.route("/planning/campaigns/<uuid:campaign_id>/edit", methods=["GET", "POST"])
@role_required(roles.EDITOR)
def campaign_edit(campaign_id: uuid.UUID):
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    if not _can_edit_campaign(campaign):
        abort(403)
    organizations = editable_organizations(db.session, current_user)
    if campaign.organization_id and all(o.id != campaign.organization_id for o in organizations):
        organizations = [*organizations, db.session.get(Organization, campaign.organization_id)]
    form = CampaignForm()
    form.set_choices(organizations, allow_none=roles.is_admin(current_user))
    if request.method == "GET":
        _fill_campaign(form, campaign)
        return _render_campaign(form, {}, campaign)
    if not form.validate_on_submit():
        return _render_campaign(form, {"form": _("The form could not be read.")}, campaign, status=422)
    record, errors = _save_campaign(form, organizations, campaign)
    if errors:
        return _render_campaign(form, errors, campaign, status=422)
    flash(_("The changes were saved."), "success")
    return redirect(url_for(".campaign_edit", campaign_id=record.id))


@bp.post("/planning/campaigns/<uuid:campaign_id>/delete")
@role_required(roles.EDITOR)
def campaign_delete(campaign_id: uuid.UUID):
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    if not _can_edit_campaign(campaign):
        abort(403)
    name = campaign.name
    db.session.delete(campaign)
    db.session.commit()
    flash(_("The campaign “%(name)s” was deleted.", name=name), "success")
    return redirect(url_for(".manage"))


# ---------------------------------------------------------------------------------- risk zones


def _render_zone(form: RiskZoneForm, errors: dict, zone: RiskZone | None = None, status: int = 200):
    return render_template(
        "planning/form.html",
        title=_("Edit an at-risk zone") if zone else _("Add an at-risk zone"),
        form=form,
        errors=errors,
        record=zone,
        kind="zone",
        history=_history("risk_zone", zone.id) if zone else [],
        map_config=_map_config(),
        vendor=vendor_url,
        delete_url=url_for(".zone_delete", zone_id=zone.id) if zone else None,
    ), status


def _zone_input(form: RiskZoneForm) -> tuple[service.RiskZoneInput, dict]:
    errors: dict[str, str] = {}
    pcodes, geometry = area_from_form(form, errors)
    try:
        level = int(form.level.data)
    except (TypeError, ValueError):
        level = None
    return service.RiskZoneInput(
        name=form.name.data or "", kind=form.kind.data or "", level=level,
        criterion=form.criterion.data or "", source=form.source.data or "",
        date=_date(form.date.data, "date", errors), notes=form.notes.data,
        area_pcodes=pcodes, geometry=geometry,
    ), errors


def _save_zone(form: RiskZoneForm, zone: RiskZone | None):
    data, errors = _zone_input(form)
    if errors:
        return None, errors
    try:
        record = service.save_risk_zone(db.session, data, zone)
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return None, exc.errors
    return record, {}


@bp.route("/planning/zones/new", methods=["GET", "POST"])
@role_required(roles.ADMIN)
def zone_create():
    form = RiskZoneForm()
    form.set_choices()
    if request.method == "GET":
        form.level.data = "2"
        return _render_zone(form, {})
    if not form.validate_on_submit():
        return _render_zone(form, {"form": _("The form could not be read.")}, status=422)
    record, errors = _save_zone(form, None)
    if errors:
        return _render_zone(form, errors, status=422)
    flash(_("The at-risk zone “%(name)s” was added.", name=record.name), "success")
    return redirect(url_for(".manage"))


@bp.route("/planning/zones/<uuid:zone_id>/edit", methods=["GET", "POST"])
@role_required(roles.ADMIN)
def zone_edit(zone_id: uuid.UUID):
    zone = db.session.get(RiskZone, zone_id) or abort(404)
    if zone.is_reference:
        abort(403)
    form = RiskZoneForm()
    form.set_choices()
    if request.method == "GET":
        form.name.data, form.kind.data, form.level.data = zone.name, zone.kind, str(zone.level)
        form.criterion.data, form.source.data, form.notes.data = zone.criterion, zone.source, zone.notes or ""
        form.date.data = zone.date.isoformat()
        form.area_geojson.data = db.session.scalar(
            select(func.ST_AsGeoJSON(RiskZone.area, 6)).where(RiskZone.id == zone.id)
        )
        return _render_zone(form, {}, zone)
    if not form.validate_on_submit():
        return _render_zone(form, {"form": _("The form could not be read.")}, zone, status=422)
    record, errors = _save_zone(form, zone)
    if errors:
        return _render_zone(form, errors, zone, status=422)
    flash(_("The changes were saved."), "success")
    return redirect(url_for(".zone_edit", zone_id=record.id))


@bp.post("/planning/zones/<uuid:zone_id>/delete")
@role_required(roles.ADMIN)
def zone_delete(zone_id: uuid.UUID):
    zone = db.session.get(RiskZone, zone_id) or abort(404)
    if zone.is_reference:
        abort(403)
    name = zone.name
    db.session.delete(zone)
    db.session.commit()
    flash(_("The at-risk zone “%(name)s” was deleted.", name=name), "success")
    return redirect(url_for(".manage"))
