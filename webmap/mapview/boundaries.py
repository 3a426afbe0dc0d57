"""The map's boundary layers as fingerprinted files, built once per reference data (Flask-free).

The boundaries change only when ``webmap geodata`` loads new reference data, yet the map asked
``/api/v1/admin-areas`` for them on every visit. Each boundary layer of the catalogue
(``Layer.static_file``) is now one GeoJSON document — exactly what its API source answers, the
public admin areas — built once per process for the loaded reference data and addressed by the
start of its SHA-256 (``/map/boundaries/<layer>.geojson?v=<fingerprint>``): browsers and the
offline service worker keep it for good (``immutable``), and new reference data gives a new
content, hence a new URL on the next page.

The cache is keyed by the database URL and the ``reference_dataset`` rows of the admin levels
(SHA-256 and load time, written by ``webmap geodata``): one small query per map page.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

import layers

from ..directory.query import dumps, feature_collection
from ..reference import query as reference

_SIGNATURE_SQL = text(
    "SELECT layer, sha256, loaded_at FROM reference_dataset WHERE layer LIKE 'admin_area.%' ORDER BY layer"
)


@dataclass(frozen=True)
class BoundaryFile:
    layer_id: str
    body: bytes  # GeoJSON FeatureCollection, UTF-8
    fingerprint: str  # 12 hex digits of the body's SHA-256


_cache: dict[tuple, BoundaryFile] = {}
_lock = threading.Lock()


def static_layers() -> list[layers.Layer]:
    """The catalogue layers served as boundary files."""
    return [lyr for lyr in layers.LAYERS if lyr.static_file]


def _signature(session: Session) -> tuple:
    return tuple(tuple(str(value) for value in row) for row in session.execute(_SIGNATURE_SQL))


def _build(session: Session, layer: layers.Layer) -> BoundaryFile:
    params = layer.source.params
    simplify = float(params["simplify"]) if params.get("simplify") else None
    features = reference.admin_areas(session, params["level"], simplify=simplify)
    body = dumps(feature_collection(features)).encode("utf-8")
    return BoundaryFile(layer.id, body, hashlib.sha256(body).hexdigest()[:12])


def boundary_file(session: Session, layer_id: str) -> BoundaryFile:
    """The file of a static boundary layer for the reference data loaded now.

    Raises ``KeyError`` for a layer that is not served as a file."""
    layer = layers.layer(layer_id)
    if not layer.static_file:
        raise KeyError(layer_id)
    bind = session.get_bind()
    key = (str(getattr(bind, "engine", bind).url), _signature(session), layer_id)
    with _lock:
        found = _cache.get(key)
    if found is not None:
        return found
    built = _build(session, layer)
    with _lock:
        for stale in [k for k in _cache if k[0] == key[0] and k[2] == layer_id]:
            del _cache[stale]  # one file per layer and database: the current one
        _cache[key] = built
    return built


def clear_cache() -> None:
    with _lock:
        _cache.clear()
