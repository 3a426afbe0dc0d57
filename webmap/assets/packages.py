"""The XStatic packages the app serves, and the file types it serves from them (Flask-free).

Only these packages, only these file types: a package's metadata, sources or anything else in
its data folder stays private. URLs carry the package version, so they can be cached for a year
(``immutable``) and a package upgrade changes every URL.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

# URL name → importable XStatic module.
PACKAGES: dict[str, str] = {
    "leaflet": "xstatic.pkg.leaflet",
    "leaflet-markercluster": "xstatic.pkg.leaflet_markercluster",
}

# Extension → Content-Type, explicit so the host's mimetypes table cannot change it (Flask
# appends "; charset=utf-8" to text types).
CONTENT_TYPES: dict[str, str] = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".map": "application/json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
}


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    base_dir: Path


def package(name: str) -> Package | None:
    """The whitelisted package served under ``name``, or None."""
    module_name = PACKAGES.get(name)
    if module_name is None:
        return None
    module = importlib.import_module(module_name)
    return Package(name=name, version=module.VERSION, base_dir=Path(module.BASE_DIR))


def content_type(filename: str) -> str | None:
    """The Content-Type served for ``filename``, or None when that type is not served."""
    return CONTENT_TYPES.get(Path(filename).suffix.lower())
