"""The acceptance path in headless Chromium: an admin created from the command line signs in,
creates an editor for an NGO; the editor adds a service through the French form (gazetteer town,
then a click on the map), confirms another one as still accurate; the public sees the new service.

The live server sees committed data only: the fixture commits its records and deletes everything
the test created (records, history entries, sign-in attempts) afterwards.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from webmap.auth.service import create_user
from webmap.models import (
    AppUser,
    Location,
    Organization,
    Service,
    ServiceAtLocation,
)
from webmap.text import fold

from .conftest import PASSWORD, purge, screenshot, sign_in

pytestmark = pytest.mark.e2e

ADMIN_EMAIL = "e2e-admin@example.org"
EDITOR_EMAIL = "e2e-editeur@example.org"
NGO = "ONG e2e Enfance Solidaire"


@pytest.fixture()
def acceptance(database_url):
    engine = create_engine(database_url)
    with Session(engine) as session:
        ngo = Organization(name=NGO, source="tests-e2e")
        session.add(ngo)
        session.flush()
        existing = Service(name="Cellule d'écoute e2e", name_key=fold("Cellule d'écoute e2e"), category="ngo",
                           organization=ngo, needs=[], source="tests-e2e")
        location = Location(organization=ngo, town="Bouaké", precision="town", confidential=False,
                            source="tests-e2e", geom="SRID=4326;POINT(-5.03 7.69)")
        session.add_all([existing, location])
        session.add(ServiceAtLocation(service=existing, location=location))
        admin = create_user(session, ADMIN_EMAIL, "Awa Koné (e2e)", "admin", PASSWORD)
        session.commit()
        ids = {"ngo": ngo.id, "existing": existing.id, "admin": admin.id}
    try:
        yield ids
    finally:
        _clean(engine, ids)
        engine.dispose()


def _clean(engine, ids: dict) -> None:
    with Session(engine) as session:
        purge(
            session,
            services=session.scalars(select(Service.id).where(Service.organization_id == ids["ngo"])),
            organizations=[ids["ngo"]],
            users=session.scalars(select(AppUser.id).where(AppUser.email.in_([ADMIN_EMAIL, EDITOR_EMAIL]))),
            emails=[ADMIN_EMAIL, EDITOR_EMAIL],
        )
        session.commit()


def _sign_out(page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r"^https?://[^/]+/$"))  # the map itself, after sign-out


def test_acceptance_path_admin_editor_form_and_public_view(live_server, page, acceptance, database_url):
    # 1. The admin signs in and creates an editor for the NGO.
    sign_in(page, live_server, ADMIN_EMAIL)
    assert "Awa Koné (e2e)" in page.locator(".wm-account").inner_text()
    page.get_by_role("link", name="Utilisateurs").click()
    page.get_by_role("link", name="+ Nouvel utilisateur").click()
    page.get_by_label("Nom", exact=True).fill("Éric N'Guessan (e2e)")
    page.get_by_label("Adresse électronique", exact=True).fill(EDITOR_EMAIL)
    page.get_by_label("Rôle", exact=True).select_option("editor")
    page.get_by_label(NGO, exact=True).check()
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Mot de passe (confirmation)", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(re.compile(r"/auth/users$"))
    assert EDITOR_EMAIL in page.locator("table").inner_text()
    _sign_out(page)

    # 2. The editor signs in and adds a service through the French form.
    sign_in(page, live_server, EDITOR_EMAIL)
    page.get_by_role("link", name="+ Ajouter une structure").click()
    page.wait_for_function("() => document.getElementById('wd-picker-map').dataset.ready === 'true'")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_label("Nom", exact=True).fill("Foyer d'accueil e2e d'Odienné")
    page.get_by_label("Catégorie", exact=True).select_option("ngo")
    page.get_by_label("Hébergement", exact=True).check()
    page.get_by_label("Soutien psychosocial", exact=True).check()
    page.get_by_label("Numéros de téléphone (un par ligne)", exact=True).fill("07 07 12 34 56")
    # Without a source the form comes back with the message next to the field, in French.
    page.get_by_label("Chercher une localité dans le répertoire géographique", exact=True).fill("odienne")
    page.locator("#place-results button").first.click()
    assert page.get_by_label("Ville", exact=True).input_value() == "Odienné"
    assert page.get_by_label("Précision de la position", exact=True).input_value() == "town"
    page.get_by_role("button", name="Enregistrer").click()
    error = page.locator("#error-source")
    assert error.inner_text() == "Indiquez la source de cette information."
    screenshot(page, "directory-form-errors.png")
    # Then a click on the map places it exactly; the source is given; it is saved.
    page.wait_for_function("() => document.getElementById('wd-picker-map').dataset.ready === 'true'")
    page.get_by_label("Source de cette information", exact=True).fill("Visite de terrain (e2e)")
    box = page.locator("#wd-picker-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.get_by_label("Précision de la position", exact=True).input_value() == "exact"
    lat = float(page.get_by_label("Latitude", exact=True).input_value())
    lon = float(page.get_by_label("Longitude", exact=True).input_value())
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(re.compile(r"/directory/services/[0-9a-f-]+$"))
    flash = page.locator(".wd-flash-success").inner_text()
    assert flash == "La structure «\u00a0Foyer d'accueil e2e d'Odienné\u00a0» a été ajoutée."
    assert "Jamais vérifié" in page.locator(".wd-freshness").inner_text()
    assert "Éric N'Guessan (e2e)" in page.locator(".wd-history").inner_text()
    new_id = page.url.rsplit("/", 1)[1]
    screenshot(page, "directory-detail-editor.png")

    # 3. The editor confirms another service of the NGO as still accurate, from the queue.
    page.get_by_role("link", name="À vérifier").click()
    row = page.locator(f'tr[data-service-id="{acceptance["existing"]}"]')
    row.get_by_role("button", name="✓ Toujours exact").click()
    page.wait_for_url(re.compile(r"/directory/to-verify"))
    assert "est confirmée toujours exacte" in page.locator(".wd-flash-success").inner_text()
    assert page.locator(f'tr[data-service-id="{acceptance["existing"]}"]').count() == 0
    _sign_out(page)

    # 4. The public sees the new service (on the API the map uses) and who changed what.
    feature = page.request.get(f"{live_server}/api/v1/services/{new_id}").json()
    assert feature["properties"]["name"] == "Foyer d'accueil e2e d'Odienné"
    assert feature["properties"]["phones"] == ["+225 07 07 12 34 56"]
    assert feature["geometry"]["coordinates"] == [round(lon, 6), round(lat, 6)]
    page.goto(f"{live_server}/directory/services/{acceptance['existing']}")
    assert "Vérifié aujourd'hui" in page.locator(".wd-freshness").inner_text()
    history = page.locator(".wd-history").inner_text()
    assert "Confirmé toujours exact" in history and "Éric N'Guessan (e2e)" in history

    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            existing = session.get(Service, acceptance["existing"])
            assert existing.assured_date == dt.date.today() and existing.verification == "verified"
    finally:
        engine.dispose()


def test_the_list_filters_and_shows_freshness_in_the_browser(live_server, page):
    page.goto(live_server + "/directory/")
    page.get_by_label("Catégorie", exact=True).select_option("chpm")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url(re.compile(r"category=chpm"))
    rows = page.locator("tbody tr")
    assert rows.count() == 7
    assert all("Confidentiel" in text for text in rows.all_inner_texts())
    assert "À vérifier · Jamais vérifié" in rows.first.inner_text()
    page.get_by_label("Rechercher (nom, organisation, ville)", exact=True).fill("ODIENNE")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url(re.compile(r"q=ODIENNE"))
    assert page.locator("tbody tr").count() == 1
    page.locator("tbody a").first.click()
    page.wait_for_function("() => document.getElementById('wd-minimap').dataset.ready === 'true'")
    assert page.locator("#wd-minimap").get_attribute("data-masked") == "true"
    assert page.locator("#wd-minimap path").count() >= 2  # the town area and the département outlines
    assert not [url for url in page.requests if not url.startswith(live_server + "/")]
    screenshot(page, "directory-detail-public.png")
