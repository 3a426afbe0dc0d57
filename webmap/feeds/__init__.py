"""Public change feeds of the directory: Atom for people and feed readers, JSON for systems that sync."""

from flask import Blueprint

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

from . import routes  # noqa: E402,F401
