"""Limits: rate limit and concurrency cap of the expensive endpoints, PNG size, statement
timeouts, the vertex budget of planning areas, gunicorn's recycling — through real requests."""

from __future__ import annotations

import runpy
import threading

import pytest
from sqlalchemy import text

from webmap import create_app
from webmap.export import service as export_service
from webmap.extensions import db
from webmap.limits.expensive import ENDPOINT_GROUPS, guard

from .conftest import TEST_CONFIG, bound_to
from .factories import Factories, sign_in
from .test_planning_editing import _form, _upload, people  # noqa: F401
from .test_planning_support import planning  # noqa: F401

CSV = "/export/services.csv"


@pytest.fixture()
def limited(app, monkeypatch):
    """The shared app with rate limits on (tests/conftest.py turns them off), counts reset."""
    monkeypatch.setitem(app.config, "WEBMAP_RATE_LIMIT_ENABLED", True)
    monkeypatch.setitem(app.config, "WEBMAP_RATE_LIMITS", {"print": "1 per minute", "atlas": "1 per hour",
                                                          "export": "2 per minute;5 per hour"})
    guard(app).storage.reset()
    yield app
    guard(app).storage.reset()


def test_every_export_file_endpoint_is_guarded(app):
    files = {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.startswith("/export/")}
    assert files == set(ENDPOINT_GROUPS)


def test_over_the_rate_429_with_retry_after_and_a_french_message(limited, client):
    assert client.get(CSV).status_code == 200
    assert client.get(CSV).status_code == 200
    response = client.get(CSV)
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 60
    body = response.get_json()
    assert body["error"] == "too many requests"
    assert body["detail"]["retry_after"] == wait and body["detail"]["reason"] == "rate"
    assert body["detail"]["message"] == (
        f"Trop de demandes de ce fichier depuis votre adresse. Veuillez réessayer dans {wait} secondes.")
    # Another address has its own count; another group (the printed map) too.
    assert client.get(CSV, environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200
    assert client.get("/export/map.png?width=200").status_code == 200
    assert client.get("/export/map.png?width=200").status_code == 429
    english = client.get("/export/map.png?width=200&lang=en")
    assert english.get_json()["detail"]["message"].startswith("Too many requests for this file")


def test_refused_requests_are_not_counted_and_staff_are_not_rate_limited(limited, client, make):
    for _ in range(2):
        assert client.get(CSV).status_code == 200
    for _ in range(5):  # the hourly allowance (5) is not used up by refusals
        assert client.get(CSV).status_code == 429
    assert limited.extensions["webmap.limits.expensive"].wait_for("export", "127.0.0.1", "5 per hour") is None
    sign_in(client, make.user(role="referral"))
    assert all(client.get(CSV).status_code == 200 for _ in range(3))


def test_concurrency_cap_refuses_a_second_expensive_request_in_the_worker(app, monkeypatch):
    """One map is being drawn (held at the start of its rendering): any other expensive request
    of the worker is refused at once with 429; quick requests still pass; then it is free again."""
    assert app.config["WEBMAP_EXPENSIVE_CONCURRENCY"] == 1
    entered, release = threading.Event(), threading.Event()
    original = export_service.map_png

    def held(*args, **kwargs):
        entered.set()
        assert release.wait(30)
        return original(*args, **kwargs)

    monkeypatch.setattr(export_service, "map_png", held)
    results = {}
    drawing = threading.Thread(target=lambda: results.update(
        first=app.test_client().get("/export/map.png?width=200").status_code))
    drawing.start()
    try:
        assert entered.wait(30)
        other = app.test_client()
        busy = other.get("/export/atlas.pdf")
        assert busy.status_code == 429
        assert int(busy.headers["Retry-After"]) == app.config["WEBMAP_BUSY_RETRY_AFTER"]
        assert busy.get_json()["detail"]["reason"] == "busy"
        assert busy.get_json()["detail"]["message"].startswith("Le serveur prépare déjà d'autres cartes")
        assert other.get(CSV).status_code == 429
        assert other.get("/api/v1/places?q=bouake").status_code == 200
    finally:
        release.set()
        drawing.join(60)
    assert results["first"] == 200
    assert app.test_client().get(CSV).status_code == 200
    with app.app_context():
        db.dispose()  # these requests used the app's own pool (not a test transaction)


def test_png_over_the_pixel_limit_is_a_400_naming_the_parameter(client, monkeypatch, app):
    response = client.get("/export/map.png?width=4001")
    assert response.status_code == 400
    assert response.get_json()["detail"]["parameter"] == "width"
    # One side given: the other follows the paper and must fit too.
    response = client.get("/export/map.png?width=3500&orientation=portrait")
    assert response.status_code == 400
    assert response.get_json()["detail"] == {"parameter": "width",
                                             "message": "gives a 3500 x 4950 image; at most 4000 pixels a side"}
    monkeypatch.setitem(app.config, "WEBMAP_PNG_MAX_PX", 300)
    assert client.get("/export/map.png?height=301").get_json()["detail"]["parameter"] == "height"
    ok = client.get("/export/map.png?width=300&height=300")
    assert ok.status_code == 200 and ok.mimetype == "image/png"


# --- statement timeout -----------------------------------------------------------------------


@pytest.fixture()
def probe(database_url, db_connection):
    """An app with one extra view that reports the statement timeout of its own transaction."""
    probe_app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})

    @probe_app.get("/probe/timeout")
    def timeout():
        return {"timeout": db.session.scalar(text("SHOW statement_timeout"))}

    @probe_app.get("/probe/slow")
    def slow():
        db.session.execute(text("SELECT pg_sleep(2)"))
        return {"slept": True}

    with bound_to(probe_app, db_connection) as sessionmaker:
        session = sessionmaker()
        try:
            yield probe_app, Factories(session)
        finally:
            session.close()


