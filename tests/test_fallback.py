"""Always someone to call, and clear answers where the search used to say nothing.

The fallback block ("Si personne ne répond") comes from the directory (services flagged
``fallback_contact``: the helpline 116 and the Compact's focal points from the seed), in the API,
the page and the printable sheet; a result without a phone says whom to ask instead. Real
PostGIS with the seed directory loaded; each test's records are rolled back.
"""

from __future__ import annotations

import json
import re
from html import unescape

from sqlalchemy import select, update

from webmap.models import Phone, Service

# An empty spot in the centre-east (no seed structure within ~90 km), for factory services.
SPOT = (8.30, -4.30)  # lat, lon
CNS_PHONE = "+225 27 22 48 03 03"
HELPLINE = "Ligne nationale d'assistance aux enfants 116"


def _api(client, query: str, status: int = 200) -> dict:
    response = client.get("/api/v1/nearest?" + query)
    assert response.status_code == status, response.get_data(as_text=True)
    return json.loads(response.get_data(as_text=True))


def _html(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.status_code
    return unescape(response.get_data(as_text=True))


def _fallback_section(html: str) -> str:
    match = re.search(r'<section class="rf-fallback".*?</section>', html, re.S)
    assert match, "no fallback block"
    return match.group(0)


# --- the fallback block ---------------------------------------------------------------------------


def test_api_answer_carries_116_and_the_national_focal_points_first_the_helpline(client):
    body = _api(client, "place=Korhogo&need=shelter")
    assert body["results"]
    fallback = body["fallback"]
    assert fallback[0]["name"] == HELPLINE and fallback[0]["phones"] == ["116"]
    by_name = {contact["name"]: contact for contact in fallback}
    cns = next(c for c in fallback if c["alternate_name"] == "CNS")
    assert cns["phones"] == [CNS_PHONE] and cns["email"] == "cns@1eredame.ci"
    women = next(c for name, c in by_name.items() if name.startswith("Ministère de la Femme"))
    assert women["phones"] == ["+225 27 20 21 77 02", "+225 27 20 32 42 33"]
    assert women["address"] == "8ème étage, Tour B, Abidjan Plateau"
    solidarity = next(c for name, c in by_name.items() if name.startswith("Ministère de la Solidarité"))
    assert solidarity["email"] == "mslp@solidarite.gouv.ci"


def test_an_empty_answer_still_carries_the_fallback_block(client):
    body = _api(client, "place=Soubré&need=shelter&age=19")
    assert body["results"] == []
    assert body["fallback"][0]["phones"] == ["116"]


def test_the_fallback_block_is_read_from_the_directory(client, db_session, make):
    """Unflag the helpline and it leaves the block; flag another record and it joins it."""
    db_session.execute(update(Service).where(Service.category == "helpline").values(fallback_contact=False))
    make.service(name="Centre d'appel de test", category="helpline", phones=("+225 27 31 00 00 00",),
                 fallback_contact=True)
    body = _api(client, "place=Korhogo")
    names = [contact["name"] for contact in body["fallback"]]
    assert HELPLINE not in names
    assert names[0] == "Centre d'appel de test"
    assert body["fallback"][0]["phones"] == ["+225 27 31 00 00 00"]


def test_a_confidential_fallback_contact_never_gives_its_address(client, make):
    make.service(name="Foyer national de test", category="helpline", phones=("+225 27 31 00 00 01",),
                 fallback_contact=True,
                 location={"confidential": True, "town": "Bouaké", "address": "Rue secrète 12"})
    body = _api(client, "place=Korhogo")
    [contact] = [c for c in body["fallback"] if c["name"] == "Foyer national de test"]
    assert contact["address"] is None
    assert "Rue secrète" not in json.dumps(body, ensure_ascii=False)


def test_page_results_show_the_fallback_block_with_116(client):
    html = _html(client, "/referral?place=Korhogo&need=shelter")
    block = _fallback_section(html)
    assert "Si personne ne répond" in block
    assert 'href="tel:116"' in block
    assert CNS_PHONE in block


def test_page_errors_and_empty_answers_show_the_fallback_block(client):
    unknown = _html(client, "/referral?place=Zzxqwv", status=404)
    assert 'href="tel:116"' in _fallback_section(unknown)
    empty = _html(client, "/referral?place=Soubré&need=shelter&age=19")
    assert 'href="tel:116"' in _fallback_section(empty)
    fragment = _html(client, "/referral/results?place=Korhogo")
    assert 'href="tel:116"' in _fallback_section(fragment)


def test_the_opened_page_asks_nothing_yet_and_shows_no_answer(client):
    html = _html(client, "/referral")
    assert "rf-fallback" not in html and 'role="alert"' not in html


def test_sheet_shows_the_fallback_block(client):
    html = _html(client, "/referral/sheet?place=Korhogo&need=shelter")
    block = _fallback_section(html)
    assert "Si personne ne répond" in block and "116" in block and CNS_PHONE in block


# --- whom to ask instead ------------------------------------------------------------------------


def test_a_result_without_a_phone_names_the_helpline_when_nothing_nearer_is_known(client):
    body = _api(client, "place=Korhogo&need=shelter")
    no_phone = [r for r in body["results"] if not r["phones"]]
    assert no_phone
    assert all(r["ask_instead"]["kind"] == "helpline" and r["ask_instead"]["phones"] == ["116"] for r in no_phone)


def test_ask_instead_its_organisation_then_the_regional_social_centre(client, db_session, make):
    region = {"adm1_pcode": "CI-TEST-R"}
    with_contact = make.organization(name="ONG Alpha", email="contact@alpha.ci")
    db_session.add(Phone(organization_id=with_contact.id, number="+225 07 07 00 00 01"))
    make.service(name="Écoute Alpha", category="ngo", needs=["legal"], lat=SPOT[0], lon=SPOT[1],
                 organization=with_contact, location=region)
    make.service(name="Écoute Bêta", category="ngo", needs=["legal"], lat=SPOT[0] + 0.05, lon=SPOT[1],
                 location=region)
    make.service(name="Centre social de test", category="social_centre", lat=SPOT[0] + 0.5, lon=SPOT[1],
                 phones=("+225 27 30 00 00 02",), location=region)
    make.service(name="Écoute avec téléphone", category="ngo", needs=["legal"], lat=SPOT[0] + 0.1,
                 lon=SPOT[1], phones=("+225 27 30 00 00 03",), location=region)
    body = _api(client, f"lat={SPOT[0]}&lon={SPOT[1]}&need=legal")
    by_name = {r["name"]: r for r in body["results"]}
    assert by_name["Écoute Alpha"]["ask_instead"] == {
        "kind": "organization", "name": "ONG Alpha", "phones": ["+225 07 07 00 00 01"],
        "email": "contact@alpha.ci",
    }
    assert by_name["Écoute Bêta"]["ask_instead"] == {
        "kind": "social_centre", "name": "Centre social de test", "phones": ["+225 27 30 00 00 02"],
        "email": None,
    }
    assert by_name["Écoute avec téléphone"]["ask_instead"] is None
    page = _html(client, f"/referral?lat={SPOT[0]}&lon={SPOT[1]}&need=legal")
    assert "Demander au centre social de la région\u00a0: <strong>Centre social de test</strong>" in page
    assert "Demander à son organisation\u00a0: <strong>ONG Alpha</strong>" in page


def test_page_and_sheet_say_whom_to_ask_for_a_result_without_a_phone(client):
    page = _html(client, "/referral?place=Korhogo&need=reintegration")
    assert "Demander à la ligne d'assistance aux enfants\u00a0:" in page
    sheet = _html(client, "/referral/sheet?place=Korhogo&need=reintegration")
    assert re.search(r'class="rf-sheet-ask"[^>]*>Demander à la ligne .*?<strong>116</strong>', sheet)


# --- one-tap actions ------------------------------------------------------------------------------


def test_each_result_has_call_and_directions_to_its_displayed_point(client, make):
    make.service(name="Foyer Gamma", category="ngo", needs=["legal"], lat=SPOT[0], lon=SPOT[1],
                 phones=("+225 27 30 00 00 04",))
    body = _api(client, f"lat={SPOT[0]}&lon={SPOT[1]}&need=legal")
    first = body["results"][0]
    html = _html(client, f"/referral?lat={SPOT[0]}&lon={SPOT[1]}&need=legal")
    start = html.index(f'data-id="{first["id"]}"')
    item = html[start:html.index("<details", start)]
    assert 'data-role="call" href="tel:+2252730000004">Appeler</a>' in item
    assert f'data-role="route" href="geo:{first["lat"]},{first["lon"]}?q={first["lat"]},{first["lon"]}(' in item
    assert ">Itinéraire</a>" in item


def test_a_confidential_result_routes_to_its_town_and_calls_whom_to_ask(client):
    body = _api(client, "place=Korhogo&need=reintegration")
    masked = next(r for r in body["results"] if r["masked"])
    html = _html(client, "/referral?place=Korhogo&need=reintegration")
    assert f'href="geo:{masked["lat"]},{masked["lon"]}?' in html  # the town's point, as displayed
    assert 'data-role="call" href="tel:116">Appeler le 116</a>' in html


# --- clear answers --------------------------------------------------------------------------------


def test_a_search_without_an_origin_says_what_to_type(client):
    html = _html(client, "/referral?place=&need=shelter", status=400)
    assert "Indiquez où se trouve l'enfant\u00a0: saisissez une ville ou un village, ou des coordonnées." in html
    # "click on the map" only where the map is shown: the page's script reveals it.
    assert re.search(r'<span class="rf-map-only" data-role="map-hint" hidden>'
                     r'Vous pouvez aussi cliquer sur la carte.', html)
    fragment = _html(client, "/referral/results?place=", status=400)
    assert "Indiquez où se trouve l'enfant" in fragment
    sheet = _html(client, "/referral/sheet?place=", status=400)
    assert "Indiquez où se trouve l'enfant" in sheet and "carte" not in sheet.split("rf-sheet-error")[1][:300]


def test_an_adult_age_is_answered_from_the_data_age_ranges(client, make):
    make.service(name="Foyer pour enfants de test", category="ngo", needs=["legal"], lat=SPOT[0], lon=SPOT[1],
                 minimum_age=6, maximum_age=15)
    body = _api(client, f"lat={SPOT[0]}&lon={SPOT[1]}&need=legal&age=16")
    assert body["results"] == []
    assert body["message"] == (
        "Ces structures accueillent des mineurs (jusqu'à 15 ans)\u00a0: pour un jeune adulte, "
        "voir les contacts «\u00a0Si personne ne répond\u00a0»."
    )
    html = _html(client, f"/referral?lat={SPOT[0]}&lon={SPOT[1]}&need=legal&age=16")
    assert "jusqu'à 15 ans" in html and 'href="tel:116"' in _fallback_section(html)


def test_an_age_with_a_structure_of_unknown_age_range_keeps_the_usual_answer(client, make):
    make.service(name="Foyer pour enfants de test", category="ngo", needs=["legal"], lat=SPOT[0], lon=SPOT[1],
                 maximum_age=15)
    make.service(name="Foyer sans âge connu", category="ngo", needs=["legal"], lat=SPOT[0], lon=SPOT[1])
    body = _api(client, f"lat={SPOT[0]}&lon={SPOT[1]}&need=legal&age=30")
    assert [r["name"] for r in body["results"]] == ["Foyer sans âge connu"]


def test_the_outside_the_country_message_names_the_point_given(client):
    html = _html(client, "/referral?coords=12.6392,-8.0029", status=400)  # Bamako, Mali
    assert "Le point 12.6392, -8.0029 (latitude, longitude) est hors de Côte d'Ivoire" in html
    html = _html(client, "/referral?lat=16.27&lon=-0.04", status=400)
    assert "Le point 16.2700, -0.0400" in html


def test_fallback_contact_rows_are_what_the_seed_flags(db_session):
    flagged = db_session.scalars(select(Service.name).where(Service.fallback_contact)).all()
    assert HELPLINE in flagged and len(flagged) == 5


# --- administrators flag fallback contacts (form and import) -------------------------------------


def _post(client, url: str, data: dict):
    from .factories import csrf_token

    return client.post(url, data={**data, "csrf_token": csrf_token(client, url)})


def _form(org, **overrides) -> dict:
    data = {
        "name": "Ligne d'écoute régionale", "category": "helpline", "organization_id": str(org.id),
        "status": "active", "source": "Visite de terrain, décembre 2026", "lat": "7.69", "lon": "-5.03",
        "precision": "exact", "phones": "27 31 00 00 09",
    }
    data.update(overrides)
    return data


def test_an_administrator_flags_a_fallback_contact_in_the_form(client, db_session, make):
    from .factories import sign_in

    admin = make.user(role="admin")
    org = make.organization(name="ONG Écoute")
    sign_in(client, admin)
    assert 'name="fallback_contact"' in client.get("/directory/services/new").get_data(as_text=True)
    response = _post(client, "/directory/services/new", _form(org, fallback_contact="y"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    body = _api(client, "place=Korhogo")
    assert "Ligne d'écoute régionale" in [contact["name"] for contact in body["fallback"]]


def test_an_editor_can_neither_set_nor_clear_the_flag(client, db_session, make):
    from .factories import sign_in

    org = make.organization(name="ONG Écoute")
    editor = make.user(role="editor", organizations=[org])
    record = make.service(name="Ligne d'écoute régionale", category="helpline", organization=org,
                          phones=("+225 27 31 00 00 09",), fallback_contact=True)
    sign_in(client, editor)
    form = client.get(f"/directory/services/{record.id}/edit").get_data(as_text=True)
    assert 'name="fallback_contact"' not in form
    response = _post(client, f"/directory/services/{record.id}/edit", _form(org, name="Ligne d'écoute (nouveau nom)"))
    assert response.status_code == 302
    db_session.refresh(record)
    assert record.name == "Ligne d'écoute (nouveau nom)" and record.fallback_contact is True
    other = make.service(name="Autre ligne", category="helpline", organization=org)
    _post(client, f"/directory/services/{other.id}/edit", _form(org, name="Autre ligne", fallback_contact="y"))
    db_session.refresh(other)
    assert other.fallback_contact is False


def test_an_import_flags_fallback_contacts_for_an_administrator_only(app, db_session):
    from webmap.transfer.importer import import_file
    from webmap.transfer.rows import ImportOptions

    data = ("nom,categorie,organisation,source,longitude,latitude,telephones,contact de secours\n"
            "Ligne importée,helpline,ONG Import,Test,-5.0301,7.6898,27 31 00 00 08,oui\n").encode()
    with app.test_request_context("/"):
        refused = import_file(db_session, data, "l.csv", ImportOptions(), dry_run=True)
        warning = "Seul un administrateur peut désigner les contacts de secours\u00a0: colonne ignorée."
        assert warning in refused.rows[0].messages
        report = import_file(db_session, data, "l.csv", ImportOptions(allow_fallback=True), dry_run=False)
    assert report.committed, [row.messages for row in report.rows]
    service = db_session.scalars(select(Service).where(Service.name == "Ligne importée")).one()
    assert service.fallback_contact is True


def test_a_focal_point_without_a_phone_is_not_sent_back_to_its_own_e_mail(client):
    """The Ministry of Solidarity publishes an e-mail only: whom to ask is the helpline."""
    body = _api(client, "place=Abidjan&category=coordination&limit=50")
    [solidarity] = [r for r in body["results"] if r["name"].startswith("Ministère de la Solidarité")]
    assert solidarity["email"] == "mslp@solidarite.gouv.ci" and solidarity["phones"] == []
    assert solidarity["ask_instead"]["kind"] == "helpline"
