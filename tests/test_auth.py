"""Accounts: sign-in with strong hashing and throttling, sessions, CSRF, user pages, the CLI."""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from webmap import create_app
from webmap.auth import devices, throttle
from webmap.auth import service as accounts
from webmap.cli import main as cli
from webmap.config import from_env
from webmap.extensions import db
from webmap.models import AppUser, LoginAttempt

from .factories import TEST_PASSWORD, csrf_token, sign_in


def _login(client, email: str, password: str, ip: str = "10.0.0.1"):
    token = csrf_token(client)
    return client.post(
        "/auth/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": ip},
    )


def _flash(response) -> str:
    found = re.search(r'id="login-error">([^<]*)<', response.get_data(as_text=True))
    return found.group(1) if found else ""


# --- hashing --------------------------------------------------------------------------------


def test_passwords_are_stored_as_salted_scrypt_hashes(db_session, make):
    org = make.organization()
    user = accounts.create_user(db_session, " Awa@Example.ORG ", "Awa Koné", "editor", "une phrase assez longue",
                                [org.id])
    assert user.email == "awa@example.org"
    assert user.password_hash.startswith("scrypt:")
    assert "une phrase" not in user.password_hash
    other = accounts.create_user(db_session, "b@example.org", "B", "referral", "une phrase assez longue")
    assert other.password_hash != user.password_hash  # salted


def test_create_user_reports_every_problem_at_once(app, db_session, make):
    make.user(email="taken@example.org")
    with app.test_request_context("/?lang=fr"):
        with pytest.raises(accounts.ValidationFailed) as failed:
            accounts.create_user(db_session, "taken@example.org", "", "editor", "court", [])
    assert failed.value.errors == {
        "email": "Un compte utilise déjà cette adresse électronique.",
        "name": "Le nom est obligatoire.",
        "organizations": "Un éditeur modifie les fiches d’au moins une organisation.",
        "password": "Au moins 10 caractères.",
    }


# --- sign in and out ------------------------------------------------------------------------


def test_sign_in_opens_a_session_and_shows_the_user(client, make, db_session):
    user = make.user(role="admin", name="Awa Koné")
    response = _login(client, user.email.upper(), TEST_PASSWORD)
    assert response.status_code == 302 and response.location.endswith("/directory/")
    page = client.get("/directory/").get_data(as_text=True)
    assert "Awa Koné" in page and "Se déconnecter" in page
    db_session.expire_all()
    assert db_session.get(AppUser, user.id).last_login_at is not None
    assert client.get("/directory/dashboard").status_code == 200


def test_sign_in_follows_next_only_within_the_site(client, make):
    user = make.user(role="admin")
    token = csrf_token(client)
    response = client.post("/auth/login?next=/directory/dashboard",
                           data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token})
    assert response.location.endswith("/directory/dashboard")
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/directory/")})
    token = csrf_token(client)
    response = client.post("/auth/login?next=https://evil.example/",
                           data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token})
    assert response.location.endswith("/directory/")


@pytest.mark.parametrize("email, password", [
    ("editor1@example.org", "mauvais mot de passe"),
    ("nobody@example.org", TEST_PASSWORD),
])
def test_failed_sign_in_says_the_same_thing_for_unknown_accounts(client, make, db_session, email, password):
    make.user(email="editor1@example.org")
    response = _login(client, email, password)
    assert response.status_code == 401
    assert _flash(response) == "Adresse électronique ou mot de passe incorrect, ou compte inactif."
    assert client.get("/directory/dashboard").status_code == 302  # still anonymous
    attempt = db_session.scalars(select(LoginAttempt).where(LoginAttempt.email == email)).one()
    assert attempt.succeeded is False and attempt.ip == "10.0.0.1"


def test_inactive_accounts_cannot_sign_in_and_lose_their_session(client, make, db_session):
    user = make.user(role="admin")
    sign_in(client, user)
    assert client.get("/directory/dashboard").status_code == 200
    user.active = False
    db_session.flush()
    assert client.get("/directory/dashboard").status_code == 302
    assert _login(client, user.email, TEST_PASSWORD).status_code == 401


def test_sign_out_is_a_protected_post(client, make):
    user = make.user(role="referral")
    sign_in(client, user)
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400  # no CSRF token
    assert client.get("/directory/dashboard").status_code == 200
    response = client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/directory/")})
    assert response.status_code == 302
    assert client.get("/directory/dashboard").status_code == 302


