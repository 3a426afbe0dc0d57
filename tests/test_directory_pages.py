"""The directory pages: list (search, filters, pages), detail, forms, freshness, queue, dashboard."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import select

from webmap.directory.query import STALE_AFTER_DAYS
from webmap.models import AuditEntry, Location, Phone, Service, ServiceAtLocation

from .factories import csrf_token, sign_in

NBSP = "\u00a0"


def _rows(page: str) -> list[str]:
    """The service ids listed, in order."""
    return re.findall(r'<tr class="[^"]*" data-service-id="([^"]+)"', page)


def _names(page: str) -> list[str]:
    return [html.unescape(n) for n in re.findall(r'<a href="/directory/services/[^"]+">([^<]+)</a>', page)]


@pytest.fixture()
def editor(make):
    org = make.organization("ONG Lumière")
    return make.user(role="editor", organizations=[org], name="Éric N'Guessan")


def _post(client, url, data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client)})


# --- list -----------------------------------------------------------------------------------


def test_list_is_public_french_and_flags_what_is_to_verify(client):
    response = client.get("/directory/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Annuaire des structures</h1>" in page
    assert "Centre d&#39;hébergement pour mineurs (CHPM) d&#39;Odienné" in page
    assert "À vérifier · Jamais vérifié" in page  # the seed is unverified
    assert 'data-stale="true"' in page


def test_search_ignores_accents_and_case(client):
    names = _names(client.get("/directory/?q=ODIENNE").get_data(as_text=True))
    assert names == ["Centre d'hébergement pour mineurs (CHPM) d'Odienné"]


@pytest.mark.parametrize("query, expected", [
    ("category=reintegration", {"Centre de réinsertion pour mineurs de Korhogo",
                                "Centre de réinsertion pour mineurs de Man",
                                "Centre de réinsertion pour mineurs de Tiébissou"}),
    ("category=chpm&region=CI21", {"Centre d'hébergement pour mineurs (CHPM) d'Odienné"}),
    ("departement=CI2103", {"Centre d'hébergement pour mineurs (CHPM) d'Odienné"}),
])
def test_filters_by_category_region_and_departement(client, query, expected):
    names = set(_names(client.get(f"/directory/?{query}").get_data(as_text=True)))
    assert names == expected


def test_filters_by_need_status_and_verification_age(client, make):
    today = dt.date.today()
    fresh = make.service("Écoute fraîche", category="ngo", needs=["legal"], assured_date=today - dt.timedelta(days=12),
                         verification="verified")
    old = make.service("Écoute ancienne", category="ngo", needs=["legal"],
                       assured_date=today - dt.timedelta(days=STALE_AFTER_DAYS + 1), verification="verified")
    closed = make.service("Écoute fermée", category="ngo", needs=["legal"], status="inactive")

    def names(query):
        return set(_names(client.get(f"/directory/?q=ecoute&{query}").get_data(as_text=True)))

    assert names("need=legal") == {"Écoute fraîche", "Écoute ancienne"}  # inactive hidden by default
    assert names("need=legal&status=all") == {"Écoute fraîche", "Écoute ancienne", "Écoute fermée"}
    assert names("status=inactive") == {"Écoute fermée"}
    assert names("freshness=fresh") == {"Écoute fraîche"}
    assert names("freshness=stale") == {"Écoute ancienne"}
    assert names("need=shelter") == set()
    page = client.get("/directory/?q=ecoute").get_data(as_text=True)
    assert "Vérifié il y a 12 jours" in page
    assert f"À vérifier · Vérifié il y a {STALE_AFTER_DAYS + 1} jours" in page
    rows = dict(re.findall(r'data-service-id="([^"]+)" data-stale="(true|false)"', page))
    assert rows[str(fresh.id)] == "false" and rows[str(old.id)] == "true"
    assert str(closed.id) not in rows


def test_bad_filters_get_a_french_error_page(client):
    response = client.get("/directory/?category=volcano")
    assert response.status_code == 400
    assert "Erreur" in response.get_data(as_text=True)
    assert client.get("/directory/?region=XX99").status_code == 400
    assert client.get("/directory/?page=0").status_code == 400


def test_pages_of_25(client, make):
    org = make.organization("ONG Pagination")
    for i in range(30):
        make.service(f"Zzpage {i:02d}", organization=org)
    first = client.get("/directory/?q=zzpage").get_data(as_text=True)
    second = client.get("/directory/?q=zzpage&page=2").get_data(as_text=True)
    assert len(_rows(first)) == 25 and len(_rows(second)) == 5
    assert set(_rows(first)).isdisjoint(_rows(second))
    next_link = re.search(r'rel="next" href="([^"]+)"', first).group(1)
    assert html.unescape(next_link) in ("/directory/?page=2&q=zzpage", "/directory/?q=zzpage&page=2")
    assert 'rel="next"' not in second and "Résultats 26 à 30" in second


def test_the_list_is_in_english_on_request(client):
    page = client.get("/directory/?lang=en&q=odienne").get_data(as_text=True)
    assert "Directory of structures" in page and "To verify · Never verified" in page


# --- detail ---------------------------------------------------------------------------------


def test_detail_shows_the_record_its_freshness_and_a_small_map(client, make):
    service = make.service("Centre social de Daloa", phones=("+225 07 07 12 34 56",), needs=["psychosocial"],
                           assured_date=dt.date.today(), verification="verified", minimum_age=6, maximum_age=17)
    page = client.get(f"/directory/services/{service.id}").get_data(as_text=True)
    assert "<h1>Centre social de Daloa" in page
    assert "Vérifié aujourd&#39;hui" in page
    assert "+225 07 07 12 34 56" in page and "Soutien psychosocial" in page
    assert "de 6 à 17 ans" in page
    assert 'id="wd-minimap"' in page and 'data-masked="false"' in page
    assert "/static/vendor/leaflet/1.9.3/leaflet.js" in page  # served by the app, offline
    assert "Historique" in page


def test_unknown_structure_is_a_french_404(client):
    response = client.get("/directory/services/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert "Cette structure n&#39;existe pas." in response.get_data(as_text=True)


def test_staff_see_who_verified_it(client, make, editor):
    service = make.service(organization=editor.organizations[0])
    sign_in(client, editor)
    _post(client, f"/directory/services/{service.id}/confirm", {})
    page = client.get(f"/directory/services/{service.id}").get_data(as_text=True)
    assert "par Éric N&#39;Guessan" in page


# --- forms ----------------------------------------------------------------------------------


def _form(org, **overrides):
    data = {
        "name": "Centre d'écoute de Bouaké", "category": "ngo", "organization_id": str(org.id), "status": "active",
        "source": "Visite de terrain, novembre 2026", "lat": "7,6900", "lon": "-5.0300", "precision": "exact",
        "phones": "07 07 12 34 56\n116", "email": "Contact@Ecoute.ci", "needs": ["psychosocial", "legal"],
        "minimum_age": "6", "maximum_age": "17", "capacity": "20",
    }
    data.update(overrides)
    return data


def test_editor_adds_a_service_through_the_french_form(client, db_session, editor):
    org = editor.organizations[0]
    sign_in(client, editor)
    form = client.get("/directory/services/new").get_data(as_text=True)
    assert "<h1>Ajouter une structure</h1>" in form and 'name="csrf_token"' in form
    assert f'<option selected value="{org.id}">' in form or f'value="{org.id}" selected' in form
    response = _post(client, "/directory/services/new", _form(org))
    assert response.status_code == 302
    service = db_session.scalars(select(Service).where(Service.name == "Centre d'écoute de Bouaké")).one()
    assert service.organization_id == org.id and service.email == "contact@ecoute.ci"
    assert service.needs == ["psychosocial", "legal"] and service.capacity_updated == dt.date.today()
    assert sorted(db_session.scalars(select(Phone.number).where(Phone.service_id == service.id))) == [
        "+225 07 07 12 34 56", "116"]
    location = db_session.scalars(
        select(Location).join(ServiceAtLocation).where(ServiceAtLocation.service_id == service.id)).one()
    point = to_shape(location.geom)
    assert (round(point.x, 4), round(point.y, 4)) == (-5.03, 7.69)
    assert location.adm1_pcode and location.town
    page = client.get(response.location).get_data(as_text=True)
    assert "La structure «" + NBSP + "Centre d&#39;écoute de Bouaké" + NBSP + "» a été ajoutée." in page
    assert "Éric N&#39;Guessan" in page  # in the history: who created it


def test_a_gazetteer_town_gives_the_position_without_coordinates(client, db_session, editor):
    sign_in(client, editor)
    response = _post(client, "/directory/services/new",
                     _form(editor.organizations[0], lat="", lon="", town="odienne"))
    assert response.status_code == 302
    location = db_session.scalars(
        select(Location).join(ServiceAtLocation).join(Service).where(Service.name == "Centre d'écoute de Bouaké")
    ).one()
    assert location.town == "Odienné" and location.precision == "town" and location.adm2_pcode == "CI2103"


def test_form_errors_are_shown_next_to_the_fields_in_french_and_nothing_is_written(client, db_session, editor):
    sign_in(client, editor)
    before = db_session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    response = _post(client, "/directory/services/new", _form(
        editor.organizations[0], name="", category="", phones="12345", email="pas-une-adresse",
        minimum_age="15", maximum_age="12", capacity="beaucoup", lat="14.5", lon="-5", source=""))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    expected = {
        "name": "Le nom est obligatoire.",
        "category": "Choisissez une catégorie.",
        "phones": "12345 n&#39;est pas un numéro ivoirien (+225).",
        "email": "pas-une-adresse n&#39;est pas une adresse électronique.",
        "age": "L&#39;âge minimum dépasse l&#39;âge maximum.",
        "capacity": "Saisissez un nombre entier.",
        "position": "Cette position est hors de la Côte d&#39;Ivoire.",
        "source": "Indiquez la source de cette information.",
    }
    for key, message in expected.items():
        assert f'<p class="wd-error" id="error-{key}">{message}</p>' in page, key
    assert 'aria-invalid="true"' in page and 'value="pas-une-adresse"' in page  # input kept
    after = db_session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    assert after == before
    assert db_session.scalars(select(Service).where(Service.name == "")).first() is None


def test_an_unknown_town_and_half_coordinates_are_explained(client, editor):
    sign_in(client, editor)
    page = _post(client, "/directory/services/new",
                 _form(editor.organizations[0], lat="", lon="", town="Atlantide")).get_data(as_text=True)
    assert "Cette localité n&#39;est pas dans le répertoire géographique" in page
    page = _post(client, "/directory/services/new",
                 _form(editor.organizations[0], lat="7.5", lon="")).get_data(as_text=True)
    assert "Indiquez la latitude et la longitude." in page


def test_editing_keeps_what_the_form_does_not_show(client, db_session, editor, make):
    service = make.service("Centre à modifier", organization=editor.organizations[0], capacity=10,
                           capacity_updated=dt.date(2025, 1, 1))
    sign_in(client, editor)
    form = client.get(f"/directory/services/{service.id}/edit").get_data(as_text=True)
    assert 'value="Centre à modifier"' in form and 'value="7.540000"' in form
    response = _post(client, f"/directory/services/{service.id}/edit", _form(
        editor.organizations[0], name="Centre modifié", category="social_centre", capacity="10",
        lat="7.54", lon="-5.55"))
    assert response.status_code == 302
    db_session.expire_all()
    service = db_session.get(Service, service.id)
    assert service.name == "Centre modifié" and service.capacity_updated == dt.date(2025, 1, 1)


# --- freshness actions, queue, dashboard ----------------------------------------------------


def test_still_accurate_in_one_click(client, db_session, editor, make):
    service = make.service("Centre à confirmer", organization=editor.organizations[0],
                           assured_date=dt.date.today() - dt.timedelta(days=400), verification="verified")
    sign_in(client, editor)
    queue = client.get("/directory/to-verify").get_data(as_text=True)
    assert str(service.id) in queue and "Toujours exact" in queue
    response = _post(client, f"/directory/services/{service.id}/confirm", {"next": "/directory/to-verify"})
    assert response.status_code == 302 and response.location.endswith("/directory/to-verify")
    db_session.expire_all()
    service = db_session.get(Service, service.id)
    assert (service.assured_date, service.verification, service.assured_by) == (
        dt.date.today(), "verified", editor.id)
    assert str(service.id) not in client.get("/directory/to-verify").get_data(as_text=True)
    api = client.get(f"/api/v1/services/{service.id}").get_json()["properties"]
    assert api["stale"] is False and api["assured_date"] == dt.date.today().isoformat()


def test_next_after_an_action_stays_on_the_site(client, editor, make):
    service = make.service(organization=editor.organizations[0])
    sign_in(client, editor)
    response = _post(client, f"/directory/services/{service.id}/confirm", {"next": "https://evil.example/"})
    assert response.location.endswith(f"/directory/services/{service.id}")


def test_the_queue_is_per_organization(client, make, editor):
    mine = make.service("Mon centre à vérifier", organization=editor.organizations[0])
    theirs = make.service("Leur centre à vérifier", organization=make.organization("ONG Voisine"))
    sign_in(client, editor)
    page = client.get("/directory/to-verify").get_data(as_text=True)
    assert str(mine.id) in page and str(theirs.id) not in page
    page = client.get(f"/directory/to-verify?organization={theirs.organization_id}").get_data(as_text=True)
    assert str(theirs.id) in page and "Toujours exact" not in page  # not theirs to confirm


def test_deactivation_keeps_the_record_marked_inactive(client, db_session, editor, make):
    service = make.service("Centre fermé", organization=editor.organizations[0])
    sign_in(client, editor)
    _post(client, f"/directory/services/{service.id}/status", {"status": "inactive"})
    db_session.expire_all()
    assert db_session.get(Service, service.id).status == "inactive"
    assert "Centre fermé" not in _names(client.get("/directory/?q=ferme").get_data(as_text=True))
    assert "Centre fermé" in _names(client.get("/directory/?q=ferme&status=all").get_data(as_text=True))
    page = client.get(f"/directory/services/{service.id}").get_data(as_text=True)
    assert "Réactiver" in page and "Désactivation" in page  # the button and the history entry
    _post(client, f"/directory/services/{service.id}/status", {"status": "active"})
    db_session.expire_all()
    assert db_session.get(Service, service.id).status == "active"


def test_dashboard_counts(client, make, db_session):
    sign_in(client, make.user(role="referral"))
    before = _stats(client.get("/directory/dashboard").get_data(as_text=True))
    make.service("Frais", assured_date=dt.date.today(), verification="verified")
    make.service("Ancien", assured_date=dt.date.today() - dt.timedelta(days=STALE_AFTER_DAYS + 10),
                 verification="verified")
    make.service("Jamais")
    make.service("Fermé", status="inactive")
    after = _stats(client.get("/directory/dashboard").get_data(as_text=True))
    assert {k: after[k] - before[k] for k in after} == {
        "live": 3, "fresh": 1, "stale": 1, "never": 1, "inactive": 1, "confidential": 0, "proposals": 0}


def _stats(page: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-stat="(\w+)"><strong>(\d+)</strong>', page)}


def test_stewardship_pages_need_an_account(client):
    for path in ("/directory/to-verify", "/directory/dashboard", "/directory/proposals",
                 "/directory/services/new", "/directory/organizations"):
        response = client.get(path)
        assert response.status_code == 302 and "/auth/login?next=" in response.location, path


def test_admin_adds_an_organization(client, make, db_session):
    from webmap.models import Organization

    sign_in(client, make.user(role="admin"))
    response = _post(client, "/directory/organizations/new", {"name": "ONG Enfance Solidaire", "source": "Statuts"})
    assert response.status_code == 302
    assert db_session.scalars(select(Organization).where(Organization.name == "ONG Enfance Solidaire")).one()
    response = _post(client, "/directory/organizations/new", {"name": "", "source": ""})
    assert response.status_code == 422 and "Le nom est obligatoire." in response.get_data(as_text=True)


def test_proposals_are_listed_with_their_differences_and_can_be_rejected(client, make, db_session):
    own = make.organization("ONG Propriétaire")
    service = make.service("Centre d'autrui", organization=own)
    outsider = make.user(role="editor", organizations=[make.organization("ONG Extérieure")])
    sign_in(client, outsider)
    page = client.get(f"/directory/services/{service.id}").get_data(as_text=True)
    assert "Proposer une modification" in page
    response = _post(client, f"/directory/services/{service.id}/edit", _form(
        own, name="Centre d'autrui (corrigé)", category="social_centre", lat="7.54", lon="-5.55"))
    assert response.status_code == 302
    mine = client.get("/directory/proposals").get_data(as_text=True)
    assert "Centre d&#39;autrui (corrigé)" in mine and "Approuver" not in mine
    admin = make.user(role="admin")
    sign_in(client, admin)
    page = client.get("/directory/proposals").get_data(as_text=True)
    assert 'data-field="name"' in page and "Approuver et appliquer" in page
    proposal_id = re.search(r'data-proposal-id="([^"]+)"', page).group(1)
    _post(client, f"/directory/proposals/{proposal_id}/reject", {"note": "Nom non confirmé"})
    db_session.expire_all()
    assert db_session.get(Service, service.id).name == "Centre d'autrui"
    rejected = client.get("/directory/proposals?status=rejected").get_data(as_text=True)
    assert "Nom non confirmé" in rejected
