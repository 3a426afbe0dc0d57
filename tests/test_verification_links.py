"""Self-verification links: made by the record's editors, opened without an account, used once;
expired, revoked, forged and reused links say so in French; the campaign page and its CSV."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import html
import io
import re

import pytest
from sqlalchemy import select

from webmap.directory.query import STALE_AFTER_DAYS
from webmap.models import AuditEntry, ChangeProposal, Phone, Service, VerificationLink
from webmap.suggest import links

from .factories import csrf_token, sign_in
from .forms import read_form

ADDRESS = "Cour Yao, derrière la pompe, lot 7"
TOKEN_HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}


@pytest.fixture()
def world(make):
    organization = make.organization("ONG Refuge d'Espoir")
    shelter = make.service(
        "Foyer Espoir", category="chpm", lon=-5.0621, lat=7.7211, phones=("+225 07 07 00 00 02",),
        organization=organization,
        location={"confidential": True, "address": ADDRESS, "town": "Bouaké", "public_contact": "Centre social"},
    )
    editor = make.user(role="editor", organizations=[organization], name="Koné Awa")
    return {"organization": organization, "shelter": shelter, "editor": editor}


def _make_link(client, service_id) -> str:
    """Make a link on the service's page, as its editor does; return the link shown."""
    url = f"/directory/services/{service_id}/verification-links"
    response = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    assert "Copiez ce lien maintenant" in html.unescape(page)
    return re.search(r'data-role="link-url">([^<]+)<', page).group(1)


def _path(link: str) -> str:
    return link.replace("http://localhost", "")


def _anonymous(client):
    client.post("/auth/logout", data={"csrf_token": csrf_token(client)})
    with client.session_transaction() as session:
        session.clear()


def test_the_structure_confirms_its_record_once_without_an_account(client, db_session, world):
    shelter = world["shelter"]
    sign_in(client, world["editor"])
    link = _make_link(client, shelter.id)
    token = link.rsplit("/", 1)[1]
    stored = db_session.scalars(select(VerificationLink).where(VerificationLink.service_id == shelter.id)).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in stored.token_hash
    assert len(token) >= 32 and stored.purpose == "verify"
    assert (stored.expires_at - stored.created_at) == dt.timedelta(days=60)
    _anonymous(client)

    response = client.get(_path(link))
    assert response.status_code == 200
    assert {k: response.headers[k] for k in TOKEN_HEADERS} == TOKEN_HEADERS
    page = html.unescape(response.get_data(as_text=True))
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert "Ce que voit le public" in page and ADDRESS in page  # its own confidential details
    assert "Ces informations sont exactes" in page and "Proposer des corrections" in page
    form = read_form(response.get_data(as_text=True), f"{_path(link)}/confirm")
    response = client.post(f"{_path(link)}/confirm", data=form)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "vérifiée aujourd'hui par la structure elle-même" in html.unescape(response.get_data(as_text=True))

    db_session.expire_all()
    service = db_session.get(Service, shelter.id)
    assert service.assured_date == dt.datetime.now(dt.UTC).date() and service.verification == "verified"
    assert service.assured_by is None
    entries = db_session.scalars(select(AuditEntry).where(
        AuditEntry.resource_id == str(shelter.id), AuditEntry.last_action_type == "verify")).all()
    assert {e.field_name for e in entries} >= {"assured_date", "verification"}
    assert {(e.updated_by, e.actor_id) for e in entries} == {(links.STRUCTURE_ITSELF, None)}
    history = html.unescape(client.get(f"/directory/services/{shelter.id}").get_data(as_text=True))
    assert "la structure elle-même" in history and "Confirmé par la structure elle-même" in history
    # Used: a second visit, or a second click, says so.
    again = client.get(_path(link))
    assert again.status_code == 410 and "déjà été utilisé" in html.unescape(again.get_data(as_text=True))
    assert again.headers["Referrer-Policy"] == "no-referrer"
    assert client.post(f"{_path(link)}/confirm", data=form).status_code == 410


def test_an_expired_link_says_so(client, db_session, world):
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=61)
    _link, token = links.make_link(db_session, world["editor"], world["shelter"], now=long_ago)
    with pytest.raises(links.LinkRefused) as refused:
        links.open_link(db_session, token, now=long_ago + dt.timedelta(days=60))
    assert refused.value.reason == "expired"
    assert links.open_link(db_session, token, now=long_ago + dt.timedelta(days=59))  # the day before
    response = client.get(f"/verify/{token}")
    assert response.status_code == 410
    page = html.unescape(response.get_data(as_text=True))
    assert "Ce lien de vérification a expiré" in page and ADDRESS not in page
    token_form = {"csrf_token": csrf_token(client, "/suggest")}
    assert client.post(f"/verify/{token}/confirm", data=token_form).status_code == 410
    db_session.expire_all()
    assert db_session.get(Service, world["shelter"].id).assured_date is None