def test_changing_the_password_ends_the_other_sessions(app, client, make, db_session):
    user = make.user(role="editor", organizations=[make.organization()])
    other_device = app.test_client()
    sign_in(other_device, user)
    sign_in(client, user)
    token = csrf_token(client, "/auth/password")
    response = client.post("/auth/password", data={
        "current": TEST_PASSWORD, "password": "une nouvelle phrase", "password_confirm": "une nouvelle phrase",
        "csrf_token": token,
    })
    assert response.status_code == 302
    assert client.get("/directory/dashboard").status_code == 200  # this session follows
    assert other_device.get("/directory/dashboard").status_code == 302  # the other one is signed out
    db_session.expire_all()
    assert db_session.get(AppUser, user.id).password_hash.startswith("scrypt:")


def test_wrong_current_password_is_refused_in_french(client, make):
    sign_in(client, make.user(role="referral"))
    token = csrf_token(client, "/auth/password")
    response = client.post("/auth/password", data={
        "current": "pas le bon", "password": "une nouvelle phrase", "password_confirm": "une nouvelle phrase",
        "csrf_token": token,
    })
    assert response.status_code == 422
    assert "Ce n&#39;est pas votre mot de passe actuel." in response.get_data(as_text=True)


# --- throttling -----------------------------------------------------------------------------


def _age_attempts(db_session, email: str, by: dt.timedelta) -> None:
    """Move the account's attempts back in time, as if ``by`` had passed."""
    db_session.execute(update(LoginAttempt).where(LoginAttempt.email == email)
                       .values(attempted_at=LoginAttempt.attempted_at - by))
    db_session.flush()


def test_failures_from_elsewhere_never_delay_the_owner(client, make, db_session, app):
    """Guessing from another address, however often, does not lock the account, the last admin
    included: the owner's right password still opens it at once."""
    user = make.user(role="admin")
    guesser = app.test_client()
    for _ in range(throttle.FREE_FAILURES):
        assert _login(guesser, user.email, "mauvais mot de passe", ip="10.6.6.6").status_code == 401
    assert _login(guesser, user.email, TEST_PASSWORD, ip="10.6.6.6").status_code == 429
    assert _login(client, user.email, TEST_PASSWORD, ip="10.0.0.1").status_code == 302


def test_failures_from_one_client_grow_its_delay_and_the_right_password_works_after(client, make, db_session):
    user = make.user(role="admin")
    for _ in range(throttle.FREE_FAILURES):
        assert _login(client, user.email, "mauvais mot de passe").status_code == 401
    response = _login(client, user.email, TEST_PASSWORD)
    assert response.status_code == 429
    assert _flash(response) == "Trop de tentatives échouées. Réessayez dans 1 minute."
    assert 0 < int(response.headers["Retry-After"]) <= throttle.FIRST_DELAY.total_seconds()
    assert client.get("/directory/dashboard").status_code == 302
    # The refused attempt was not counted (a wait does not extend itself).
    count = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.email == user.email)
    assert db_session.scalar(count) == throttle.FREE_FAILURES
    # Once the first delay has passed, one more wrong password doubles it ...
    _age_attempts(db_session, user.email, throttle.FIRST_DELAY + dt.timedelta(seconds=1))
    assert _login(client, user.email, "mauvais mot de passe").status_code == 401
    _age_attempts(db_session, user.email, throttle.FIRST_DELAY + dt.timedelta(seconds=1))
    assert _login(client, user.email, TEST_PASSWORD).status_code == 429
    # ... and after it the right password signs in: a delay, never a lock.
    _age_attempts(db_session, user.email, throttle.FIRST_DELAY)
    assert _login(client, user.email, TEST_PASSWORD).status_code == 302


def test_delays_double_up_to_a_ceiling():
    assert throttle.delay_after(throttle.FREE_FAILURES - 1) == dt.timedelta(0)
    assert throttle.delay_after(throttle.FREE_FAILURES) == throttle.FIRST_DELAY
    assert throttle.delay_after(throttle.FREE_FAILURES + 1) == 2 * throttle.FIRST_DELAY
    assert throttle.delay_after(throttle.FREE_FAILURES + 50) == throttle.MAX_DELAY


