"""Who may do what: every role × every action, CSRF, and confidentiality for anonymous vs staff.

Roles: the anonymous public, referral staff, an editor of the service's organization
("editor_own"), an editor of another organization ("editor_other"), an admin.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from webmap import create_app
from webmap.history import set_actor
from webmap.models import AppUser, AuditEntry, ChangeProposal, Place, Service

from .factories import csrf_token, sign_in

ROLES = ("anonymous", "referral", "editor_own", "editor_other", "admin")
# The confidential shelter's exact point, away from Man's gazetteer point (-7.55383, 7.41251).
EXACT = (-7.5301, 7.4402)


@pytest.fixture()
def world(db_session, make):
    man = db_session.scalars(select(Place).where(Place.name == "Man").order_by(Place.population.desc())).first()
    own = make.organization("ONG Lumière")
    other = make.organization("ONG Horizon")
    shelter = make.service(
        "Refuge de test",
        category="chpm",
        organization=own,
        lon=EXACT[0],
        lat=EXACT[1],
        location={"confidential": True, "place_id": man.id, "town": "Man", "address": "Quartier secret, lot 12",
                  "adm1_pcode": "CI32"},
    )
    users = {
        "referral": make.user(role="referral"),
        "editor_own": make.user(role="editor", organizations=[own]),
        "editor_other": make.user(role="editor", organizations=[other]),
        "admin": make.user(role="admin"),
    }
    proposal = ChangeProposal(
        service_id=shelter.id, organization_id=own.id, kind="edit", status="pending",
        proposed_by=users["editor_other"].id,
        payload={"name": "Refuge de test (proposé)", "category": "chpm", "organization_id": str(own.id),
                 "source": "tests", "lon": EXACT[0], "lat": EXACT[1], "precision": "exact", "confidential": True,
                 "town": "Man", "needs": [], "phones": [], "status": "active"},
    )
    db_session.add(proposal)
    set_actor(db_session, users["admin"].id, "Admin")
    shelter.description = "Accueil d'urgence"
    db_session.flush()
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.resource_id == str(shelter.id), AuditEntry.field_name == "description")
    ).one()
    return {"man": man, "own": own, "other": other, "service": shelter, "users": users, "proposal": proposal,
            "entry": entry}


def _as(client, world, role: str) -> None:
    if role != "anonymous":
        sign_in(client, world["users"][role])


def _post(client, url: str, data: dict | None = None):
    return client.post(url, data={**(data or {}), "csrf_token": csrf_token(client)})


def _outcome(response, applied: bool) -> str:
    if response.status_code == 302 and "/auth/login" in response.location:
        return "login"
    if response.status_code == 403:
        return "forbidden"
    if response.status_code == 422:
        return "refused"
    assert response.status_code in (200, 302), response.status_code
    return "applied" if applied else "unchanged"


def _form(world, **overrides) -> dict:
    data = {
        "name": "Nouvelle structure", "category": "ngo", "organization_id": str(world["own"].id),
        "status": "active", "source": "Visite de terrain, 2026", "lat": "7.6900", "lon": "-5.0300",
        "precision": "exact", "phones": "07 07 12 34 56",
    }
    data.update(overrides)
    return data


def _fresh(db_session, model, ident):
    db_session.expire_all()
    return db_session.get(model, ident)


# --- the matrix -----------------------------------------------------------------------------

MATRIX = {
    #                    anonymous  referral     editor_own  editor_other  admin
    "view_list":        ("allowed", "allowed",   "allowed",  "allowed",    "allowed"),
    "view_detail":      ("allowed", "allowed",   "allowed",  "allowed",    "allowed"),
    "see_confidential": ("no",      "yes",       "yes",      "yes",        "yes"),
    "create":           ("login",   "forbidden", "applied",  "refused",    "applied"),
    "edit":             ("login",   "forbidden", "applied",  "proposal",   "applied"),
    "approve_proposal": ("login",   "forbidden", "forbidden", "forbidden", "applied"),
    "confirm_accuracy": ("login",   "forbidden", "applied",  "forbidden",  "applied"),
    "deactivate":       ("login",   "forbidden", "applied",  "proposal",   "applied"),
    "manage_users":     ("login",   "forbidden", "forbidden", "forbidden", "allowed"),
    "revert":           ("login",   "forbidden", "forbidden", "forbidden", "applied"),
}


def _view_list(client, world, db_session):
    response = client.get("/directory/?q=refuge")
    assert response.status_code == 200
    assert "Refuge de test" in response.get_data(as_text=True)
    return "allowed"


def _view_detail(client, world, db_session):
    response = client.get(f"/directory/services/{world['service'].id}")
    assert response.status_code == 200
    return "allowed"


def _see_confidential(client, world, db_session):
    feature = client.get(f"/api/v1/services/{world['service'].id}").get_json()
    coordinates = tuple(feature["geometry"]["coordinates"])
    page = client.get(f"/directory/services/{world['service'].id}").get_data(as_text=True)
    if coordinates == EXACT:
        assert feature["properties"]["address"] == "Quartier secret, lot 12"
        assert "Quartier secret" in page and "7.44020" in page
        return "yes"
    assert coordinates == (round(world["man"].geom_lon, 6), round(world["man"].geom_lat, 6))
    assert feature["properties"]["address"] is None
    assert "Quartier secret" not in page and "7.4402" not in page and "7.5301" not in page
    return "no"


def _create(client, world, db_session):
    response = _post(client, "/directory/services/new", _form(world))
    created = db_session.scalars(select(Service).where(Service.name == "Nouvelle structure")).first()
    outcome = _outcome(response, created is not None)
    if outcome == "applied":
        assert created.organization_id == world["own"].id
    return outcome


def _edit(client, world, db_session):
    sid = world["service"].id
    before = db_session.scalar(select(ChangeProposal.id).where(ChangeProposal.status == "pending").limit(1))
    response = _post(client, f"/directory/services/{sid}/edit", _form(
        world, name="Refuge renommé", category="chpm", lat=str(EXACT[1]), lon=str(EXACT[0]),
        confidential="y", town="Man"))
    service = _fresh(db_session, Service, sid)
    proposals = db_session.scalars(
        select(ChangeProposal).where(ChangeProposal.status == "pending", ChangeProposal.service_id == sid)
    ).all()
    if response.status_code == 302 and service.name == "Refuge de test" and len(proposals) == 2:
        new = next(p for p in proposals if p.id != before)
        assert new.payload["name"] == "Refuge renommé" and new.proposed_by == world["users"]["editor_other"].id
        return "proposal"
    return _outcome(response, service.name == "Refuge renommé")


def _approve(client, world, db_session):
    response = _post(client, f"/directory/proposals/{world['proposal'].id}/approve")
    applied = _fresh(db_session, Service, world["service"].id).name == "Refuge de test (proposé)"
    if applied:
        proposal = _fresh(db_session, ChangeProposal, world["proposal"].id)
        assert proposal.status == "approved" and proposal.decided_by == world["users"]["admin"].id
    return _outcome(response, applied)


def _confirm(client, world, db_session):
    response = _post(client, f"/directory/services/{world['service'].id}/confirm")
    service = _fresh(db_session, Service, world["service"].id)
    return _outcome(response, service.verification == "verified" and service.assured_date is not None)


def _deactivate(client, world, db_session):
    sid = world["service"].id
    response = _post(client, f"/directory/services/{sid}/status", {"status": "inactive"})
    service = _fresh(db_session, Service, sid)
    proposal = db_session.scalars(
        select(ChangeProposal).where(ChangeProposal.kind == "deactivate", ChangeProposal.service_id == sid)
    ).first()
    if proposal is not None:
        assert service.status == "active" and proposal.payload["status"] == "inactive"
        return "proposal"
    return _outcome(response, service.status == "inactive")


def _manage_users(client, world, db_session):
    response = client.get("/auth/users")
    if response.status_code == 200:
        created = _post(client, "/auth/users/new", {
            "name": "Nouvelle", "email": "nouvelle@example.org", "role": "referral",
            "password": "une phrase assez longue", "password_confirm": "une phrase assez longue"})
        assert created.status_code == 302
        assert db_session.scalars(select(AppUser).where(AppUser.email == "nouvelle@example.org")).one()
        return "allowed"
    return _outcome(response, False)


def _revert(client, world, db_session):
    response = _post(client, f"/directory/history/{world['entry'].id}/revert")
    return _outcome(response, _fresh(db_session, Service, world["service"].id).description is None)


ACTIONS = {
    "view_list": _view_list,
    "view_detail": _view_detail,
    "see_confidential": _see_confidential,
    "create": _create,
    "edit": _edit,
    "approve_proposal": _approve,
    "confirm_accuracy": _confirm,
    "deactivate": _deactivate,
    "manage_users": _manage_users,
    "revert": _revert,
}


@pytest.fixture()
def man_point(world, db_session):
    from geoalchemy2.shape import to_shape

    point = to_shape(world["man"].geom)
    world["man"].geom_lon, world["man"].geom_lat = point.x, point.y
    return world


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(MATRIX))
def test_permission_matrix(client, man_point, db_session, action, role):
    world = man_point
    _as(client, world, role)
    expected = MATRIX[action][ROLES.index(role)]
    assert ACTIONS[action](client, world, db_session) == expected


# --- CSRF -----------------------------------------------------------------------------------


@pytest.fixture()
def csrf_app(database_url, db_session):
    """An app with CSRF protection explicitly on, bound to the test's transaction."""
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": database_url, "WTF_CSRF_ENABLED": True})
    app.extensions["webmap.db"].configure(bind=db_session.connection(), join_transaction_mode="create_savepoint")
    return app


