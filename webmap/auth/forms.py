"""Sign-in and account forms (Flask-WTF for rendering and CSRF; rules live in ``service``)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, ListWidget

from .roles import ROLES


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"))
    password = PasswordField(_l("Password"))


class _Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(FlaskForm):
    name = StringField(_l("Name"))
    email = EmailField(_l("E-mail address"))
    role = SelectField(_l("Role"), validate_choice=False)
    organizations = _Checkboxes(_l("Organisations (for an editor)"), validate_choice=False)
    active = BooleanField(_l("Active account"), default=True)
    password = PasswordField(_l("Password"))
    password_confirm = PasswordField(_l("Password again"))

    def set_choices(self, organizations) -> None:
        self.role.choices = [("", _("— Choose —"))] + [(code, str(label)) for code, label in ROLES.items()]
        self.organizations.choices = [(str(org.id), org.name) for org in organizations]


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"))
    password = PasswordField(_l("New password"))
    password_confirm = PasswordField(_l("New password again"))