def test_a_revoked_link_says_so_and_a_new_link_replaces_the_old(client, db_session, world):
    sign_in(client, world["editor"])
    first = _make_link(client, world["shelter"].id)
    second = _make_link(client, world["shelter"].id)
    page = client.get(f"/directory/services/{world['shelter'].id}/verification-links").get_data(as_text=True)
    assert page.count('data-state="revoked"') == 1 and page.count('data-state="live"') == 1
    live = re.search(r'data-link-id="([^"]+)" data-state="live"', page).group(1)
    response = client.post(f"/directory/verification-links/{live}/revoke", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    _anonymous(client)
    for link in (first, second):
        response = client.get(_path(link))
        assert response.status_code == 410
        assert "annulé par l'équipe de l'annuaire" in html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("token", ["pas-un-lien", "A" * 32, "x" * 300, "%3Cscript%3E"])
def test_a_forged_link_says_so(client, world, token):
    response = client.get(f"/verify/{token}")
    assert response.status_code == 404
    page = html.unescape(response.get_data(as_text=True))
    assert "Ce lien de vérification n'est pas valide" in page and "Foyer Espoir" not in page
    assert response.headers["Referrer-Policy"] == "no-referrer" and response.headers["Cache-Control"] == "no-store"


def test_only_the_records_editors_and_admins_make_links(client, make, world):
    url = f"/directory/services/{world['shelter'].id}/verification-links"
    assert client.get(url).status_code == 302  # sign-in first
    sign_in(client, make.user(role="editor", organizations=[make.organization("ONG Autre")]))
    assert client.get(url).status_code == 403
    assert client.post(url, data={"csrf_token": csrf_token(client)}).status_code == 403
    sign_in(client, make.user(role="referral"))
    assert client.get(url).status_code == 403
    sign_in(client, make.user(role="admin"))
    assert client.get(url).status_code == 200


def test_corrections_through_the_link_wait_for_the_editor(client, db_session, world):
    shelter = world["shelter"]
    sign_in(client, world["editor"])
    link = _make_link(client, shelter.id)
    _anonymous(client)
    url = f"{_path(link)}/corrections"
    page = client.get(url)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    fields = read_form(page.get_data(as_text=True), url)
    assert fields["phones"] == "+225 07 07 00 00 02" and fields["address"] == ADDRESS
    assert "lat" not in fields and "organization_id" not in fields  # not the structure's to change
    fields.update(phones="07 07 00 00 03", comment="Nouveau standard depuis novembre",
                  lat="5.3", lon="-4.0", organization_id="")  # a forged position is ignored
    response = client.post(url, data=fields)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "vos corrections ont été envoyées" in html.unescape(response.get_data(as_text=True))
    assert client.get(_path(link)).status_code == 410  # used
    db_session.expire_all()
    assert db_session.scalars(select(Phone.number).where(Phone.service_id == shelter.id)).all() == [
        "+225 07 07 00 00 02"]  # nothing published yet
    proposal = db_session.scalars(select(ChangeProposal).where(ChangeProposal.kind == "correction")).one()
    assert proposal.payload["comment"] == "Nouveau standard depuis novembre"
    assert proposal.payload["lat"] == pytest.approx(7.7211)

    sign_in(client, world["editor"])
    queue = html.unescape(client.get("/directory/proposals").get_data(as_text=True))
    assert "Corrections de la structure" in queue and "Nouveau standard depuis novembre" in queue
    differences = re.findall(r'<tr data-field="([^"]+)">', queue)
    assert differences == ["phones"] and "+225 07 07 00 00 03" in queue  # only what the structure changed
    accept = f"/directory/suggestions/{proposal.id}/accept"
    fields = read_form(client.get(accept).get_data(as_text=True), accept)
    assert client.post(accept, data=fields).status_code == 302
    db_session.expire_all()
    assert db_session.scalars(select(Phone.number).where(Phone.service_id == shelter.id)).all() == [
        "+225 07 07 00 00 03"]
    notes = set(db_session.scalars(select(AuditEntry.note).where(AuditEntry.parent_id == str(shelter.id),
                                                                 AuditEntry.updated_by == "Koné Awa")))
    assert notes == {"Depuis les corrections de la structure elle-même (lien de vérification)"}


def test_the_campaign_lists_stale_structures_and_exports_their_links_as_csv(client, db_session, make, world):
    organization = world["organization"]
    today = dt.date.today()
    fresh = make.service("Centre vérifié", organization=organization, assured_date=today, verification="verified")
    stale = make.service("=HYPERLINK(\"http://x\")", organization=organization, phones=("+225 01 02 03 04 05",),
                         assured_date=today - dt.timedelta(days=STALE_AFTER_DAYS + 1))
    elsewhere = make.service("Centre d'une autre ONG", organization=make.organization("ONG Autre"))
    sign_in(client, world["editor"])
    page = html.unescape(client.get("/directory/verification").get_data(as_text=True))
    assert "Foyer Espoir" in page and '=HYPERLINK("http://x")' in page
    assert "Centre vérifié" not in page and elsewhere.name not in page  # fresh; not theirs
    assert "2 structures à vérifier" in page
    assert client.get(f"/directory/verification?organization={elsewhere.organization_id}").status_code == 403

    response = client.post("/directory/verification", data={
        "csrf_token": csrf_token(client), "organization": str(organization.id), "region": "", "format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["Nom", "Téléphone", "Lien", "Valable jusqu'au"]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"Foyer Espoir", "'=HYPERLINK(\"http://x\")"}  # defused for spreadsheets
    assert by_name["Foyer Espoir"][1] == "+225 07 07 00 00 02"
    assert by_name["Foyer Espoir"][3] == (today + dt.timedelta(days=60)).isoformat()
    _anonymous(client)
    for row in rows[1:]:
        assert client.get(_path(row[2])).status_code == 200  # every link works
    assert fresh.id and stale.id


def test_the_campaign_narrows_to_a_region(client, make, world):
    admin = make.user(role="admin")
    sign_in(client, admin)
    make.service("Centre de Korhogo", lon=-5.63, lat=9.45, location={"adm1_pcode": "CI28"})
    page = html.unescape(client.get("/directory/verification?region=CI28").get_data(as_text=True))
    assert "Centre de Korhogo" in page and "Foyer Espoir" not in page
    assert client.get("/directory/verification?region=XX99").status_code == 404
    made = client.post("/directory/verification", data={
        "csrf_token": csrf_token(client), "region": "CI28", "organization": "", "format": "page"})
    assert made.status_code == 200 and made.get_data(as_text=True).count('data-role="link-url"') >= 1
