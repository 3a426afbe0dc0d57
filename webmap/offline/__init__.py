"""Offline field mode: the public package the referral page stores (``/api/v1/offline``), the
service worker (``/sw.js``) and the web app manifest (``/manifest.webmanifest``)."""

from flask import Blueprint

bp = Blueprint("offline", __name__)

from . import routes  # noqa: E402,F401
