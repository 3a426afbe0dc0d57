"""French that reads right: plural forms, elision before a vowel, typography, the role's name."""

from __future__ import annotations

import html
import re
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from webmap.config import PROJECT_ROOT
from webmap.i18n import of_name
from webmap.models import AppUser
from webmap.text import elide

from .factories import csrf_token, sign_in


@pytest.mark.parametrize(("word", "name", "expected"), [
    ("de", "Aya", "d'Aya"),
    ("de", "Odienné", "d'Odienné"),
    ("de", "Éric", "d'Éric"),
    ("de", "ONG Refuge", "d'ONG Refuge"),
    ("de", "Bouaké", "de Bouaké"),
    ("de", "Yamoussoukro", "de Yamoussoukro"),  # a y before a vowel is a consonant
    ("de", "Yvonne", "d'Yvonne"),
    ("de", "Hamed", "de Hamed"),  # an h is never guessed mute
    ("De", "Abidjan", "D'Abidjan"),
    ("le", "Ouest", "l'Ouest"),
    ("que", "Aya", "qu'Aya"),
    ("of", "Aya", "of Aya"),  # English: nothing to elide
    ("de", "", "de "),
])
def test_elide(word, name, expected):
    assert elide(word, name) == expected


def test_the_filters_in_both_languages(app):
    with app.test_request_context("/"):
        assert of_name("Aya") == "d'Aya" and of_name("Koné") == "de Koné"
        rendered = app.jinja_env.from_string("{{ 'Aya'|of_name }} {{ 'Odienné'|elide('de') }}").render()
        assert html.unescape(rendered) == "d'Aya d'Odienné"
    with app.test_request_context("/?lang=en"):
        assert of_name("Aya") == "of Aya"


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True)).replace("\u00a0", " ")


def test_plural_forms_on_the_dashboard(client, make, db_session):
    admin = make.user(role="admin")
    make.user(role="editor")
    make.user(role="editor")
    sign_in(client, admin)
    counts = {role: db_session.scalar(select(func.count()).select_from(AppUser).where(AppUser.role == role))
              for role in ("admin", "editor", "referral")}
    page = _page(client.get("/directory/dashboard"))
    badges = dict(re.findall(r'data-role="(\w+)">([^<]+)<', page))
    expected_fr = {"admin": ("administrateur", "administrateurs"), "editor": ("éditeur", "éditeurs"),
                   "referral": ("agent d'orientation", "agents d'orientation")}
    for role, (one, many) in expected_fr.items():
        assert badges[role] == f"{counts[role]} {one if counts[role] <= 1 else many}", badges
    english = _page(client.get("/directory/dashboard?lang=en"))
    badges = dict(re.findall(r'data-role="(\w+)">([^<]+)<', english))
    assert badges["editor"] == f"{counts['editor']} editors"
    assert badges["referral"] == f"{counts['referral']} referral agent" + ("" if counts["referral"] == 1 else "s")


def test_plural_forms_in_a_flash(app):
    from flask_babel import ngettext

    with app.test_request_context("/"):
        one = ngettext("%(num)d row in error was left out.", "%(num)d rows in error were left out.", 1)
        three = ngettext("%(num)d row in error was left out.", "%(num)d rows in error were left out.", 3)
        assert one == "1 ligne en erreur a été laissée de côté."
        assert three == "3 lignes en erreur ont été laissées de côté."
        zero = ngettext("%(num)d field", "%(num)d fields", 0)
        assert zero == "0 champ"  # French: 0 and 1 are singular
    with app.test_request_context("/?lang=en"):
        assert ngettext("%(num)d field", "%(num)d fields", 1) == "1 field"
        assert ngettext("%(num)d field", "%(num)d fields", 0) == "0 fields"


def test_the_role_is_agent_d_orientation(client, make):
    sign_in(client, make.user(role="admin"))
    page = _page(client.get("/auth/users/new"))
    assert "Agent d'orientation" in page and "référencement" not in page


def test_an_account_name_is_elided(client, make):
    sign_in(client, make.user(role="admin"))

    response = client.post("/auth/users/new", data={
        "csrf_token": csrf_token(client, "/auth/users/new"), "name": "Aya Traoré", "email": "aya@example.org",
        "role": "referral", "password": "une phrase assez longue", "password_confirm": "une phrase assez longue",
        "active": "y",
    }, follow_redirects=True)
    assert "Le compte d'Aya Traoré a été créé." in _page(response)


# The catalogues already set with non-breaking spaces (docs/reference.md, "French that reads right").
TYPESET = ["webmap", "webmap/feeds"]


def test_french_strings_have_their_non_breaking_spaces():
    result = subprocess.run([sys.executable, str(PROJECT_ROOT / "scripts/french_typography.py"), "--check", *TYPESET],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_typography_rule():
    from importlib.util import module_from_spec, spec_from_file_location

    spec = spec_from_file_location("typography", PROJECT_ROOT / "scripts/french_typography.py")
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    nbsp = "\u00a0"
    assert module.typeset("Nom : %(name)s") == f"Nom{nbsp}: %(name)s"
    assert module.typeset("Vraiment? Oui!") == f"Vraiment{nbsp}? Oui{nbsp}!"
    assert module.typeset("à 12:30, voir /?lang=fr") == "à 12:30, voir /?lang=fr"
    assert module.typeset("« %(a)s » ; suite") == f"« %(a)s »{nbsp}; suite"
