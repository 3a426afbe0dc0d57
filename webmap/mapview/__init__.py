"""The map page ``/``."""

from flask import Blueprint

bp = Blueprint("map", __name__)
