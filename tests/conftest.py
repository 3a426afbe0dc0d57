"""Test fixtures: a real PostGIS database, one rolled-back transaction per test.

The database named by ``DATABASE_URL`` must be migrated and loaded with the reference geodata
and the seed directory: ``make test`` does that before running pytest.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from webmap import create_app
from webmap.config import DEFAULT_DATABASE_URL, normalise_database_url
from webmap.extensions import Database

from .factories import Factories

TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "tests-only",
    # Many tests fetch the same export from one address; tests/test_limits.py turns it on.
    "WEBMAP_RATE_LIMIT_ENABLED": False,
    # The printed map is drawn in this process: a child process cannot see a test's records.
    "WEBMAP_RENDER_ISOLATED": False,
    # Every printed map is drawn afresh (tests/test_http_cache.py turns the disk cache on).
    "WEBMAP_RENDER_CACHE_MB": 0,
}


@pytest.fixture(scope="session")
def database_url() -> str:
    return normalise_database_url(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))


@pytest.fixture(scope="session")
def engine(database_url):
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def app(database_url):
    return create_app({**TEST_CONFIG, "DATABASE_URL": database_url})


@pytest.fixture(scope="session")
def live_server(database_url) -> Iterator[str]:
    """Base URL (``http://127.0.0.1:<port>``) of the app serving in a background thread.

    Its own engine on ``DATABASE_URL``: it sees committed data only (browser and contract tests)."""
    app = create_app({"SECRET_KEY": "live-tests-only", "DATABASE_URL": database_url})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            from webmap.extensions import db

            db.dispose()


@contextmanager
def bound_to(app, connection):
    """``app``'s sessions and lookups run on ``connection`` (inside its transaction) meanwhile."""
    sessionmaker = app.extensions[Database.key]
    original = {key: sessionmaker.kw[key] for key in ("bind", "join_transaction_mode") if key in sessionmaker.kw}
    sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    # Lookups (``db.lookup()``, the nearest search) run in the test's transaction too,
    # so they see the records a test makes.
    lookup_engine = app.extensions[Database.lookup_key]
    app.extensions[Database.lookup_key] = connection
    try:
        yield sessionmaker
    finally:
        app.extensions[Database.lookup_key] = lookup_engine
        sessionmaker.kw.pop("join_transaction_mode", None)  # as it was (SQLAlchemy's default)
        sessionmaker.configure(**original)


@pytest.fixture()
def db_connection(engine):
    """A connection in a transaction rolled back when the test ends."""
    connection = engine.connect()
    transaction = connection.begin()
    try:
        yield connection
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture()
def db_session(app, db_connection):
    """A session whose work, and every request's, is rolled back when the test ends."""
    with bound_to(app, db_connection) as sessionmaker:
        session: Session = sessionmaker()
        try:
            yield session
        finally:
            session.close()


@pytest.fixture()
def client(app, db_session):
    return app.test_client()


@pytest.fixture()
def make(db_session) -> Factories:
    """Factories for directory records: ``make.service(name=..., category=..., lon=..., lat=...)``."""
    return Factories(db_session)