def test_a_known_good_browser_is_not_delayed_by_a_guesser_behind_the_same_address(client, make, app):
    """An office shares one address: a guesser there exhausts the address and the account's pair,
    yet the owner's browser, which signed in before, signs in with the right password."""
    user = make.user(role="admin")
    assert _login(client, user.email, TEST_PASSWORD, ip="10.5.5.5").status_code == 302
    assert client.get_cookie(devices.COOKIE, path="/auth/login") is not None
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/directory/")})
    guesser = app.test_client()
    for i in range(throttle.FREE_FAILURES_PER_ADDRESS):
        email = user.email if i < throttle.FREE_FAILURES else f"guess{i}@example.org"
        assert _login(guesser, email, "mauvais mot de passe", ip="10.5.5.5").status_code == 401
    assert _login(guesser, user.email, TEST_PASSWORD, ip="10.5.5.5").status_code == 429
    assert _login(guesser, "other@example.org", TEST_PASSWORD, ip="10.5.5.5").status_code == 429
    assert _login(client, user.email, TEST_PASSWORD, ip="10.5.5.5").status_code == 302
    # A known browser that mistypes is delayed on its own, as an address would be.
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/directory/")})
    for _ in range(throttle.FREE_FAILURES):
        assert _login(client, user.email, "mauvais mot de passe", ip="10.5.5.5").status_code == 401
    assert _login(client, user.email, TEST_PASSWORD, ip="10.5.5.5").status_code == 429


def test_a_device_cookie_is_good_only_for_its_account():
    cookie = devices.issue("secret", "awa@example.org")
    client = devices.known_client("secret", "awa@example.org", cookie)
    assert client and "awa" not in cookie
    assert devices.known_client("secret", "yao@example.org", cookie) is None
    assert devices.known_client("other secret", "awa@example.org", cookie) is None
    assert devices.known_client("secret", "awa@example.org", cookie + "x") is None


def test_the_delay_ends_when_the_failures_leave_the_window(client, make, db_session):
    user = make.user(role="admin")
    long_ago = func.clock_timestamp() - throttle.WINDOW - dt.timedelta(minutes=1)
    for _ in range(throttle.FREE_FAILURES + 10):
        db_session.add(LoginAttempt(email=user.email, ip="10.0.0.1", succeeded=False, attempted_at=long_ago))
    db_session.flush()
    assert _login(client, user.email, TEST_PASSWORD).status_code == 302


def test_a_success_resets_the_count_of_its_client(client, make, db_session):
    user = make.user(role="admin")
    for _ in range(throttle.FREE_FAILURES - 1):
        _login(client, user.email, "mauvais mot de passe")
    assert _login(client, user.email, TEST_PASSWORD).status_code == 302
    client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/directory/")})
    for _ in range(throttle.FREE_FAILURES - 1):
        assert _login(client, user.email, "mauvais mot de passe").status_code == 401
    assert _login(client, user.email, TEST_PASSWORD).status_code == 302


def test_one_address_guessing_many_accounts_is_throttled(client, make, db_session):
    user = make.user(role="admin")
    db_session.add_all(
        LoginAttempt(email=f"guess{i}@example.org", ip="10.6.6.6", succeeded=False)
        for i in range(throttle.FREE_FAILURES_PER_ADDRESS)
    )
    db_session.flush()
    assert _login(client, user.email, TEST_PASSWORD, ip="10.6.6.6").status_code == 429
    assert _login(client, user.email, TEST_PASSWORD, ip="10.7.7.7").status_code == 302


