"""OGC API – Features (Part 1 core, GeoJSON and HTML) under ``/ogc``, read by GDAL and QGIS.

Flask-free logic: :mod:`.collections` (what each collection holds, pages of items), :mod:`.params`,
:mod:`.openapi`; :mod:`.routes` negotiates JSON or HTML and links the pages.
"""

from flask import Blueprint

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

from . import routes  # noqa: E402,F401
