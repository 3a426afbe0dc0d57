"""The map page ``/``."""

from flask import Blueprint

bp = Blueprint("map", __name__)

from . import routes  # noqa: E402,F401
