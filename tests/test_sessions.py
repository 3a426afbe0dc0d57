"""Sign-in sessions are kept on the server: signing out, a new password, a new role or a
deactivation end them, whatever cookie a browser still holds; they last 12 hours at most."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from webmap.config import from_env
from webmap.models import UserSession

from .factories import TEST_PASSWORD, csrf_token

ADDRESS = "Quartier secret, lot 12"


@pytest.fixture()
def shelter(make):
    return make.service("Refuge des sessions", category="chpm",
                        location={"confidential": True, "town": "Man", "address": ADDRESS})


def _form_sign_in(client, email: str, password: str = TEST_PASSWORD) -> None:
    """Through the sign-in page, as a browser does: its form, its CSRF token, its cookie."""
    response = client.post("/auth/login",
                           data={"email": email, "password": password, "csrf_token": csrf_token(client)})
    assert response.status_code == 302


def _sign_out(client) -> None:
    response = client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/directory/")})
    assert response.status_code == 302


def _copy(app, client):
    """Another browser holding a copy of ``client``'s session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def _sees(client, shelter) -> str:
    """"staff" or "public", from what the client is shown of a confidential shelter."""
    address = client.get(f"/api/v1/services/{shelter.id}").get_json()["properties"]["address"]
    dashboard = client.get("/directory/dashboard").status_code
    if address == ADDRESS and dashboard == 200:
        return "staff"
    assert address is None and dashboard == 302  # to the sign-in page
    return "public"


def _sessions(db_session, user) -> int:
    return db_session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id))


def test_a_cookie_replayed_after_sign_out_sees_the_public_view(app, client, make, shelter, db_session):
    user = make.user(role="referral")
    _form_sign_in(client, user.email)
    copy = _copy(app, client)
    assert _sees(client, shelter) == "staff" and _sees(copy, shelter) == "staff"  # a true copy
    _sign_out(client)
    assert _sees(client, shelter) == "public"
    assert _sees(copy, shelter) == "public"  # the server forgot the session
    assert _sessions(db_session, user) == 0


@pytest.mark.parametrize("change", ["role", "deactivation", "password"])
def test_an_admin_changing_an_account_signs_out_its_sessions(app, client, make, shelter, db_session, change):
    ngo = make.organization()
    user = make.user(role="editor", organizations=[ngo])
    _form_sign_in(client, user.email)
    copy = _copy(app, client)
    admin_browser = app.test_client()
    _form_sign_in(admin_browser, make.user(role="admin").email)
    form = {"name": user.name, "role": "editor", "active": "y", "organizations": [str(ngo.id)],
            "csrf_token": csrf_token(admin_browser, f"/auth/users/{user.id}")}
    if change == "role":
        form["role"] = "referral"
    elif change == "deactivation":
        del form["active"]
    else:
        form["password"] = form["password_confirm"] = "une nouvelle phrase"
    assert admin_browser.post(f"/auth/users/{user.id}", data=form).status_code == 302
    assert _sees(client, shelter) == "public" and _sees(copy, shelter) == "public"
    assert _sessions(db_session, user) == 0
    assert _sees(admin_browser, shelter) == "staff"  # the admin's own session goes on


def test_a_new_name_alone_keeps_the_sessions(app, client, make, shelter):
    user = make.user(role="referral")
    _form_sign_in(client, user.email)
    admin_browser = app.test_client()
    _form_sign_in(admin_browser, make.user(role="admin").email)
    form = {"name": "Nouveau nom", "role": "referral", "active": "y",
            "csrf_token": csrf_token(admin_browser, f"/auth/users/{user.id}")}
    assert admin_browser.post(f"/auth/users/{user.id}", data=form).status_code == 302
    assert _sees(client, shelter) == "staff"


def test_changing_ones_own_password_signs_out_the_copies_but_not_this_browser(app, client, make, shelter):
    user = make.user(role="referral")
    _form_sign_in(client, user.email)
    other_browser = app.test_client()
    _form_sign_in(other_browser, user.email)
    copy = _copy(app, client)
    response = client.post("/auth/password", data={
        "current": TEST_PASSWORD, "password": "une nouvelle phrase", "password_confirm": "une nouvelle phrase",
        "csrf_token": csrf_token(client, "/auth/password"),
    })
    assert response.status_code == 302
    assert _sees(client, shelter) == "staff"
    assert _sees(copy, shelter) == "staff"  # the same session as this browser's, by definition
    assert _sees(other_browser, shelter) == "public"


def test_signing_in_again_ends_the_previous_session(app, client, make, db_session):
    user = make.user(role="referral")
    _form_sign_in(client, user.email)
    copy = _copy(app, client)
    _form_sign_in(client, user.email)
    assert copy.get("/directory/dashboard").status_code == 302
    assert client.get("/directory/dashboard").status_code == 200
    assert _sessions(db_session, user) == 1


def test_a_session_lasts_the_configured_hours_whatever_the_activity(app, client, make, shelter, db_session,
                                                                      monkeypatch):
    assert from_env({})["WEBMAP_SESSION_HOURS"] == 12
    assert from_env({"WEBMAP_SESSION_HOURS": "8"})["WEBMAP_SESSION_HOURS"] == 8
    user = make.user(role="referral")
    _form_sign_in(client, user.email)
    row = db_session.scalars(select(UserSession).where(UserSession.user_id == user.id)).one()
    assert row.expires_at - row.created_at == dt.timedelta(hours=12)
    assert _sees(client, shelter) == "staff"
    # Twelve hours later (the row's times moved back): signed out, though active all along.
    db_session.execute(update(UserSession).where(UserSession.id == row.id)
                       .values(expires_at=func.now(), created_at=func.now() - dt.timedelta(hours=12)))
    db_session.flush()
    assert _sees(client, shelter) == "public"
    monkeypatch.setitem(app.config, "WEBMAP_SESSION_HOURS", 2)
    _form_sign_in(client, user.email)
    row = db_session.scalars(select(UserSession).where(UserSession.user_id == user.id)).one()
    assert row.expires_at - row.created_at == dt.timedelta(hours=2)


def test_the_cookie_holds_a_token_the_database_keeps_only_hashed(client, make, db_session):
    user = make.user(role="referral")
    _form_sign_in(client, user.email)
    with client.session_transaction() as session:
        token = session["_user_id"]
    row = db_session.scalars(select(UserSession).where(UserSession.user_id == user.id)).one()
    assert len(token) >= 40 and str(user.id) not in token and token not in row.token_hash