@pytest.mark.parametrize(("trusted_proxies", "recorded_ip"), [(0, "10.0.0.9"), (1, "203.0.113.7")])
def test_the_client_address_behind_a_trusted_proxy(database_url, db_session, trusted_proxies, recorded_ip):
    """Behind one trusted proxy the throttle counts the client's address (X-Forwarded-For), not the
    proxy's; with none trusted, a forged header changes nothing."""
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": database_url,
                      "WEBMAP_TRUSTED_PROXIES": trusted_proxies})
    app.extensions["webmap.db"].configure(bind=db_session.connection(), join_transaction_mode="create_savepoint")
    client = app.test_client()
    client.post(
        "/auth/login",
        data={"email": "nobody@example.org", "password": "wrong password", "csrf_token": csrf_token(client)},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    ips = db_session.scalars(select(LoginAttempt.ip).where(LoginAttempt.email == "nobody@example.org")).all()
    assert ips == [recorded_ip]
    assert from_env({"WEBMAP_TRUSTED_PROXIES": "2"})["WEBMAP_TRUSTED_PROXIES"] == 2


def test_attempts_are_shared_by_every_worker_through_the_database(db_session, make):
    """Another process sees the same count: the throttle reads only the database."""
    user = make.user(role="admin")
    for _ in range(throttle.FREE_FAILURES):
        throttle.record(db_session, user.email, "10.1.1.1", succeeded=False)
    other_worker_session = type(db_session)(bind=db_session.connection())
    try:
        wait = throttle.admit(other_worker_session, user.email, "10.1.1.1")
        elsewhere = throttle.admit(other_worker_session, user.email, "10.2.2.2")
    finally:
        other_worker_session.close()
    assert wait is not None and dt.timedelta(seconds=29) < wait <= throttle.FIRST_DELAY
    assert elsewhere is None


@pytest.mark.parametrize(("accounts", "checked"), [
    (1, throttle.FREE_FAILURES),  # one account from one address: its pair's free failures
    (40, throttle.FREE_FAILURES_PER_ADDRESS),  # many accounts from one address: the address's
])
def test_concurrent_wrong_passwords_check_at_most_the_allowed_number(database_url, engine, accounts, checked):
    """40 wrong passwords sent at the same moment through the form, committed for real as by 40
    gunicorn workers: the throttle's count cannot be raced, so only ``checked`` are tried."""
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": database_url})
    emails = [f"race{i}-{uuid.uuid4().hex[:8]}@example.org" for i in range(accounts)]
    clients = [app.test_client() for _ in range(40)]
    tokens = [csrf_token(c) for c in clients]
    start = threading.Barrier(40)

    def attempt(i: int) -> int:
        start.wait()
        return clients[i].post(
            "/auth/login",
            data={"email": emails[i % accounts], "password": "mauvais mot de passe", "csrf_token": tokens[i]},
            environ_base={"REMOTE_ADDR": "10.44.44.44"},
        ).status_code

    try:
        with ThreadPoolExecutor(max_workers=40) as pool:
            statuses = list(pool.map(attempt, range(40)))
        with Session(engine) as session:
            recorded = session.scalar(select(func.count()).select_from(LoginAttempt)
                                      .where(LoginAttempt.email.in_(emails)))
    finally:
        with Session(engine) as session:
            session.execute(delete(LoginAttempt).where(LoginAttempt.ip == "10.44.44.44"))
            session.commit()
        with app.app_context():
            db.dispose()
    # Never more than the allowed number checked, whatever the timing. On a machine so loaded that
    # waiting for the throttle's lock outlasts the public statement timeout, an attempt may be
    # refused with the outage answer 503 instead of being checked or refused with 429 — never
    # checked without being counted.
    assert 1 <= statuses.count(401) == recorded <= checked, statuses
    assert statuses.count(401) + statuses.count(429) + statuses.count(503) == 40, statuses
    if statuses.count(503) == 0:
        assert recorded == checked  # an unloaded machine: exactly the allowed number


# --- cookies and CSRF -----------------------------------------------------------------------


def test_session_cookie_is_httponly_lax_and_secure_in_production(database_url, make, db_session):
    assert from_env({"WEBMAP_SECURE_COOKIES": "1"})["SESSION_COOKIE_SECURE"] is True
    assert from_env({})["SESSION_COOKIE_SECURE"] is False
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": database_url,
                      "SESSION_COOKIE_SECURE": True})
    app.extensions["webmap.db"].configure(bind=db_session.connection(), join_transaction_mode="create_savepoint")
    user = make.user(role="admin")
    client = app.test_client()
    response = _login(client, user.email, TEST_PASSWORD)
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert set(cookies) == {"session", devices.COOKIE}
    for cookie in cookies.values():
        assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert "Path=/auth/login" in cookies[devices.COOKIE]  # sent to the sign-in form only


