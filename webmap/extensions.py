"""Extensions, created unbound here and attached to an app in ``create_app`` via ``init_app``."""

from __future__ import annotations

from flask import Flask, current_app, g
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

# Connections of the lookup pool: read-only, and set for short indexed lookups. PostgreSQL
# keeps the generic plan of a prepared statement (psycopg prepares a statement run 5 times on a
# connection) instead of planning each search again, which cost more than running it; no JIT
# compilation and no parallel workers, which pessimistic estimates could start for a query of a
# millisecond. Measured in scripts/bench_nearest.py; see the README, "How the search works".
LOOKUP_OPTIONS = (
    "-c default_transaction_read_only=on -c plan_cache_mode=force_generic_plan "
    "-c jit=off -c max_parallel_workers_per_gather=0"
)


class Database:
    """Plain SQLAlchemy for Flask: engines and session factories per app.

    Domain code receives a ``Session`` and never imports Flask; views take theirs from
    ``db.session`` (one per application context, closed at teardown) and commit.

    ``db.lookup_session`` serves the hot read-only lookups (the nearest search) from a pool of
    its own: read-only connections in autocommit mode (no BEGIN/COMMIT round trips; prepared
    statements live as long as the connection) with ``LOOKUP_OPTIONS``.
    """

    key = "webmap.db"
    lookup_key = "webmap.db.lookup"

    def init_app(self, app: Flask) -> None:
        url = app.config["DATABASE_URL"]
        engine = create_engine(url, pool_pre_ping=True)
        lookup_engine = create_engine(
            url,
            pool_pre_ping=True,
            isolation_level="AUTOCOMMIT",
            connect_args={"options": LOOKUP_OPTIONS},
        )
        app.extensions[self.key] = sessionmaker(bind=engine, expire_on_commit=False)
        app.extensions[self.lookup_key] = sessionmaker(bind=lookup_engine, expire_on_commit=False)
        app.teardown_appcontext(self._close_session)

    @property
    def sessionmaker(self) -> sessionmaker[Session]:
        return current_app.extensions[self.key]

    @property
    def lookup_sessionmaker(self) -> sessionmaker[Session]:
        return current_app.extensions[self.lookup_key]

    @property
    def engine(self) -> Engine:
        return self.sessionmaker.kw["bind"].engine

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = self.sessionmaker()
        return g.db_session

    @property
    def lookup_session(self) -> Session:
        if "db_lookup_session" not in g:
            g.db_lookup_session = self.lookup_sessionmaker()
        return g.db_lookup_session

    @staticmethod
    def _close_session(_exc: BaseException | None) -> None:
        for name in ("db_session", "db_lookup_session"):
            session = g.pop(name, None)
            if session is not None:
                session.close()


db = Database()
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
