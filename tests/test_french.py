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


def _typography():
    from importlib.util import module_from_spec, spec_from_file_location

    spec = spec_from_file_location("typography", PROJECT_ROOT / "scripts/french_typography.py")
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


NBSP = "\u00a0"
FRENCH_CATALOGUES = sorted(PROJECT_ROOT.glob("webmap/**/translations/fr/LC_MESSAGES/*.po"))


def test_every_french_catalogue_has_its_non_breaking_spaces():
    """Each French msgstr of every package, read by Babel: no plain space, or none, before : ; ? ! nor inside « »."""
    from babel.messages.pofile import read_po

    typeset = _typography().typeset
    assert len(FRENCH_CATALOGUES) >= 12  # one per feature package and the main one
    wrong = []
    for path in FRENCH_CATALOGUES:
        with path.open("rb") as handle:
            for message in read_po(handle, locale="fr"):
                strings = [message.string] if isinstance(message.string, str) else list(message.string)
                wrong += [f"{path.relative_to(PROJECT_ROOT)}: {s!r}" for s in strings if message.id and typeset(s) != s]
    assert wrong == [], "run python scripts/french_typography.py, then compile:\n" + "\n".join(wrong)


def test_the_check_command_passes_over_the_whole_tree():
    """`python scripts/french_typography.py --check`: catalogues and the French written in the code."""
    result = subprocess.run([sys.executable, str(PROJECT_ROOT / "scripts/french_typography.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_the_script_fixes_a_catalogue_in_place_once(tmp_path):
    module = _typography()
    catalogue = tmp_path / "messages.po"
    layout = (
        '# kept comment\nmsgid ""\nmsgstr ""\n"Language: fr\\n"\n\n'
        'msgid "Name:"\nmsgstr "Nom :"\n\n'
        '#, python-format\nmsgid ""\n"Really? See %(a)s"\nmsgstr ""\n"Vraiment ? Voir « %(a)s "\n"»"\n\n'
        'msgid "Hours"\nmsgstr "lun-ven 08:00-17:00; sam 08:00-12:00"\n'
    )
    catalogue.write_text(layout, encoding="utf-8")
    assert module.fix_catalogue(catalogue, write=False) == ["Nom :", "Vraiment ? Voir « %(a)s »"]
    assert catalogue.read_text(encoding="utf-8") == layout  # --check changes nothing
    module.fix_catalogue(catalogue, write=True)
    assert catalogue.read_text(encoding="utf-8") == layout.replace('"Nom :"', f'"Nom{NBSP}:"').replace(
        '"Vraiment ? Voir « %(a)s "\n"»"', f'"Vraiment{NBSP}? Voir «{NBSP}%(a)s{NBSP}"\n"»"')
    assert module.fix_catalogue(catalogue, write=False) == []  # idempotent


def test_the_check_names_french_typed_with_plain_spaces_in_the_code(tmp_path, monkeypatch):
    module = _typography()
    (tmp_path / "webmap/static").mkdir(parents=True)
    (tmp_path / "layers").mkdir()
    (tmp_path / "webmap/cli.py").write_text(
        '"""Docstring : left alone."""\n'
        'WRONG = f"import : {n} ligne(s)"\n'
        'RIGHT = f"import\\u00a0: {n} ligne(s)"\n'
        'ENGLISH = "import: done; nothing else"\n', encoding="utf-8")
    (tmp_path / "webmap/static/page.js").write_text(
        'var a = ok ? "x" : "y";\nvar b = M.origin + " : " + name;\n', encoding="utf-8")
    monkeypatch.setattr(module, "ROOT", tmp_path)
    assert [fault.split(": ")[0] for fault in module.code_faults()] == ["webmap/cli.py:2", "webmap/static/page.js:2"]


@pytest.mark.parametrize(("text", "expected"), [
    ("Nom : %(name)s", f"Nom{NBSP}: %(name)s"),
    ("Téléphone: 07", f"Téléphone{NBSP}: 07"),
    ("Vraiment? Oui!", f"Vraiment{NBSP}? Oui{NBSP}!"),
    ("« %(a)s » ; suite", f"«{NBSP}%(a)s{NBSP}»{NBSP}; suite"),
    ("séparés par « ; » :", f"séparés par «{NBSP};{NBSP}»{NBSP}:"),
    (" ; ", f"{NBSP}; "),  # a separator between French words
    ("à 12:30, voir /?lang=fr", "à 12:30, voir /?lang=fr"),
    ("« lun-ven 08:00-17:00; sam 08:00-12:00 »", f"«{NBSP}lun-ven 08:00-17:00; sam 08:00-12:00{NBSP}»"),
    ("%(a)s:%(b)s, EPSG:4326, geo:5.3,-4.0", "%(a)s:%(b)s, EPSG:4326, geo:5.3,-4.0"),
    ("lien : https://example.org/a?b=c;d !", f"lien{NBSP}: https://example.org/a?b=c;d{NBSP}!"),
    ("commande `webmap demo ; x` ici", "commande `webmap demo ; x` ici"),
    ("&#34; et &amp; puis", "&#34; et &amp; puis"),
    ("Vraiment\u202f? Oui", "Vraiment\u202f? Oui"),  # a narrow non-breaking space is kept
    (f"Nom{NBSP}: déjà", f"Nom{NBSP}: déjà"),
])
def test_typography_rule(text, expected):
    typeset = _typography().typeset
    assert typeset(text) == expected
    assert typeset(expected) == expected  # idempotent


def test_a_french_page_carries_its_non_breaking_spaces(client):
    """Through HTTP: the directory and referral pages in French, from the compiled catalogues."""
    directory = client.get("/directory/")
    assert directory.status_code == 200
    page = html.unescape(directory.get_data(as_text=True))
    assert f"Exporter cette sélection{NBSP}:" in page and "sélection :" not in page
    referral = html.unescape(client.get("/referral").get_data(as_text=True))
    assert f"Où se trouve l'enfant{NBSP}?" in referral
    english = html.unescape(client.get("/directory/?lang=en").get_data(as_text=True))
    assert "Export this selection:" in english and NBSP + ":" not in english
