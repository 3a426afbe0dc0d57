"""The history of an organization: its page, who may open it, revert, French and English."""

from __future__ import annotations

import html
import re
import uuid

import pytest
from sqlalchemy import select

from webmap.directory import service as stewardship
from webmap.history import set_actor
from webmap.history.service import organization_history
from webmap.models import AuditEntry, Organization, Phone

from .factories import csrf_token, sign_in

ROLES = ("anonymous", "referral", "editor_own", "editor_other", "admin")
VALUES = {"name": "ONG Lumière", "source": "Statuts 2024", "email": "contact@lumiere.ci",
          "website": "", "description": ""}


@pytest.fixture()
def world(db_session, make):
    """An organization created and then edited by an admin, through the one write path."""
    admin = make.user(role="admin", name="Awa Koné")
    set_actor(db_session, admin.id, admin.name)
    org = stewardship.save_organization(db_session, admin, VALUES)
    stewardship.save_organization(db_session, admin, {**VALUES, "name": "ONG Lumière Enfance",
                                                      "email": "info@lumiere.ci"}, org)
    other = make.organization("ONG Horizon")
    users = {
        "admin": admin,
        "referral": make.user(role="referral"),
        "editor_own": make.user(role="editor", organizations=[org]),
        "editor_other": make.user(role="editor", organizations=[other]),
    }
    return {"org": org, "other": other, "users": users}


