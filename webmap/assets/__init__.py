"""Serves the vendored JS/CSS/font assets from the XStatic packages (no CDN), and versions the
app's own static files so browsers may keep them (``fingerprint``)."""

from flask import Blueprint

bp = Blueprint("assets", __name__)

from . import fingerprint, routes  # noqa: E402,F401
