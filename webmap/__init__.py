"""webmap: map and directory of child-protection assistance structures in Côte d'Ivoire."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import PROJECT_ROOT, from_env
from .jsonio import JSONProvider


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask app; ``config`` overrides the settings read from the environment."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    app.json = JSONProvider(app)  # jsonify encoded by orjson (webmap.jsonio)
    app.config.update(from_env())
    if config:
        app.config.update(config)
    proxies = app.config["WEBMAP_TRUSTED_PROXIES"]
    if proxies:  # the client's address and scheme from the proxies' headers (Werkzeug ProxyFix)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    from . import auth, compression, guards, history, httpcache, i18n, limits, navigation, security
    from .errors import register_error_handlers
    from .extensions import csrf, db

    register_error_handlers(app)  # first: features may handle some errors more precisely
    db.init_app(app)
    csrf.init_app(app)
    guards.init_app(app)
    compression.init_app(app)
    auth.init_app(app)
    httpcache.init_app(app)  # after auth (who is signed in), before limits (a 304 is free)
    limits.init_app(app)  # after auth: reads who is signed in
    history.install()
    i18n.init_app(app)
    navigation.init_app(app)
    security.init_app(app)

    from .api import bp as api_bp
    from .assets import bp as assets_bp
    from .directory import bp as directory_bp
    from .export import bp as export_bp
    from .feeds import bp as feeds_bp
    from .hsds import bp as hsds_bp
    from .mapview import bp as map_bp
    from .offline import bp as offline_bp
    from .ogc import bp as ogc_bp
    from .planning import bp as planning_bp
    from .referral import bp as referral_bp
    from .suggest import bp as suggest_bp
    from .transfer import bp as transfer_bp

    app.register_blueprint(api_bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(assets_bp)
    app.register_blueprint(directory_bp)
    app.register_blueprint(export_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(hsds_bp)
    app.register_blueprint(map_bp)
    app.register_blueprint(offline_bp)
    app.register_blueprint(ogc_bp)
    app.register_blueprint(planning_bp)
    app.register_blueprint(referral_bp)
    app.register_blueprint(suggest_bp)
    app.register_blueprint(transfer_bp)
    return app
