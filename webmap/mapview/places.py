"""The map's place labels as one fingerprinted file, built once per reference data (Flask-free).

The map of ``/`` names the towns of the gazetteer (``place``), the most populous first: the
client (``static/map-places.js``) shows about 25 of them on the national view and more as one
zooms in. Like the boundary files (:mod:`.boundaries`), the labels are one GeoJSON document
addressed by the start of its SHA-256 (``/map/places.geojson?v=<fingerprint>``), so browsers and
the offline service worker keep it for good and the names show with no network.

Each feature carries ``name`` (the gazetteer's French name, accents kept), ``population`` and
``rank`` (0 for the most populous): the client picks by rank, never by a threshold of its own.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..directory.query import dumps, feature_collection
from ..reference import query as reference

# The labels the map may show at its closest zoom: ranked by population, the rest are villages
# the map would not have room for anyway (and the file stays small, ~40 kB).
MAX_PLACES = reference.TOWNS_MAX_LIMIT

_SIGNATURE_SQL = text("SELECT layer, sha256, loaded_at FROM reference_dataset ORDER BY layer")


@dataclass(frozen=True)
class PlacesFile:
    body: bytes  # GeoJSON FeatureCollection, UTF-8
    fingerprint: str  # 12 hex digits of the body's SHA-256


_cache: dict[tuple, PlacesFile] = {}
_lock = threading.Lock()


def build(session: Session, limit: int = MAX_PLACES) -> PlacesFile:
    features = reference.largest_towns(session, None, limit)
    for rank, feature in enumerate(features):
        feature["properties"]["rank"] = rank
    body = dumps(feature_collection(features)).encode("utf-8")
    return PlacesFile(body, hashlib.sha256(body).hexdigest()[:12])


def places_file(session: Session) -> PlacesFile:
    """The labels file for the reference data loaded now (cached per database and data)."""
    bind = session.get_bind()
    url = str(getattr(bind, "engine", bind).url)
    key = (url, tuple(tuple(str(v) for v in row) for row in session.execute(_SIGNATURE_SQL)))
    with _lock:
        found = _cache.get(key)
    if found is not None:
        return found
    built = build(session)
    with _lock:
        for stale in [k for k in _cache if k[0] == url]:
            del _cache[stale]
        _cache[key] = built
    return built


def clear_cache() -> None:
    with _lock:
        _cache.clear()