@pytest.mark.parametrize("path, data", [
    ("/directory/services/{sid}/confirm", {}),
    ("/directory/services/{sid}/status", {"status": "inactive"}),
    ("/directory/services/{sid}/edit", {"name": "Piraté", "category": "chpm"}),
    ("/directory/services/new", {"name": "Piraté", "category": "ngo"}),
    ("/directory/history/{entry}/revert", {}),
    ("/directory/proposals/{proposal}/approve", {}),
    ("/auth/users/new", {"name": "Pirate", "email": "p@example.org", "role": "admin"}),
])
def test_every_form_refuses_a_post_without_its_csrf_token(csrf_app, man_point, db_session, path, data):
    world = man_point
    client = csrf_app.test_client()
    sign_in(client, world["users"]["admin"])
    url = path.format(sid=world["service"].id, entry=world["entry"].id, proposal=world["proposal"].id)
    for forged in (None, "pas-un-jeton"):
        payload = dict(data, **({"csrf_token": forged} if forged else {}))
        response = client.post(url, data=payload)
        assert response.status_code == 400
        assert "Le formulaire a expiré ou ne provient pas de ce site." in response.get_data(as_text=True)
    service = _fresh(db_session, Service, world["service"].id)
    assert (service.name, service.status, service.verification) == ("Refuge de test", "active", "to_verify")
    assert service.description == "Accueil d'urgence"
    assert db_session.scalars(select(AppUser).where(AppUser.email == "p@example.org")).first() is None
    assert _fresh(db_session, ChangeProposal, world["proposal"].id).status == "pending"


