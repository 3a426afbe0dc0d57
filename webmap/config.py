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


def _flag(value: str) -> bool:
    return value.strip().lower() not in ("0", "false", "no", "off", "")


def limits_from_env(env) -> dict:
    """The limits that keep one request or one client from hurting everyone (docs/reference.md, "Limits").

    Rates are strings such as ``"2 per minute;12 per hour"`` (moving windows, per client
    address, per group of endpoints; ``webmap.limits.expensive``); an empty string: no rate.
    """
    return {
        "WEBMAP_RATE_LIMIT_ENABLED": _flag(env.get("WEBMAP_RATE_LIMIT_ENABLED", "1")),
        "WEBMAP_RATE_LIMITS": {
            "print": env.get("WEBMAP_RATE_LIMIT_PRINT", "20 per minute;200 per hour"),
            "atlas": env.get("WEBMAP_RATE_LIMIT_ATLAS", "2 per minute;12 per hour"),
            "export": env.get("WEBMAP_RATE_LIMIT_EXPORT", "10 per minute;100 per hour"),
            # Public suggestions sent from one address (webmap.suggest).
            "suggest": env.get("WEBMAP_RATE_LIMIT_SUGGEST", "5 per hour;20 per day"),
        },
        # Where the counts live: this worker's memory, or Redis (every worker and server).
        "WEBMAP_RATE_LIMIT_STORAGE": env.get("REDIS_URL") or "memory://",
        # Expensive requests running at once in one worker process (all groups together).
        "WEBMAP_EXPENSIVE_CONCURRENCY": int(env.get("WEBMAP_EXPENSIVE_CONCURRENCY", "1")),
        "WEBMAP_BUSY_RETRY_AFTER": int(env.get("WEBMAP_BUSY_RETRY_AFTER", "10")),
        # The printed map drawn in a child process of the worker (webmap.limits.isolation), at
        # this niceness (19: the lowest priority), replaced after this many renderings.
        "WEBMAP_RENDER_ISOLATED": _flag(env.get("WEBMAP_RENDER_ISOLATED", "1")),
        "WEBMAP_RENDER_NICENESS": int(env.get("WEBMAP_RENDER_NICENESS", "19")),
        "WEBMAP_RENDER_MAX_TASKS": int(env.get("WEBMAP_RENDER_MAX_TASKS", "20")),
        # PostgreSQL statement_timeout of a request's statements (milliseconds).
        "WEBMAP_STATEMENT_TIMEOUT_MS": int(env.get("WEBMAP_STATEMENT_TIMEOUT_MS", "5000")),
        "WEBMAP_STAFF_STATEMENT_TIMEOUT_MS": int(env.get("WEBMAP_STAFF_STATEMENT_TIMEOUT_MS", "60000")),
        # Largest side of /export/map.png, in pixels (8000 x 8000 took 3.4 GB).
        "WEBMAP_PNG_MAX_PX": int(env.get("WEBMAP_PNG_MAX_PX", "4000")),
    }


def gunicorn_settings(env=None) -> dict:
    """How gunicorn recycles its workers (``scripts/gunicorn.conf.py``), so that the memory a
    worker grew (an import preview, a large export) goes back to the system: after
    ``max_requests`` requests (+ up to ``max_requests_jitter``, so workers do not all restart
    at once), and after any request that leaves it above ``worker_max_rss_mb``. A worker is
    replaced gracefully: it finishes its requests while a new one starts (0: never)."""
    env = os.environ if env is None else env
    return {
        "max_requests": int(env.get("WEBMAP_MAX_REQUESTS", "20000")),
        "max_requests_jitter": int(env.get("WEBMAP_MAX_REQUESTS_JITTER", "2000")),
        "worker_max_rss_mb": int(env.get("WEBMAP_WORKER_MAX_RSS_MB", "600")),
    }


def from_env(environ: os._Environ | dict | None = None) -> dict:
    """Build the settings dictionary from environment variables (documented in docs/reference.md)."""
    env = os.environ if environ is None else environ
    debug = env.get("FLASK_DEBUG", "0") == "1"
    return {
        "DATABASE_URL": normalise_database_url(env.get("DATABASE_URL", DEFAULT_DATABASE_URL)),
        "SECRET_KEY": env.get("SECRET_KEY") or ("dev-only-not-secret" if debug else os.urandom(32)),
        # The hot read-only lookups (nearest search, place names, data version of the ETags) may
        # read a PostgreSQL streaming replica; unset: DATABASE_URL (webmap/extensions.py).
        "WEBMAP_LOOKUP_DATABASE_URL": normalise_database_url(env["WEBMAP_LOOKUP_DATABASE_URL"])
        if env.get("WEBMAP_LOOKUP_DATABASE_URL") else None,
        "WEBMAP_GEODATA_MIRROR": env.get("WEBMAP_GEODATA_MIRROR") or default_geodata_mirror(),
        "WEBMAP_GEODATA_CACHE": env.get("WEBMAP_GEODATA_CACHE", str(PROJECT_ROOT / "var" / "geodata")),
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_TRANSLATION_DIRECTORIES": translation_directories(),
        "WEBMAP_LANGUAGES": ("fr", "en"),
        "WEBMAP_API_MAX_LIMIT": int(env.get("WEBMAP_API_MAX_LIMIT", "5000")),
        # The map draws a view's services one by one up to this many, as clusters beyond.
        "WEBMAP_MAP_POINTS_LIMIT": int(env.get("WEBMAP_MAP_POINTS_LIMIT", "1000")),
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
        # as they stream (``webmap/compression.py``). See docs/reference.md, "Light on the wire".
        "COMPRESS_MIMETYPES": [
            "text/javascript", "application/javascript", "text/css", "application/json",
            "application/geo+json", "image/svg+xml", "text/csv",
        ],
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_ALGORITHM_STREAMING": ["br", "deflate"],
        "COMPRESS_STREAMING_ENDPOINT_CONDITIONAL": ["static", "assets.vendor"],
        "COMPRESS_MIN_SIZE": 1024,
        # Printed maps and atlases of the public, kept on disk per data version and options
        # (webmap/export/cache.py); 0 MB: none kept. Several workers may share the directory.
        "WEBMAP_RENDER_CACHE_DIR": env.get("WEBMAP_RENDER_CACHE_DIR", str(PROJECT_ROOT / "var" / "render-cache")),
        "WEBMAP_RENDER_CACHE_MB": float(env.get("WEBMAP_RENDER_CACHE_MB", "500")),
        # A sign-in lasts this long at most, however active (webmap/auth/sessions.py).
        "WEBMAP_SESSION_HOURS": float(env.get("WEBMAP_SESSION_HOURS", "12")),
        **limits_from_env(env),
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": env.get("WEBMAP_SECURE_COOKIES", "0") == "1",
        # Served over HTTPS only (the same switch as secure cookies): Strict-Transport-Security.
        "WEBMAP_HSTS": env.get("WEBMAP_SECURE_COOKIES", "0") == "1",
    }
