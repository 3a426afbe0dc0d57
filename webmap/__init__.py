"""webmap: map and directory of child-protection assistance structures in Côte d'Ivoire."""

from __future__ import annotations

from flask import Flask

from .config import PROJECT_ROOT, from_env


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask app; ``config`` overrides the settings read from the environment."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    app.config.update(from_env())
    if config:
        app.config.update(config)

    from . import i18n, navigation
    from .errors import register_error_handlers
    from .extensions import db

    db.init_app(app)
    i18n.init_app(app)
    navigation.init_app(app)
    register_error_handlers(app)

    from .api import bp as api_bp
    from .assets import bp as assets_bp
    from .mapview import bp as map_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(assets_bp)
    app.register_blueprint(map_bp)
    return app
