"""Forms of the directory pages (Flask-WTF: rendering and CSRF).

The forms only carry text: every rule lives in ``records.validate`` (one write path for forms,
imports and the CLI), whose messages are shown next to the fields. ``service_input`` turns the
submitted text into a ``ServiceInput``, reporting numbers it cannot read.
"""

from __future__ import annotations

import uuid

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from ..reference.query import search_places
from ..taxonomy import CATEGORIES, LOCATION_PRECISIONS, NEEDS, SERVICE_STATUSES, SEXES, labels
from ..text import fold
from .records import ServiceInput

NEW_ORGANIZATION = "new"


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ServiceForm(FlaskForm):
    name = StringField(_l("Name"))
    alternate_name = StringField(_l("Other name or acronym"))
    organization_id = SelectField(_l("Organisation"), validate_choice=False)
    organization_name = StringField(_l("Name of the new organisation"))
    category = SelectField(_l("Category"), validate_choice=False)
    description = TextAreaField(_l("Description"))
    needs = MultiCheckboxField(_l("Needs covered"), validate_choice=False)
    minimum_age = StringField(_l("Minimum age"))
    maximum_age = StringField(_l("Maximum age"))
    sexes = SelectField(_l("Children received"), validate_choice=False)
    capacity = StringField(_l("Capacity (places)"))
    status = SelectField(_l("Status"), validate_choice=False)
    phones = TextAreaField(_l("Phone numbers (one per line)"))
    email = StringField(_l("E-mail address"))
    url = StringField(_l("Website"))
    source = StringField(_l("Source of this information"))
    lat = StringField(_l("Latitude"))
    lon = StringField(_l("Longitude"))
    town = StringField(_l("Town"))
    address = TextAreaField(_l("Address or directions"))
    precision = SelectField(_l("Position precision"), validate_choice=False)
    confidential = BooleanField(_l("Confidential place (shelter): show the public only the town"))
    public_contact = StringField(_l("Public contact point"))
    hours = TextAreaField(_l("Opening hours"))
    languages = StringField(_l("Languages"))
    fallback_contact = BooleanField(
        _l("National fallback contact: listed under “If nobody answers” in every referral answer")
    )
    confirm_distinct = BooleanField(
        _l("I have checked: this is another structure than the one(s) above, add it anyway")
    )

    def set_choices(self, organizations, allow_new: bool) -> None:
        self.organization_id.choices = [("", _("— Choose —"))] + [(str(o.id), o.name) for o in organizations]
        if allow_new:
            self.organization_id.choices.append((NEW_ORGANIZATION, _("New organisation…")))
        self.category.choices = [("", _("— Choose —"))] + list(labels(CATEGORIES).items())
        self.needs.choices = list(labels(NEEDS).items())
        self.sexes.choices = [("", _("Not known"))] + list(labels(SEXES).items())
        self.status.choices = list(labels(SERVICE_STATUSES).items())
        self.precision.choices = list(labels(LOCATION_PRECISIONS).items())

    def fill(self, data: ServiceInput) -> None:
        """Show an existing record (or a proposal) in the form."""
        self.name.data = data.name
        self.alternate_name.data = data.alternate_name
        self.organization_id.data = str(data.organization_id) if data.organization_id else ""
        self.category.data = data.category
        self.description.data = data.description
        self.needs.data = list(data.needs)
        self.minimum_age.data = "" if data.minimum_age is None else str(data.minimum_age)
        self.maximum_age.data = "" if data.maximum_age is None else str(data.maximum_age)
        self.sexes.data = data.sexes or ""
        self.capacity.data = "" if data.capacity is None else str(data.capacity)
        self.status.data = data.status
        self.phones.data = "\n".join(data.phones)
        self.email.data = data.email
        self.url.data = data.url
        self.source.data = data.source
        self.lat.data = "" if data.lat is None else f"{data.lat:.6f}"
        self.lon.data = "" if data.lon is None else f"{data.lon:.6f}"
        self.town.data = data.town
        self.address.data = data.address
        self.precision.data = data.precision
        self.confidential.data = data.confidential
        self.public_contact.data = data.public_contact
        self.fallback_contact.data = bool(data.fallback_contact)
        self.hours.data = data.hours or ""
        self.languages.data = data.languages or ""


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _whole(raw: str | None, errors: dict, key: str) -> int | None:
    text = _text(raw)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        errors[key] = _("Enter a whole number.")
        return None


