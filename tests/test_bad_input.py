"""Bad input gets a 4xx, never a 500: NUL characters, numbers and texts beyond their limits,
unreadable drawn areas, requests over the size caps, areas over the vertex budget, and a 503
(with Retry-After) while the database cannot be reached."""

from __future__ import annotations

import html
import io
import json
import math
import re
import socket

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from webmap import create_app
from webmap.models import Campaign, Organization, RiskZone, Service
from webmap.transfer.importer import import_file
from webmap.transfer.rows import ImportOptions

from .factories import csrf_token, sign_in
from .test_planning_support import planning  # noqa: F401

NBSP = "\u00a0"
BOUAKE = (-5.0301, 7.6898)
NEW_CAMPAIGN = "/planning/campaigns/new"
NEW_ZONE = "/planning/zones/new"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# --- NUL characters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "parameter"), [
    ("/api/v1/services?q=a%00b", "q"),
    ("/api/v1/places?q=Bouak%00", "q"),
    ("/api/v1/nearest?place=Bouak%00", "place"),
    ("/api/v1/admin-areas?level=2&parent=CI%0029", "parent"),
])
def test_nul_in_an_api_parameter_is_a_json_400_naming_it(client, url, parameter):
    response = client.get(url)
    assert response.status_code == 400, _text(response)[:300]
    assert response.json["detail"]["parameter"] == parameter
    assert "NUL" in response.json["detail"]["message"]


@pytest.mark.parametrize(("url", "parameter"), [
    ("/directory/?q=a%00b", "q"),
    ("/referral?place=Bouak%00", "place"),
    ("/export/services.csv?q=a%00b", "q"),
    ("/export/services.geojson?q=a%00b", "q"),
])
def test_nul_in_a_page_parameter_is_a_french_400_naming_it(client, url, parameter):
    response = client.get(url)
    assert response.status_code == 400, _text(response)[:300]
    assert (f"Le champ ou paramètre «{NBSP}{parameter}{NBSP}» contient un caractère nul, "
            "qui n'est pas accepté.") in _text(response)


def test_nul_in_the_login_email_is_a_400(client, make):
    user = make.user(role="editor")
    response = client.post("/auth/login", data={
        "email": user.email + "\x00", "password": "x", "csrf_token": csrf_token(client)})
    assert response.status_code == 400
    assert f"«{NBSP}email{NBSP}» contient un caractère nul" in _text(response)


def _service_form(org, **overrides) -> dict:
    data = {
        "name": "Centre d'écoute de Bouaké", "category": "ngo", "organization_id": str(org.id),
        "status": "active", "source": "Visite de terrain", "lat": str(BOUAKE[1]), "lon": str(BOUAKE[0]),
        "precision": "exact", "phones": "116", "capacity": "20",
    }
    data.update(overrides)
    return data


@pytest.fixture()
def editor(make):
    return make.user(role="editor", organizations=[make.organization("ONG Lumière")])


def _post_service(client, data):
    return client.post("/directory/services/new", data={**data, "csrf_token": csrf_token(client, "/directory/")})


def test_nul_in_a_service_form_field_is_a_400_and_nothing_is_written(client, db_session, editor):
    sign_in(client, editor)
    before = db_session.scalar(select(func.count()).select_from(Service))
    response = _post_service(client, _service_form(editor.organizations[0], description="a\x00b"))
    assert response.status_code == 400
    assert f"«{NBSP}description{NBSP}» contient un caractère nul" in _text(response)
    assert db_session.scalar(select(func.count()).select_from(Service)) == before


@pytest.mark.parametrize(("url", "status", "parameter"), [
    ("/api/v1/campaigns?to=0001-01-01", 400, "to"),  # a year before it is no date: OverflowError
    ("/api/v1/coverage?to=0001-01-01", 400, "to"),
    ("/api/v1/nearest?place=99999999999999999999", 404, "place"),  # beyond the integer column
    ("/api/v1/nearest?place=%C2%B2", 404, "place"),  # "²": a digit for str.isdigit, not for int()
])
def test_out_of_range_parameters_are_a_4xx_naming_them(client, url, status, parameter):
    response = client.get(url)
    assert response.status_code == status, _text(response)[:300]
    assert response.json["detail"]["parameter"] == parameter


def test_out_of_range_parameters_of_the_pages_are_a_4xx(client):
    assert client.get("/planning?to=0001-01-01").status_code == 400
    assert client.get("/referral?place=99999999999999999999").status_code == 404


# --- numbers and texts beyond their limits -----------------------------------------------------------