def test_forms_without_a_valid_csrf_token_are_refused(database_url, make, db_session):
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": database_url, "WTF_CSRF_ENABLED": True})
    app.extensions["webmap.db"].configure(bind=db_session.connection(), join_transaction_mode="create_savepoint")
    user = make.user(role="admin")
    client = app.test_client()
    for token in (None, "forged-token"):
        data = {"email": user.email, "password": TEST_PASSWORD}
        if token:
            data["csrf_token"] = token
        response = client.post("/auth/login", data=data)
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "Le formulaire a expiré ou ne provient pas de ce site." in page
    attempts = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.email == user.email)
    assert db_session.scalar(attempts) == 0
    assert _login(client, user.email, TEST_PASSWORD).status_code == 302


def test_staff_pages_are_never_stored_in_shared_caches(client, make):
    assert "no-store" not in client.get("/directory/").headers.get("Cache-Control", "")
    sign_in(client, make.user(role="referral"))
    response = client.get("/api/v1/services?limit=1")
    assert "no-store" in response.headers["Cache-Control"] and "private" in response.headers["Cache-Control"]


# --- user management ------------------------------------------------------------------------


def test_admin_creates_an_editor_for_an_organization(client, make, db_session):
    admin = make.user(role="admin")
    ngo = make.organization("ONG Enfance Solidaire")
    sign_in(client, admin)
    token = csrf_token(client, "/auth/users/new")
    response = client.post("/auth/users/new", data={
        "name": "Éric N'Guessan", "email": "eric@ong.example", "role": "editor",
        "organizations": [str(ngo.id)], "password": "une phrase assez longue",
        "password_confirm": "une phrase assez longue", "csrf_token": token,
    })
    assert response.status_code == 302
    editor = db_session.scalars(select(AppUser).where(AppUser.email == "eric@ong.example")).one()
    assert editor.role == "editor" and editor.organization_ids == {ngo.id}
    assert "eric@ong.example" in client.get("/auth/users").get_data(as_text=True)


def test_user_form_errors_are_shown_in_french(client, make):
    sign_in(client, make.user(role="admin"))
    token = csrf_token(client, "/auth/users/new")
    response = client.post("/auth/users/new", data={
        "name": "X", "email": "pas-une-adresse", "role": "editor", "password": "une phrase assez longue",
        "password_confirm": "une autre phrase longue", "csrf_token": token,
    })
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "pas-une-adresse n&#39;est pas une adresse électronique." in page
    assert "Un éditeur modifie les fiches d’au moins une organisation." in page
    assert "Les deux mots de passe sont différents." in page


def test_the_last_active_admin_cannot_be_demoted(client, make, db_session):
    admin = make.user(role="admin")
    existing = db_session.scalars(select(AppUser).where(AppUser.role == "admin", AppUser.id != admin.id)).all()
    for other in existing:
        other.active = False
    db_session.flush()
    sign_in(client, admin)
    token = csrf_token(client, f"/auth/users/{admin.id}")
    response = client.post(f"/auth/users/{admin.id}", data={
        "name": admin.name, "role": "referral", "active": "y", "csrf_token": token,
    })
    assert response.status_code == 422
    assert "Il doit rester au moins un administrateur actif." in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(AppUser, admin.id).role == "admin"


# --- command line ---------------------------------------------------------------------------


def test_cli_creates_the_first_admin(app, db_session):
    runner = app.test_cli_runner()
    result = runner.invoke(cli, ["user", "create", "--email", "Chef@Example.org", "--name", "Awa Koné",
                                 "--role", "admin", "--password-stdin"], input="une phrase assez longue\n")
    assert result.exit_code == 0, result.output
    assert "chef@example.org created (admin)" in result.output
    user = db_session.scalars(select(AppUser).where(AppUser.email == "chef@example.org")).one()
    assert user.role == "admin" and user.name == "Awa Koné" and user.password_hash.startswith("scrypt:")
    again = runner.invoke(cli, ["user", "create", "--email", "chef@example.org", "--name", "Autre", "--password-stdin"],
                          input="une phrase assez longue\n")
    assert again.exit_code != 0 and "already uses this e-mail" in again.output
    short = runner.invoke(cli, ["user", "create", "--email", "x@example.org", "--name", "X", "--password-stdin"],
                          input="court\n")
    assert short.exit_code != 0 and "At least 10 characters" in short.output
    # No name, no account: the e-mail would otherwise be shown in the public history.
    nameless = runner.invoke(cli, ["user", "create", "--email", "y@example.org", "--password-stdin"],
                             input="une phrase assez longue\n")
    assert nameless.exit_code != 0 and "--name" in nameless.output