def _coordinate(raw: str | None, errors: dict) -> float | None:
    text = _text(raw)
    if text is None:
        return None
    try:
        return float(text.replace(",", ".").replace("°", ""))
    except ValueError:
        errors["position"] = _("Coordinates are decimal degrees, e.g. 9.5 and -7.56.")
        return None


def _town_position(session: Session, town: str) -> tuple[float, float, str] | None:
    """The gazetteer town named ``town`` (accents and case ignored): lon, lat, its name."""
    for match in search_places(session, town, limit=1):
        if fold(match["name"]) == fold(town):
            return match["lon"], match["lat"], match["name"]
    return None


def service_input(form: ServiceForm, session: Session) -> tuple[ServiceInput, dict[str, str]]:
    """The submitted form as a ServiceInput, and the fields that could not even be read.

    Without coordinates, a town typed in the form that the gazetteer knows gives the position
    (at town precision): the page works without JavaScript and its map.
    """
    errors: dict[str, str] = {}
    organization = form.organization_id.data or ""
    organization_id = None
    if organization and organization != NEW_ORGANIZATION:
        try:
            organization_id = uuid.UUID(organization)
        except ValueError:
            errors["organization"] = _("Unknown organization.")
    lat = _coordinate(form.lat.data, errors)
    lon = _coordinate(form.lon.data, errors)
    if (lat is None) != (lon is None) and "position" not in errors:
        errors["position"] = _("Give both the latitude and the longitude.")
    town = _text(form.town.data)
    precision = form.precision.data or "exact"
    if lat is None and lon is None and town and "position" not in errors:
        found = _town_position(session, town)
        if found is None:
            errors["town"] = _("This town is not in the gazetteer: choose it from the list or place it on the map.")
        else:
            lon, lat, town = found
            precision = "town"
    if not form.category.data:
        errors["category"] = _("Choose a category.")
    phones = [line.strip() for line in (form.phones.data or "").splitlines() if line.strip()]
    data = ServiceInput(
        name=(form.name.data or "").strip(),
        category=form.category.data or "",
        organization_id=organization_id,
        organization_name=_text(form.organization_name.data) if organization == NEW_ORGANIZATION else None,
        source=(form.source.data or "").strip(),
        lon=lon,
        lat=lat,
        precision=precision,
        confidential=bool(form.confidential.data),
        public_contact=_text(form.public_contact.data),
        address=_text(form.address.data),
        town=town,
        description=_text(form.description.data),
        alternate_name=_text(form.alternate_name.data),
        needs=list(form.needs.data or []),
        minimum_age=_whole(form.minimum_age.data, errors, "age"),
        maximum_age=_whole(form.maximum_age.data, errors, "age"),
        sexes=form.sexes.data or None,
        capacity=_whole(form.capacity.data, errors, "capacity"),
        status=form.status.data or "active",
        email=_text(form.email.data),
        url=_text(form.url.data),
        phones=phones,
        fallback_contact=bool(form.fallback_contact.data),
        hours=(form.hours.data or "").strip(),
        languages=(form.languages.data or "").strip(),
    )
    return data, errors


class OrganizationForm(FlaskForm):
    name = StringField(_l("Name"))
    description = TextAreaField(_l("Description"))
    email = StringField(_l("E-mail address"))
    website = StringField(_l("Website"))
    source = StringField(_l("Source of this information"))


class RejectForm(FlaskForm):
    note = StringField(_l("Reason (shown to the editor)"))