def test_a_capacity_beyond_the_limit_is_refused_by_the_form(client, db_session, editor):
    sign_in(client, editor)
    response = _post_service(client, _service_form(editor.organizations[0], capacity="3000000000"))
    assert response.status_code == 422
    assert re.search(r"Au plus 100\s000 places\.", _text(response))
    response = _post_service(client, _service_form(editor.organizations[0], alternate_name="A" * 251))
    assert response.status_code == 422
    assert "250 caractères au plus." in _text(response)


def test_a_capacity_beyond_the_limit_fails_the_dry_run_and_the_commit_alike(app, db_session):
    data = ("nom,categorie,organisation,source,longitude,latitude,telephones,capacite\n"
            f"Foyer Alpha,reception_transit,ONG Alpha,Test,{BOUAKE[0]},{BOUAKE[1]},116,2147483648\n").encode()
    description = ("nom,categorie,organisation,source,longitude,latitude,telephones,description\n"
                   f"Foyer Bêta,reception_transit,ONG Alpha,Test,{BOUAKE[0]},{BOUAKE[1]},116,{'x' * 5001}\n").encode()
    with app.test_request_context("/"):
        report = import_file(db_session, data, "foyers.csv", ImportOptions(), dry_run=True)
        assert [row.status for row in report.rows] == ["error"]
        assert re.search(r"Capacité\u00a0: Au plus 100\s000 places\.", report.rows[0].messages[-1])
        report = import_file(db_session, data, "foyers.csv", ImportOptions(), dry_run=False)
        assert not report.committed
        report = import_file(db_session, description, "foyers.csv", ImportOptions(), dry_run=True)
        assert report.rows[0].messages[-1] == "Description\u00a0: 5000 caractères au plus."
    assert db_session.scalar(select(func.count()).select_from(Service).where(Service.name == "Foyer Alpha")) == 0


def test_an_organization_website_beyond_the_limit_is_refused(client, db_session, make):
    sign_in(client, make.user(role="admin"))
    response = client.post("/directory/organizations/new", data={
        "name": "ONG Site", "source": "Test", "website": "https://example.org/" + "a" * 500,
        "csrf_token": csrf_token(client, "/directory/")})
    assert response.status_code == 422
    assert "500 caractères au plus." in _text(response)
    assert db_session.scalar(select(func.count()).select_from(Organization).where(Organization.name == "ONG Site")) == 0


@pytest.fixture()
def campaign_editor(make):
    org = make.organization("ONG Soleil")
    return org, make.user(role="editor", organizations=[org])


def _campaign_form(client, organization, **fields) -> dict:
    data = {
        "csrf_token": csrf_token(client, NEW_CAMPAIGN), "name": "Caravane", "organization_id": str(organization.id),
        "organization": "", "theme": "child_trafficking", "channel": "transport_hubs",
        "start_date": "2025-02-01", "end_date": "2025-02-10", "people_reached": "1200",
        "target_groups": "transporteurs", "source": "Rapport d'activité", "notes": "",
        "area_pcodes": "CI2902", "area_geojson": "",
    }
    data.update(fields)
    return data


def _campaigns(session) -> int:
    return session.scalar(select(func.count()).select_from(Campaign))


def test_people_reached_and_target_groups_beyond_the_limits_are_refused(client, db_session, campaign_editor):
    org, user = campaign_editor
    sign_in(client, user)
    response = client.post(NEW_CAMPAIGN, data=_campaign_form(client, org, people_reached="3000000000"))
    assert response.status_code == 422
    assert re.search(r"Au plus 100\s000\s000\.", _text(response))
    response = client.post(NEW_CAMPAIGN, data=_campaign_form(client, org, target_groups="x" * 121))
    assert response.status_code == 422
    assert "120 caractères au plus." in _text(response)
    assert _campaigns(db_session) == 0


# --- drawn areas that cannot be read -----------------------------------------------------------------


def test_a_deeply_nested_drawn_area_is_refused(client, db_session, campaign_editor):
    org, user = campaign_editor
    sign_in(client, user)
    nested = "[" * 100_000 + "]" * 100_000
    response = client.post(NEW_CAMPAIGN, data=_campaign_form(client, org, area_pcodes="", area_geojson=nested))
    assert response.status_code == 422
    assert "La zone dessinée n'a pas pu être lue." in _text(response)
    assert _campaigns(db_session) == 0