def test_public_requests_run_under_the_statement_timeout_staff_longer(probe):
    probe_app, make = probe
    client = probe_app.test_client()
    assert client.get("/probe/timeout").get_json() == {"timeout": "5s"}
    sign_in(client, make.user(role="referral"))
    assert client.get("/probe/timeout").get_json() == {"timeout": "1min"}
    probe_app.config["WEBMAP_STATEMENT_TIMEOUT_MS"] = 1234
    assert probe_app.test_client().get("/probe/timeout").get_json() == {"timeout": "1234ms"}


def test_a_cancelled_statement_is_a_503_in_french(probe):
    probe_app, _make = probe
    probe_app.config["WEBMAP_STATEMENT_TIMEOUT_MS"] = 100
    response = probe_app.test_client().get("/probe/slow")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.get_json()["detail"]["message"].startswith("La demande a pris trop de temps")


def test_the_lookup_pool_has_the_public_timeout(app):
    lookup = create_app({**TEST_CONFIG, "DATABASE_URL": app.config["DATABASE_URL"],
                         "WEBMAP_STATEMENT_TIMEOUT_MS": 4321})
    with lookup.app_context():
        assert db.lookup(lambda conn: conn.execute("SHOW statement_timeout").fetchone()[0]) == "4321ms"
        db.dispose()


# --- gunicorn --------------------------------------------------------------------------------


def test_gunicorn_recycles_workers(monkeypatch):
    from webmap.config import PROJECT_ROOT

    monkeypatch.setenv("WEBMAP_MAX_REQUESTS", "700")
    settings = runpy.run_path(str(PROJECT_ROOT / "scripts" / "gunicorn.conf.py"))
    assert settings["max_requests"] == 700 and settings["max_requests_jitter"] == 2000

    class Worker:
        alive, pid = True, 1
        log = type("Log", (), {"info": staticmethod(lambda *a: None)})()

    monkeypatch.setenv("WEBMAP_WORKER_MAX_RSS_MB", "1")  # every process is above 1 MB
    small = runpy.run_path(str(PROJECT_ROOT / "scripts" / "gunicorn.conf.py"))
    worker = Worker()
    small["post_request"](worker, type("Req", (), {"path": "/x"})(), {}, None)
    assert worker.alive is False
    monkeypatch.setenv("WEBMAP_WORKER_MAX_RSS_MB", str(10 ** 7))  # no process is above 10 TB
    large = runpy.run_path(str(PROJECT_ROOT / "scripts" / "gunicorn.conf.py"))
    worker = Worker()
    large["post_request"](worker, type("Req", (), {"path": "/x"})(), {}, None)
    assert worker.alive is True


# --- rendering in a low-priority process -----------------------------------------------------


def _children_niceness() -> list[int]:
    from pathlib import Path

    pids = []
    for task in Path("/proc/self/task").iterdir():
        pids += (task / "children").read_text().split()
    return [int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16]) for pid in pids]


def test_the_printed_map_is_drawn_in_a_low_priority_process(database_url):
    """Against the committed seed directory (a child process cannot see a test transaction)."""
    # Niceness 1 here (19 by default): a test on a busy machine should not wait for idle CPU.
    isolated = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "WEBMAP_RENDER_ISOLATED": True,
                           "WEBMAP_RENDER_NICENESS": 1})
    client = isolated.test_client()
    try:
        response = client.get("/export/map.png?width=300&height=200")
        assert response.status_code == 200 and response.data.startswith(b"\x89PNG")
        assert 1 in _children_niceness()
        # A domain error raised in the child comes back as itself: 400 naming the parameter.
        response = client.get("/export/map.pdf?region=CI99")
        assert response.status_code == 400
        assert response.get_json()["detail"]["parameter"] == "region"
    finally:
        isolated.extensions["webmap.limits.isolation"].shutdown()
        with isolated.app_context():
            db.dispose()