def _url(org: Organization, lang: str | None = None) -> str:
    return f"/directory/organizations/{org.id}/history" + (f"?lang={lang}" if lang else "")


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _rows(page: str, field: str) -> list[str]:
    """The cells of each row of ``field``, newest first, as text."""
    rows = re.findall(rf'<tr data-field="{field}">(.*?)</tr>', page, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def _row(page: str, field: str) -> str:
    return _rows(page, field)[0]


# --- reading ------------------------------------------------------------------------------------


def test_an_edit_shows_old_and_new_values_newest_first(db_session, world):
    org = world["org"]
    history = organization_history(db_session, org.id)
    assert [c.action for c in history] == ["update", "create"]
    edit = history[0]
    assert (edit.resource_type, edit.resource_id, edit.updated_by) == ("organization", str(org.id), "Awa Koné")
    assert {f.name: (f.previous, f.replacement) for f in edit.fields} == {
        "name": ("ONG Lumière", "ONG Lumière Enfance"),
        "email": ("contact@lumiere.ci", "info@lumiere.ci"),
    }
    assert all(f.revertible and not f.reverted for f in edit.fields)
    assert organization_history(db_session, world["other"].id)[0].action == "create"  # its own only


def test_the_history_holds_the_organizations_own_phones_not_its_services(db_session, make, world):
    org = world["org"]
    make.service("Centre de la Lumière", organization=org)
    db_session.add(Phone(organization_id=org.id, number="+225 07 07 12 34 56"))
    db_session.flush()
    history = organization_history(db_session, org.id)
    assert {c.resource_type for c in history} == {"organization", "phone"}


def test_the_page_lists_who_changed_which_field_in_french(client, world):
    sign_in(client, world["users"]["admin"])
    response = client.get(_url(world["org"]))
    assert response.status_code == 200
    page = _text(response)
    assert "<h1>Historique de «\u00a0ONG Lumière Enfance\u00a0»</h1>" in page
    assert "Modifié" in page and "Création" in page and "Awa Koné" in page
    assert _row(page, "name") == "Nom ONG Lumière ONG Lumière Enfance Annuler"
    assert _row(page, "email") == "Adresse électronique contact@lumiere.ci info@lumiere.ci Annuler"


def test_the_page_is_in_english_on_request(client, world):
    sign_in(client, world["users"]["admin"])
    page = _text(client.get(_url(world["org"], "en")))
    assert "<h1>History of “ONG Lumière Enfance”</h1>" in page
    assert "Changed" in page and "Created" in page and "Modifié" not in page
    assert _row(page, "name") == "Name ONG Lumière ONG Lumière Enfance Revert"
    assert _row(page, "email").startswith("E-mail address ")


def test_an_edit_through_the_form_is_recorded_with_its_author(client, db_session, world):
    org = world["org"]
    sign_in(client, world["users"]["admin"])
    response = client.post(f"/directory/organizations/{org.id}/edit", data={
        **VALUES, "name": "ONG Lumière Enfance", "email": "info@lumiere.ci", "website": "https://lumiere.ci",
        "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    page = _text(client.get(_url(org)))
    assert _row(page, "website") == "Site web — https://lumiere.ci Annuler"
    assert organization_history(db_session, org.id)[0].updated_by == "Awa Koné"


def test_the_list_and_the_edit_page_lead_to_the_history(client, world):
    sign_in(client, world["users"]["admin"])
    link = f'href="{_url(world["org"])}"'
    assert link in client.get("/directory/organizations").get_data(as_text=True)
    assert link in client.get(f"/directory/organizations/{world['org'].id}/edit").get_data(as_text=True)
    assert link not in client.get("/directory/organizations/new").get_data(as_text=True)


# --- who may see it: whoever may open the organization's edit page ----------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_history_follows_the_rules_of_the_edit_page(client, world, role):
    if role != "anonymous":
        sign_in(client, world["users"][role])
    history = client.get(_url(world["org"]))
    edit = client.get(f"/directory/organizations/{world['org'].id}/edit")
    assert history.status_code == edit.status_code == {"anonymous": 302, "admin": 200}.get(role, 403)
    if role == "anonymous":
        assert "/auth/login?next=" in history.location
    else:
        assert ("contact@lumiere.ci" in _text(history)) is (role == "admin")


def test_staff_see_no_link_they_cannot_follow(client, world):
    sign_in(client, world["users"]["editor_own"])
    assert "/history" not in client.get("/directory/organizations").get_data(as_text=True)


def test_an_unknown_organization_is_a_french_404(client, world):
    sign_in(client, world["users"]["admin"])
    response = client.get(f"/directory/organizations/{uuid.uuid4()}/history")
    assert response.status_code == 404
    assert "Cette organisation n'existe pas." in _text(response)


# --- revert ------------------------------------------------------------------------------------


def _entry(db_session, org: Organization, field: str) -> AuditEntry:
    return db_session.scalars(
        select(AuditEntry).where(AuditEntry.resource_type == "organization", AuditEntry.resource_id == str(org.id),
                                 AuditEntry.field_name == field, AuditEntry.last_action_type == "update")
    ).one()


def test_an_admin_reverts_one_field_from_the_page(client, db_session, world):
    org = world["org"]
    entry = _entry(db_session, org, "name")
    sign_in(client, world["users"]["admin"])
    assert f'action="/directory/history/{entry.id}/revert"' in client.get(_url(org)).get_data(as_text=True)
    response = client.post(f"/directory/history/{entry.id}/revert",
                           data={"next": _url(org) + "#history", "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.location == _url(org) + "#history"
    db_session.expire_all()
    assert (org.name, org.email) == ("ONG Lumière", "info@lumiere.ci")  # the other field stays
    page = _text(client.get(_url(org)))
    assert "La modification a été annulée." in page and "Annulation" in page
    # The revert is the newest entry; the reverted one is marked so, without its button.
    assert _rows(page, "name") == ["Nom ONG Lumière Enfance ONG Lumière Annuler",
                                   "Nom ONG Lumière ONG Lumière Enfance annulé",
                                   "Nom ONG Lumière"]
    assert f"/directory/history/{entry.id}/revert" not in page


def test_others_cannot_revert_an_organizations_change(client, db_session, world):
    org = world["org"]
    entry = _entry(db_session, org, "name")
    for role in ("editor_own", "editor_other", "referral"):
        sign_in(client, world["users"][role])
        response = client.post(f"/directory/history/{entry.id}/revert", data={"csrf_token": csrf_token(client)})
        assert response.status_code == 403, role
    db_session.expire_all()
    assert org.name == "ONG Lumière Enfance"
