"""Extensions, created unbound here and attached to an app in ``create_app`` via ``init_app``."""

from __future__ import annotations

from flask import Flask, current_app, g
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker


class Database:
    """Plain SQLAlchemy for Flask: one engine and session factory per app.

    Domain code receives a ``Session`` and never imports Flask; views take theirs from
    ``db.session`` (one per application context, closed at teardown) and commit.
    """

    key = "webmap.db"

    def init_app(self, app: Flask) -> None:
        engine = create_engine(app.config["DATABASE_URL"], pool_pre_ping=True)
        app.extensions[self.key] = sessionmaker(bind=engine, expire_on_commit=False)
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

    @staticmethod
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


db = Database()
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