@pytest.mark.parametrize("drawn", ["[1, 2]", '"texte"', '{"type": "MultiPolygon", "coordinates": 5}'])
def test_a_drawn_area_that_is_not_a_polygon_sent_with_a_file_is_refused(client, db_session, campaign_editor, drawn):
    org, user = campaign_editor
    sign_in(client, user)
    square = {"type": "Polygon", "coordinates": [[[-5.1, 7.6], [-5.0, 7.6], [-5.0, 7.7], [-5.1, 7.7], [-5.1, 7.6]]]}
    data = _campaign_form(client, org, area_pcodes="", area_geojson=drawn)
    data["area_file"] = (io.BytesIO(json.dumps(square).encode()), "zone.geojson")
    response = client.post(NEW_CAMPAIGN, data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert ("La zone dessinée n'a pas pu être lue." in _text(response)
            or "La zone doit être un polygone ou un multipolygone." in _text(response))
    assert _campaigns(db_session) == 0


# --- requests beyond the size caps -------------------------------------------------------------------


def test_an_upload_beyond_the_cap_gets_the_forms_french_message(client, campaign_editor, monkeypatch):
    org, user = campaign_editor
    sign_in(client, user)
    data = _campaign_form(client, org, area_pcodes="")
    data["area_file"] = (io.BytesIO(b"x" * 200_000), "zone.geojson")
    monkeypatch.setitem(client.application.config, "MAX_CONTENT_LENGTH", 150_000)
    response = client.post(NEW_CAMPAIGN, data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    page = _text(response)
    assert "Le fichier est trop gros\u00a0; la limite est de 10 Mo." in page
    assert f'href="{NEW_CAMPAIGN}"' in page  # back to the form


def test_a_form_field_beyond_the_cap_gets_a_french_message(client, campaign_editor, monkeypatch):
    org, user = campaign_editor
    sign_in(client, user)
    data = _campaign_form(client, org, area_pcodes="", area_geojson="[" + "0," * 100_000 + "0]")
    monkeypatch.setitem(client.application.config, "MAX_FORM_MEMORY_SIZE", 100_000)
    response = client.post(NEW_CAMPAIGN, data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Un champ du formulaire est trop gros\u00a0: 100 ko au plus." in _text(response)


# --- the vertex budget of campaign and zone areas ----------------------------------------------------


def _ring(vertices: int, jitter: float, centre=(-5.5, 7.5), radius=0.3) -> dict:
    """A closed ring of ``vertices`` points around ``centre``, zigzagging by ``jitter`` degrees."""
    points = []
    for i in range(vertices):
        angle = 2 * math.pi * i / vertices
        r = radius + (jitter if i % 2 else -jitter)
        points.append([round(centre[0] + r * math.cos(angle), 6), round(centre[1] + r * math.sin(angle), 6)])
    return {"type": "Polygon", "coordinates": [[*points, points[0]]]}


def test_an_area_over_the_vertex_budget_is_refused_with_a_french_message(client, db_session, campaign_editor):
    org, user = campaign_editor
    sign_in(client, user)
    jagged = json.dumps(_ring(30_000, 0.005))  # a zigzag of 1 km: simplifying to 50 m keeps it
    response = client.post(NEW_CAMPAIGN, data=_campaign_form(client, org, area_pcodes="", area_geojson=jagged))
    assert response.status_code == 422
    assert re.search(r"La zone compte 2\d\s\d{3} sommets, même simplifiée à environ 50 m\u00a0; "
                     r"au plus 20\s000 sont acceptés\.", _text(response))
    assert _campaigns(db_session) == 0


def test_a_detailed_area_is_simplified_to_the_budget_and_kept(client, db_session, campaign_editor):
    org, user = campaign_editor
    sign_in(client, user)
    smooth = json.dumps(_ring(60_000, 0.0))  # a circle drawn every 30 m
    response = client.post(NEW_CAMPAIGN, data=_campaign_form(client, org, area_pcodes="", area_geojson=smooth))
    assert response.status_code == 302, _text(response)[:2000]
    vertices = db_session.scalar(select(func.ST_NPoints(Campaign.area)))
    assert vertices <= 20_000


def test_an_uploaded_area_too_large_to_simplify_is_refused_at_once(client, db_session, campaign_editor,
                                                                    monkeypatch):
    from webmap.planning import service

    monkeypatch.setattr(service, "MAX_AREA_VERTICES_READ", 5_000)  # 100,000: a file of 2.6 MB
    org, user = campaign_editor
    sign_in(client, user)
    feature = {"type": "Feature", "properties": {}, "geometry": _ring(6_000, 0.0)}
    payload = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    data = _campaign_form(client, org, area_pcodes="")
    data["area_file"] = (io.BytesIO(payload), "zone.geojson")
    response = client.post(NEW_CAMPAIGN, data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert re.search(r"La zone compte 6\s001 sommets\u00a0; au plus 5\s000 peuvent être lus\.", _text(response))
    assert _campaigns(db_session) == 0


def test_a_risk_zone_over_the_vertex_budget_is_refused(client, db_session, make):
    sign_in(client, make.user(role="admin"))
    before = db_session.scalar(select(func.count()).select_from(RiskZone))
    response = client.post(NEW_ZONE, data={
        "csrf_token": csrf_token(client, NEW_ZONE), "name": "Zone dentelée", "kind": "border_crossing", "level": "2",
        "criterion": "Test", "source": "Test", "date": "2025-01-01", "area_pcodes": "",
        "area_geojson": json.dumps(_ring(30_000, 0.005)),
    })
    assert response.status_code == 422
    assert "même simplifiée à environ 50 m" in _text(response)
    assert db_session.scalar(select(func.count()).select_from(RiskZone)) == before


# --- the database down -------------------------------------------------------------------------------


@pytest.fixture()
def app_without_database():
    """The app configured with a database on a closed port of 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app({"TESTING": True, "SECRET_KEY": "tests-only",
                      "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{port}/webmap"})
    yield app
    with app.app_context():
        from webmap.extensions import db

        db.dispose()


@pytest.mark.parametrize("url", ["/directory/", "/referral?place=Bouaké", "/planning"])
def test_pages_answer_503_in_french_while_the_database_is_down(app_without_database, url):
    response = app_without_database.test_client().get(url)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "Le service est momentanément indisponible (sa base de données est injoignable)." in _text(response)


def test_the_503_page_speaks_english_on_request_and_with_a_signed_in_user(app_without_database):
    client = app_without_database.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "00000000-0000-0000-0000-000000000000:1"
        session["_fresh"] = True
    response = client.get("/directory/?lang=en")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "The service is temporarily unavailable (its database cannot be reached)." in _text(response)


@pytest.mark.parametrize("url", ["/api/v1/services", "/api/v1/nearest?lat=7.5&lon=-5.5",
                                 "/api/v1/admin-areas?level=1"])
def test_the_api_answers_503_json_while_the_database_is_down(app_without_database, url):
    response = app_without_database.test_client().get(url)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.json["error"] == "service unavailable"
    assert response.json["detail"].startswith("Le service est momentanément indisponible")


ELEVEN_PHONES = [f"07 07 00 00 {i:02d}" for i in range(11)]


def test_more_than_ten_phone_numbers_are_refused_by_the_form_and_the_import(app, client, db_session, editor):
    sign_in(client, editor)
    response = _post_service(client, _service_form(editor.organizations[0], phones="\n".join(ELEVEN_PHONES)))
    assert response.status_code == 422
    assert "10 numéros de téléphone au plus." in _text(response)
    assert _post_service(client, _service_form(editor.organizations[0], phones="\n".join(ELEVEN_PHONES[:10]))
                         ).status_code == 302
    data = ("nom,categorie,organisation,source,longitude,latitude,telephones\n"
            f"Foyer Gamma,reception_transit,ONG Alpha,Test,{BOUAKE[0]},{BOUAKE[1]},"
            f"{'; '.join(ELEVEN_PHONES)}\n").encode()
    with app.test_request_context("/"):
        report = import_file(db_session, data, "foyers.csv", ImportOptions(), dry_run=True)
    assert [row.status for row in report.rows] == ["error"]
    messages = report.rows[0].messages  # the same pass also says it repeats the form's record
    assert any(m.endswith("10 numéros de téléphone au plus.") for m in messages), messages


def test_the_printed_table_cuts_long_cells_and_never_fails(client, make):
    # a record stored before the limits: 50 numbers, a 240-character name, a 190-character town
    phones = tuple(f"+225 07 00 00 {i // 100:02d} {i % 100:02d}" for i in range(50))
    make.service(name="Structure " + "très longue " * 19, category="ngo", lon=-5.03, lat=7.69, phones=phones,
                 location={"town": "Bouaké " * 25})
    for url in ("/export/map.pdf?region=CI11", "/export/map.pdf?region=CI11&orientation=portrait",
                "/export/map.pdf"):
        response = client.get(url)
        assert response.status_code == 200, url
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
        digits = re.sub(r"\s", "", text)
        assert "+2250700000000" in digits and "+2250700000049" not in digits and "…" in text, url
