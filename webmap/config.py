"""Settings read from the environment when the app (or a CLI command) starts, never at import."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/webmap"


def normalise_database_url(url: str) -> str:
    """Accept plain ``postgres://``/``postgresql://`` URLs and select the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def default_geodata_mirror() -> str | None:
    """The read-only mirror beside the checkout (``../shared/geo``), when it exists."""
    candidate = PROJECT_ROOT.parent / "shared" / "geo"
    return str(candidate) if candidate.is_dir() else None


def translation_directories() -> str:
    """Every ``translations`` folder in the package (one catalogue per feature), ``;``-joined."""
    folders = sorted((PROJECT_ROOT / "webmap").glob("**/translations"))
    return ";".join(str(folder) for folder in folders)


def from_env(environ: os._Environ | dict | None = None) -> dict:
    """Build the settings dictionary from environment variables (documented in the README)."""
    env = os.environ if environ is None else environ
    debug = env.get("FLASK_DEBUG", "0") == "1"
    return {
        "DATABASE_URL": normalise_database_url(env.get("DATABASE_URL", DEFAULT_DATABASE_URL)),
        "SECRET_KEY": env.get("SECRET_KEY") or ("dev-only-not-secret" if debug else os.urandom(32)),
        "WEBMAP_GEODATA_MIRROR": env.get("WEBMAP_GEODATA_MIRROR") or default_geodata_mirror(),
        "WEBMAP_GEODATA_CACHE": env.get("WEBMAP_GEODATA_CACHE", str(PROJECT_ROOT / "var" / "geodata")),
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_TRANSLATION_DIRECTORIES": translation_directories(),
        "WEBMAP_LANGUAGES": ("fr", "en"),
        "WEBMAP_API_MAX_LIMIT": int(env.get("WEBMAP_API_MAX_LIMIT", "5000")),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto headers are trusted
        # (0: none, the headers are ignored). Sign-in throttling counts per client address.
        "WEBMAP_TRUSTED_PROXIES": int(env.get("WEBMAP_TRUSTED_PROXIES", "0")),
        # Requests are parsed (CSRF check) before any view runs, so uploads are capped app-wide:
        # the import limit (10 MB, webmap.transfer.limits) plus room for the form fields.
        "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
        # One form field (not a file) may hold this much: a drawn area at the vertex budget
        # (webmap.planning.service.MAX_AREA_VERTICES) is about 0.5 MB of GeoJSON.
        "MAX_FORM_MEMORY_SIZE": 2 * 1000 * 1000,
        # Compressed responses (Flask-Compress) for slow connections: scripts, styles, JSON and
        # GeoJSON, SVG — never HTML pages, which carry CSRF tokens next to text from the query
        # string (the BREACH attack). Static files (``static``, ``assets.vendor``) are compressed
        # as they stream (``webmap/compression.py``). See the README, "Light on the wire".
        "COMPRESS_MIMETYPES": [
            "text/javascript", "application/javascript", "text/css", "application/json",
            "application/geo+json", "image/svg+xml", "text/csv",
        ],
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_ALGORITHM_STREAMING": ["br", "deflate"],
        "COMPRESS_STREAMING_ENDPOINT_CONDITIONAL": ["static", "assets.vendor"],
        "COMPRESS_MIN_SIZE": 1024,
        # A sign-in lasts this long at most, however active (webmap/auth/sessions.py).
        "WEBMAP_SESSION_HOURS": float(env.get("WEBMAP_SESSION_HOURS", "12")),
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": env.get("WEBMAP_SECURE_COOKIES", "0") == "1",
        # Served over HTTPS only (the same switch as secure cookies): Strict-Transport-Security.
        "WEBMAP_HSTS": env.get("WEBMAP_SECURE_COOKIES", "0") == "1",
    }
