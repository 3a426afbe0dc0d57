"""Forms of the suggestion and verification pages (Flask-WTF: rendering and CSRF).

Rules live in ``suggestions.check`` and ``records.validate``; the forms carry text.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from ..directory.forms import ServiceForm
from ..directory.records import ServiceInput
from ..taxonomy import CATEGORIES, labels
from .suggestions import Suggestion

# The honeypot: a field people do not see (hidden by the style sheet, skipped by the keyboard
# and screen readers) and robots fill in. Its name looks like one worth filling.
HONEYPOT = "website"


class SuggestionForm(FlaskForm):
    service = HiddenField()
    message = TextAreaField(_l("What is wrong or missing"))
    name = StringField(_l("Name of the structure"))
    category = SelectField(_l("Category"), validate_choice=False)
    town = StringField(_l("Town or locality"))
    phone = StringField(_l("Phone"))
    source = StringField(_l("Where does this information come from?"))
    contact = StringField(_l("Your name and phone or e-mail (optional)"))
    website = StringField(_l("Leave this field empty"))

    def set_choices(self) -> None:
        self.category.choices = [("", _("— Not known / unchanged —"))] + list(labels(CATEGORIES).items())

    def suggestion(self, service_id) -> Suggestion:
        return Suggestion(
            service_id=service_id, message=self.message.data or "", name=self.name.data or "",
            category=self.category.data or "", town=self.town.data or "", phone=self.phone.data or "",
            source=self.source.data or "", contact=self.contact.data or "",
        )

    def caught(self) -> bool:
        """A robot filled in the honeypot."""
        return bool((self.website.data or "").strip())


# What a structure may correct through its link; the rest (organization, category, position,
# confidentiality, status) stays as it is and is for the directory's editors.
CORRECTABLE = ("name", "alternate_name", "description", "needs", "minimum_age", "maximum_age", "sexes",
               "capacity", "phones", "email", "url", "town", "address", "public_contact")


class CorrectionForm(ServiceForm):
    """The directory form, of which the structure sees and changes the ``CORRECTABLE`` fields."""

    comment = TextAreaField(_l("Anything else to tell the directory team (optional)"))

    def keep(self, current: ServiceInput) -> None:
        """Put back the fields the structure does not change (they are not on its page)."""
        self.organization_id.data = str(current.organization_id)
        self.organization_name.data = None
        self.category.data = current.category
        self.status.data = current.status
        self.source.data = current.source
        self.lat.data = f"{current.lat:.6f}"
        self.lon.data = f"{current.lon:.6f}"
        self.precision.data = current.precision
        self.confidential.data = current.confidential
        self.fallback_contact.data = bool(current.fallback_contact)
