"""Referral: the nearest suitable services for a child (``/referral``, ``/api/v1/nearest``)."""

from flask import Blueprint

bp = Blueprint("referral", __name__)

from . import filters, routes  # noqa: E402,F401
