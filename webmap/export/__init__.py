"""The printable map: ``/export/map.pdf``, ``/export/map.png``, ``/export/atlas.pdf`` and ``/print``.

Rendering lives in Flask-free modules (:mod:`.service` and below) returning bytes; the views in
:mod:`.routes` only parse options, pick the viewer and wrap the bytes in a response.
"""

from flask import Blueprint

bp = Blueprint("export", __name__)

from . import routes  # noqa: E402,F401
