"""Public suggestions (/suggest): the anonymous form, the moderation queue, accept and reject,
honeypot, rate limit, escaping — through real requests and the real forms."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from webmap.limits.expensive import guard
from webmap.models import AuditEntry, ChangeProposal, Phone, Service

from .factories import csrf_token, sign_in
from .forms import read_form

EXACT = (-5.0621, 7.7211)  # the shelter's exact point, in Bouaké
ADDRESS = "Quartier Koko, derrière le marché, lot 12"
SCRIPT = '<script>alert("x")</script>'


@pytest.fixture()
def chpm(make):
    organization = make.organization("Ministère de la Femme, de la Famille et de l'Enfant")
    return make.service("CHPM de Daloa", category="chpm", lon=-6.45, lat=6.88, phones=("+225 07 07 00 00 01",),
                        organization=organization, location={"town": "Daloa"})


@pytest.fixture()
def shelter(make):
    return make.service(
        "Foyer confidentiel Kokoti", category="chpm", lon=EXACT[0], lat=EXACT[1],
        location={"confidential": True, "address": ADDRESS, "town": "Bouaké",
                  "public_contact": "Centre social de Bouaké"},
    )


def _anonymous_suggestion(client, service_id=None, **fields):
    """Open the form as a visitor, fill it in, send it."""
    url = f"/suggest?service={service_id}" if service_id else "/suggest"
    page = client.get(url)
    assert page.status_code == 200
    data = read_form(page.get_data(as_text=True), "/suggest")
    data.update(fields)
    return client.post("/suggest", data=data)


def _pending(db_session, kind: str) -> list[ChangeProposal]:
    db_session.expire_all()
    return list(db_session.scalars(
        select(ChangeProposal).where(ChangeProposal.kind == kind, ChangeProposal.status == "pending")))


def test_the_form_is_french_warns_about_children_and_needs_no_account(client, chpm):
    page = html.unescape(client.get(f"/suggest?service={chpm.id}").get_data(as_text=True))
    assert "<h1>Signaler une erreur</h1>" in page
    assert "CHPM de Daloa" in page and 'name="csrf_token"' in page
    assert "N'écrivez ici aucune information sur un enfant" in page and "116" in page
    assert 'class="wd-honeypot" aria-hidden="true"' in page and 'tabindex="-1"' in page
    new = client.get("/suggest").get_data(as_text=True)
    assert "<h1>Proposer une structure</h1>" in new
    # An unknown or malformed structure: the form for a new one.
    assert "<h1>Proposer une structure</h1>" in client.get("/suggest?service=pas-un-id").get_data(as_text=True)


def test_a_wrong_phone_reported_anonymously_is_accepted_by_an_admin_and_the_history_says_so(
        client, db_session, make, chpm):
    response = _anonymous_suggestion(
        client, chpm.id, message=f"Le numéro ne répond plus {SCRIPT}", phone="07 08 09 10 11",
        source="J'ai appelé le 2 décembre", contact="Awa, 01 02 03 04 05")
    assert response.status_code == 302 and response.headers["Location"].endswith("/suggest?sent=1")
    assert "Merci" in client.get(response.headers["Location"]).get_data(as_text=True)
    [proposal] = _pending(db_session, "report")
    assert proposal.service_id == chpm.id and proposal.organization_id == chpm.organization_id
    assert proposal.proposed_by is None
    assert proposal.payload["message"] == f"Le numéro ne répond plus {SCRIPT}"  # stored as typed
    assert proposal.payload["phone"] == "+225 07 08 09 10 11"
    # Nothing is published, and the public sees neither the text nor the contact.
    detail = client.get(f"/directory/services/{chpm.id}").get_data(as_text=True)
    assert "+225 07 07 00 00 01" in detail and "07 08 09 10 11" not in detail
    assert "ne répond plus" not in detail and "Awa" not in detail
    assert client.get("/directory/proposals").status_code == 302  # sign-in first

    admin = make.user(role="admin", name="Aya Traoré")
    sign_in(client, admin)
    queue = client.get("/directory/proposals").get_data(as_text=True)
    assert "Signalement public" in queue and "Envoyé sans compte" in queue
    assert SCRIPT not in queue and html.escape(SCRIPT, quote=False) in queue.replace("&#34;", '"')
    assert "Awa, 01 02 03 04 05" in queue
    accept_url = f"/directory/suggestions/{proposal.id}/accept"
    assert accept_url in queue
    form_page = client.get(accept_url).get_data(as_text=True)
    assert SCRIPT not in form_page
    fields = read_form(form_page, accept_url)
    assert fields["phones"] == "+225 07 08 09 10 11"  # the suggestion, put in the record's form
    # The record's source says where the change came from, not the visitor's words (never public).
    assert fields["name"] == "CHPM de Daloa" and "J'ai appelé" not in fields["source"]
    assert fields["source"].startswith("tests\u00a0; Suggestion publique du 20")
    response = client.post(accept_url, data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"/directory/services/{chpm.id}")

    db_session.expire_all()
    assert db_session.scalars(select(Phone.number).where(Phone.service_id == chpm.id)).all() == [
        "+225 07 08 09 10 11"]
    assert db_session.get(ChangeProposal, proposal.id).status == "approved"
    assert db_session.get(ChangeProposal, proposal.id).decided_by == admin.id
    entries = db_session.scalars(select(AuditEntry).where(
        AuditEntry.parent_id == str(chpm.id), AuditEntry.resource_type == "phone", AuditEntry.updated_by != "system"
    )).all()
    assert {e.last_action_type for e in entries} == {"create", "delete"}
    assert {e.updated_by for e in entries} == {"Aya Traoré"}
    assert {e.note for e in entries} == {"Depuis une suggestion publique"}
    history = client.get(f"/directory/services/{chpm.id}").get_data(as_text=True)
    assert "Aya Traoré" in history and "Depuis une suggestion publique" in history
    # Decided: it cannot be accepted twice.
    assert client.get(accept_url).status_code == 403


def test_a_rejection_needs_a_reason_which_the_queue_keeps(client, db_session, make, chpm):
    _anonymous_suggestion(client, chpm.id, message="Fermé depuis juin", source="Voisin")
    [proposal] = _pending(db_session, "report")
    sign_in(client, make.user(role="admin"))
    url = f"/directory/suggestions/{proposal.id}/reject"
    client.post(url, data={"csrf_token": csrf_token(client), "note": "  "})
    assert "Donnez la raison du refus." in client.get("/directory/proposals").get_data(as_text=True)
    assert _pending(db_session, "report")
    client.post(url, data={"csrf_token": csrf_token(client), "note": "Vérifié par téléphone : ouvert"})
    assert not _pending(db_session, "report")
    rejected = client.get("/directory/proposals?status=rejected").get_data(as_text=True)
    assert "Vérifié par téléphone : ouvert" in rejected
    assert db_session.get(Service, chpm.id).status == "active"


def test_the_records_editors_see_and_decide_it_other_editors_do_not(client, db_session, make, chpm):
    _anonymous_suggestion(client, chpm.id, message="Nouveau numéro", phone="0708091011", source="Affiche")
    [proposal] = _pending(db_session, "report")
    outsider = make.user(role="editor", organizations=[make.organization("ONG Ailleurs")])
    sign_in(client, outsider)
    assert "Nouveau numéro" not in client.get("/directory/proposals").get_data(as_text=True)
    assert client.get(f"/directory/suggestions/{proposal.id}/accept").status_code == 403
    own = make.user(role="editor", organizations=[chpm.organization])
    sign_in(client, own)
    queue = client.get("/directory/proposals").get_data(as_text=True)
    assert "Nouveau numéro" in queue and "Vérifier et accepter" in queue
    url = f"/directory/suggestions/{proposal.id}/accept"
    assert client.post(url, data=read_form(client.get(url).get_data(as_text=True), url)).status_code == 302
    db_session.expire_all()
    assert db_session.get(ChangeProposal, proposal.id).status == "approved"


def test_a_proposed_new_structure_is_created_by_an_admin_choosing_its_organisation(client, db_session, make):
    organization = make.organization("ONG Enfance Heureuse")
    response = _anonymous_suggestion(client, name="Centre d'écoute de Séguéla", category="ngo", town="Séguéla",
                                     phone="07 07 12 34 56", source="J'y travaille")
    assert response.status_code == 302
    [proposal] = _pending(db_session, "new")
    assert proposal.service_id is None and proposal.organization_id is None
    editor = make.user(role="editor", organizations=[organization])
    sign_in(client, editor)  # a new structure belongs to no organisation yet: admins decide
    assert "Centre d&#39;écoute de Séguéla" not in client.get("/directory/proposals").get_data(as_text=True)
    sign_in(client, make.user(role="admin", name="Admin Koffi"))
    url = f"/directory/suggestions/{proposal.id}/accept"
    fields = read_form(client.get(url).get_data(as_text=True), url)
    assert fields["name"] == "Centre d'écoute de Séguéla" and fields["town"] == "Séguéla"
    assert client.post(url, data=fields).status_code == 422  # no organisation chosen yet
    fields["organization_id"] = str(organization.id)
    response = client.post(url, data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    db_session.expire_all()
    created = db_session.scalars(select(Service).where(Service.name == "Centre d'écoute de Séguéla")).one()
    assert created.organization_id == organization.id and created.category == "ngo"
    decided = db_session.get(ChangeProposal, proposal.id)
    assert decided.status == "approved" and decided.service_id == created.id
    notes = set(db_session.scalars(select(AuditEntry.note).where(AuditEntry.resource_id == str(created.id))))
    assert notes == {"Depuis une suggestion publique"}


def test_every_fault_is_told_in_french_and_nothing_is_kept(client, db_session, chpm):
    response = _anonymous_suggestion(client, chpm.id, message="", phone="07 07 ab", source="", category="xyz")
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    for message in ("Dites ce qui est faux ou manquant.", "n'est pas un numéro de téléphone",
                    "Dites d'où vient cette information", "Choisissez une catégorie de la liste."):
        assert message in page, message
    response = _anonymous_suggestion(client, message="x" * 2001, source="moi")
    assert "Le nom de la structure est obligatoire." in response.get_data(as_text=True)
    assert "2000 caractères au plus." in response.get_data(as_text=True)
    assert not _pending(db_session, "report") and not _pending(db_session, "new")


def test_without_the_csrf_token_nothing_is_kept(client, db_session, chpm):
    response = client.post("/suggest", data={"service": str(chpm.id), "message": "x", "source": "y"})
    assert response.status_code == 400 and not _pending(db_session, "report")


def test_a_robot_filling_the_honeypot_is_thanked_and_nothing_is_kept(client, db_session, chpm):
    response = _anonymous_suggestion(client, chpm.id, message="Visitez mon site", source="web",
                                     website="http://spam.example")
    assert response.status_code == 302 and response.headers["Location"].endswith("sent=1")
    assert not _pending(db_session, "report")


@pytest.fixture()
def limited(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBMAP_RATE_LIMIT_ENABLED", True)
    monkeypatch.setitem(app.config, "WEBMAP_RATE_LIMITS", {**app.config["WEBMAP_RATE_LIMITS"], "suggest": "2 per hour"})
    guard(app).storage.reset()
    yield app
    guard(app).storage.reset()


def test_one_address_sends_a_few_suggestions_an_hour(limited, client, db_session, chpm):
    for n in range(2):
        assert _anonymous_suggestion(client, chpm.id, message=f"Erreur {n}", source="moi").status_code == 302
    response = _anonymous_suggestion(client, chpm.id, message="Erreur 3", source="moi")
    assert response.status_code == 429 and 1 <= int(response.headers["Retry-After"]) <= 3600
    assert "Trop de suggestions depuis votre adresse" in response.get_data(as_text=True)
    assert len(_pending(db_session, "report")) == 2
    other = {"REMOTE_ADDR": "192.0.2.44"}
    page = client.get(f"/suggest?service={chpm.id}", environ_base=other).get_data(as_text=True)
    data = {**read_form(page, "/suggest"), "message": "Erreur 4", "source": "moi"}
    assert client.post("/suggest", data=data, environ_base=other).status_code == 302


def test_a_confidential_structure_shows_the_suggester_only_the_public_view(client, shelter):
    page = client.get(f"/suggest?service={shelter.id}").get_data(as_text=True)
    assert "Foyer confidentiel Kokoti" in page and "Bouaké" in page
    assert ADDRESS not in html.unescape(page)
    for value in EXACT:
        assert f"{value:.3f}" not in page
    assert not re.search(r"-5[.,]06|7[.,]72", page)


def test_the_links_to_the_form_are_on_the_detail_page_referral_results_and_map(client, chpm):
    detail = client.get(f"/directory/services/{chpm.id}").get_data(as_text=True)
    assert f'href="/suggest?service={chpm.id}"' in detail and "Signaler une erreur" in detail
    assert "Proposer une structure" in detail
    results = client.get("/referral/results?lat=6.88&lon=-6.45&category=chpm").get_data(as_text=True)
    assert f'href="/suggest?service={chpm.id}"' in results and "Proposer une structure" in results
    page = client.get("/").get_data(as_text=True)
    assert '"suggestUrl": "/suggest"' in page or '"suggestUrl":"/suggest"' in page
    assert "Signaler une erreur" in page
