"""Extensions, created unbound here and attached to an app in ``create_app`` via ``init_app``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import psycopg
from flask import Flask, current_app, g
from flask_babel import Babel
from flask_compress import Compress
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

# Connections of the lookup pool: read-only, and set for short indexed lookups (the nearest
# search, whose statement is a walk of a GiST index nearest first). PostgreSQL keeps the generic
# plan of a prepared statement (psycopg prepares a statement run 5 times on a connection)
# instead of planning each search again, which cost more than running it. A generic plan
# cannot know how selective the filters are; from default estimates it judged a scan of the
# whole table and a sort cheaper than the index walk on tables of 10,000 rows (4 ms instead of
# 0.4): no sequential scans, no sorts. No JIT compilation and no parallel workers, which
# pessimistic estimates could start for a query of a millisecond. Measured in
# scripts/bench_nearest.py; see docs/reference.md, "How the search works".
LOOKUP_OPTIONS = (
    "-c default_transaction_read_only=on -c plan_cache_mode=force_generic_plan "
    "-c enable_seqscan=off -c enable_sort=off -c jit=off -c max_parallel_workers_per_gather=0"
)

T = TypeVar("T")


def run_lookup(engine: Engine, work: Callable[[psycopg.Connection], T]) -> T:
    """``work(connection)`` on a psycopg connection of ``engine``'s pool, returned to it after.

    The pool does not ping a connection before lending it (a round trip per lookup). A
    connection that PostgreSQL dropped (a restart) fails at once: it is discarded and ``work``
    runs again on the next one, until a live one answers (at most the pool's size + 1 tries;
    the pool opens new connections when its idle ones are gone). Other errors propagate.
    """
    tries = engine.pool.size() + 1  # idle connections never exceed the pool's size
    for attempt in range(1, tries + 1):
        pooled = engine.raw_connection()
        connection = pooled.driver_connection
        try:
            return work(connection)
        except psycopg.OperationalError:
            if attempt == tries or not (connection.broken or connection.closed):
                raise
            pooled.invalidate()  # closed and forgotten by the pool
        finally:
            pooled.close()  # back to the pool (nothing, if invalidated)
    raise AssertionError("unreachable")


class Database:
    """Plain SQLAlchemy for Flask: engines and session factories per app.

    Domain code receives a ``Session`` and never imports Flask; views take theirs from
    ``db.session`` (one per application context, closed at teardown) and commit.

    ``db.lookup(work)`` serves the hot read-only lookups (the nearest search) from a pool of
    its own: read-only psycopg connections in autocommit mode (no BEGIN/COMMIT round trips;
    prepared statements live as long as the connection) with ``LOOKUP_OPTIONS``, lent without
    a ping (see ``run_lookup``).
    """

    key = "webmap.db"
    lookup_key = "webmap.db.lookup"

    def init_app(self, app: Flask) -> None:
        url = app.config["DATABASE_URL"]
        engine = create_engine(url, pool_pre_ping=True)
        # The public statement timeout (webmap.limits.timeouts) for every lookup.
        timeout = int(app.config["WEBMAP_STATEMENT_TIMEOUT_MS"])
        # The lookup pool may read a streaming replica (WEBMAP_LOOKUP_DATABASE_URL): it only reads.
        lookup_engine = create_engine(
            app.config.get("WEBMAP_LOOKUP_DATABASE_URL") or url,
            isolation_level="AUTOCOMMIT",
            connect_args={"options": f"{LOOKUP_OPTIONS} -c statement_timeout={timeout}"},
        )
        app.extensions[self.key] = sessionmaker(bind=engine, expire_on_commit=False)
        app.extensions[self.lookup_key] = lookup_engine
        app.teardown_appcontext(self._close_session)

    @property
    def sessionmaker(self) -> sessionmaker[Session]:
        return current_app.extensions[self.key]

    @property
    def engine(self) -> Engine:
        return self.sessionmaker.kw["bind"].engine

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = self.sessionmaker()
        return g.db_session

    def lookup(self, work: Callable[[psycopg.Connection], T]) -> T:
        """``work(connection)`` on a psycopg connection of the lookup pool (``run_lookup``).

        Tests put a connection inside their transaction in place of the lookup engine
        (``app.extensions[Database.lookup_key]``); the lookup then sees what the test wrote.
        """
        bind: Engine | Connection = current_app.extensions[self.lookup_key]
        if isinstance(bind, Connection):
            return work(bind.connection.driver_connection)
        return run_lookup(bind, work)

    def dispose(self) -> None:
        """Close the pooled connections of both pools (a server or a test shutting down)."""
        self.engine.dispose()
        lookup = current_app.extensions[self.lookup_key]
        if isinstance(lookup, Engine):
            lookup.dispose()

    def end_read(self) -> None:
        """End a read-only view's transaction, if it opened one, with COMMIT: psycopg forgets
        its prepared statements on every ROLLBACK, which closing the session would send."""
        session = g.get("db_session")
        if session is not None and session.in_transaction():
            session.commit()

    @staticmethod
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


db = Database()
babel = Babel()
compress = Compress()
csrf = CSRFProtect()
login_manager = LoginManager()
