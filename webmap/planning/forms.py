"""Forms of the planning editing pages (Flask-WTF: rendering and CSRF only).

Every rule lives in ``service.validate_campaign`` (one write path for forms, imports and the
CLI); the form turns submitted text into a :class:`~.service.CampaignInput` and reports what it
cannot read (dates, numbers, the drawn area, the uploaded file).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from ..transfer.limits import ImportRejected
from .service import CampaignInput
from .upload import check_vertices, count_vertices, read_area
from .vocabulary import CHANNELS, RISK_KINDS, RISK_LEVELS, THEMES

NO_ORGANIZATION = ""


class AreaFields:
    """The coverage area: admin areas clicked on the map, a drawn polygon, an uploaded file."""

    area_pcodes = StringField(_l("Admin areas (P-codes, separated by commas)"))
    area_geojson = HiddenField()
    area_file = FileField(_l("Or upload the area (GeoJSON, GeoPackage or zipped Shapefile)"))


class CampaignForm(FlaskForm, AreaFields):
    name = StringField(_l("Name"))
    organization_id = SelectField(_l("Organization"), validate_choice=False)
    organization = StringField(_l("Organization as named by the source"))
    theme = SelectField(_l("Theme"), validate_choice=False)
    channel = SelectField(_l("Channel"), validate_choice=False)
    start_date = StringField(_l("Start date"), render_kw={"type": "date"})
    end_date = StringField(_l("End date"), render_kw={"type": "date"})
    people_reached = StringField(_l("People reached"), render_kw={"inputmode": "numeric"})
    target_groups = StringField(_l("Target groups (separated by commas)"))
    source = StringField(_l("Source of this information"))
    notes = TextAreaField(_l("Notes"))

    def set_choices(self, organizations, allow_none: bool) -> None:
        choices = [(str(o.id), o.name) for o in organizations]
        if allow_none:
            choices.insert(0, (NO_ORGANIZATION, _("— None (named below) —")))
        self.organization_id.choices = choices
        self.theme.choices = [(code, str(label)) for code, label in THEMES.items()]
        self.channel.choices = [(code, str(label)) for code, label in CHANNELS.items()]


class RiskZoneForm(FlaskForm, AreaFields):
    name = StringField(_l("Name"))
    kind = SelectField(_l("Kind"), validate_choice=False)
    level = SelectField(_l("Level"), validate_choice=False)
    criterion = TextAreaField(_l("Criterion: why this area is at risk"))
    source = StringField(_l("Source"))
    date = StringField(_l("Date of the source or assessment"), render_kw={"type": "date"})
    notes = TextAreaField(_l("Notes"))

    def set_choices(self) -> None:
        self.kind.choices = [(code, str(label)) for code, label in RISK_KINDS.items()]
        self.level.choices = [(str(code), str(label)) for code, label in RISK_LEVELS.items()]


def _date(raw: str | None, field: str, errors: dict) -> dt.date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors[field] = _("Expected a date such as 2025-03-31.")
        return None


def _int(raw: str | None, field: str, errors: dict) -> int | None:
    raw = (raw or "").replace(" ", "").replace("\u202f", "").replace("\xa0", "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        errors[field] = _("Expected a whole number.")
        return None


def area_from_form(form: AreaFields, errors: dict) -> tuple[list[str], dict | None]:
    """P-codes and one geometry (drawn polygon and/or uploaded file, united) from the form."""
    pcodes = [p.strip() for p in (form.area_pcodes.data or "").replace(";", ",").split(",") if p.strip()]
    max_vertices = current_app.config["WEBMAP_AREA_MAX_VERTICES"]
    geometries = []
    raw = (form.area_geojson.data or "").strip()
    if raw:
        try:
            drawn = json.loads(raw)
            check_vertices(count_vertices(drawn.get("coordinates") if isinstance(drawn, dict) else None),
                           max_vertices)
        except (ValueError, RecursionError):  # not JSON, or nested beyond reason
            errors["area"] = _("The drawn area could not be read.")
        except ImportRejected as exc:
            errors["area"] = exc.message
        else:
            geometries.append(drawn)
    upload = form.area_file.data
    if upload is not None and getattr(upload, "filename", ""):
        try:
            geometries.append(read_area(upload.read(), upload.filename, max_vertices=max_vertices))
        except ImportRejected as exc:
            errors["area_file"] = exc.message
    if len(geometries) > 1:  # a drawn polygon and an uploaded file: keep both
        polygons = []
        for geometry in geometries:
            coordinates = geometry.get("coordinates", [])
            polygons.extend([coordinates] if geometry.get("type") == "Polygon" else coordinates)
        geometries = [{"type": "MultiPolygon", "coordinates": polygons}]
    return pcodes, (geometries[0] if geometries else None)


def campaign_input(form: CampaignForm, organizations: dict[str, object]) -> tuple[CampaignInput, dict]:
    """The submitted campaign as plain data, and the errors of fields that could not be read."""
    errors: dict[str, str] = {}
    org_id = None
    org_name = (form.organization.data or "").strip()
    if form.organization_id.data:
        try:
            org_id = uuid.UUID(form.organization_id.data)
        except ValueError:
            errors["organization"] = _("Unknown organization.")
        else:
            if str(org_id) not in organizations:
                errors["organization"] = _("Choose one of your organizations.")
            else:
                org_name = org_name or organizations[str(org_id)].name
    pcodes, geometry = area_from_form(form, errors)
    data = CampaignInput(
        name=form.name.data or "",
        organization=org_name,
        organization_id=org_id,
        theme=form.theme.data or "",
        channel=form.channel.data or "",
        start_date=_date(form.start_date.data, "start_date", errors),
        end_date=_date(form.end_date.data, "end_date", errors),
        people_reached=_int(form.people_reached.data, "people_reached", errors),
        target_groups=[g.strip() for g in (form.target_groups.data or "").split(",") if g.strip()],
        source=form.source.data or "",
        notes=form.notes.data,
        area_pcodes=pcodes,
        geometry=geometry,
    )
    return data, errors
