"""Serves the vendored JS/CSS/font assets from the XStatic packages (no CDN)."""

from flask import Blueprint

bp = Blueprint("assets", __name__)

from . import routes  # noqa: E402,F401
