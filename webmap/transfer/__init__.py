"""Import and export of the directory: files in (CSV, GeoJSON, GeoPackage, zipped Shapefile,
OpenStreetMap extracts), files out (the same formats and an HSDS 3 tabular data package).

Flask-free logic: :mod:`.readers`, :mod:`.mapping`, :mod:`.rows`, :mod:`.importer`,
:mod:`.limits`, :mod:`.exporters`, :mod:`.hsds`; :mod:`.routes` and :mod:`.cli` only adapt.
"""

from flask import Blueprint

bp = Blueprint("transfer", __name__, static_folder="static", static_url_path="/transfer/static")

from . import routes  # noqa: E402,F401