# --- confidentiality: map API, list, pages, history -----------------------------------------


def _api_point(client, sid: uuid.UUID) -> tuple[float, float]:
    return tuple(client.get(f"/api/v1/services/{sid}").get_json()["geometry"]["coordinates"])


@pytest.mark.parametrize("role", ["referral", "editor_other", "admin"])
def test_staff_see_the_exact_position_in_the_map_api_and_the_bbox(client, man_point, role):
    world = man_point
    sign_in(client, world["users"][role])
    assert _api_point(client, world["service"].id) == EXACT
    # The exact point is inside a small box around it, the town point is not.
    box = client.get("/api/v1/services?bbox=-7.535,7.435,-7.525,7.445").get_json()
    assert str(world["service"].id) in {f["id"] for f in box["features"]}


def test_the_public_sees_the_town_point_in_the_api_bbox_list_and_pages(client, man_point):
    world = man_point
    sid = world["service"].id
    assert _api_point(client, sid) == (round(world["man"].geom_lon, 6), round(world["man"].geom_lat, 6))
    box = client.get("/api/v1/services?bbox=-7.535,7.435,-7.525,7.445").get_json()
    assert str(sid) not in {f["id"] for f in box["features"]}
    listing = client.get("/directory/?q=refuge").get_data(as_text=True)
    assert "Refuge de test" in listing and "Quartier secret" not in listing
    detail = client.get(f"/directory/services/{sid}").get_data(as_text=True)
    assert 'data-masked="true"' in detail and "Non affichée\u00a0: lieu confidentiel." in detail


def test_history_hides_a_confidential_place_from_the_public(client, man_point, db_session, make):
    world = man_point
    sid = world["service"].id
    sign_in(client, world["users"]["editor_own"])
    response = _post(client, f"/directory/services/{sid}/edit", _form(
        world, name="Refuge de test", category="chpm", lat="7.4450", lon="-7.5250", confidential="y", town="Man",
        address="Quartier secret, lot 14"))
    assert response.status_code == 302
    staff_page = client.get(f"/directory/services/{sid}").get_data(as_text=True)
    assert "Quartier secret, lot 14" in staff_page and "7.44500, -7.52500" in staff_page
    assert "7.44020, -7.53010" in staff_page  # the previous position, for staff
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/directory/")})
    public_page = client.get(f"/directory/services/{sid}").get_data(as_text=True)
    assert "Quartier secret" not in public_page
    assert "7.445" not in public_page and "7.4402" not in public_page and "-7.525" not in public_page
    assert public_page.count('data-masked="true"') >= 3  # geom, address (and the map)
    assert "masqué\u00a0: lieu confidentiel" in public_page
