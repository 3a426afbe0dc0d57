"""The expensive endpoints: a rate limit per client and a concurrency cap per worker.

A printed map, the atlas or a full export costs seconds of CPU and up to hundreds of MB; a few
of them at once used to starve every other request of the worker (the nearest search fell from
912 to 109 requests/s, p99 17 s, under 8 concurrent atlases). So, for the endpoints named in
``ENDPOINT_GROUPS``, before the view runs:

1. **rate limit per client** (its address; behind trusted proxies the forwarded one), a moving
   window per group (``WEBMAP_RATE_LIMITS``, e.g. ``"2 per minute;12 per hour"`` for the atlas),
   counted in memory per worker or in Redis when ``REDIS_URL`` is set (one count for every
   worker and server). Signed-in staff are not rate-limited (they are still capped);
2. **concurrency cap per worker** (``WEBMAP_EXPENSIVE_CONCURRENCY``, shared by every group):
   when that many expensive requests are already running in this worker process, the request is
   refused at once rather than queued, so the worker's threads stay free for quick requests.

Both refusals are ``429 Too Many Requests`` with ``Retry-After`` (seconds) and a message in the
page's language (French by default); ``detail.reason`` says which (``rate`` or ``busy``). A
refused request is not counted against the client.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from ..errors import WebmapError

KEY = "webmap.limits.expensive"

# Endpoint → group (each group has its own rate; the cap is shared). A test checks that every
# ``/export/…`` file endpoint of the app is listed here.
ENDPOINT_GROUPS: dict[str, str] = {
    "export.map_pdf": "print",
    "export.map_png": "print",
    "export.atlas_pdf": "atlas",
    "transfer.export_csv": "export",
    "transfer.export_geojson": "export",
    "transfer.export_gpkg": "export",
    "transfer.export_shp_zip": "export",
    "transfer.export_fgb": "export",
    "transfer.export_hsds_zip": "export",
}


class TooManyRequests(WebmapError):
    """Over a rate limit or the concurrency cap: ``429`` with ``Retry-After``."""

    status = 429

    def __init__(self, reason: str, message: str, retry_after: int) -> None:
        super().__init__("too many requests", {"reason": reason, "message": message, "retry_after": retry_after})
        self.headers = {"Retry-After": str(retry_after)}


@dataclass
class Guard:
    """One per app (so one per worker process): the rate counters and the cap's slots."""

    storage: Storage
    slots: threading.BoundedSemaphore
    limiter: MovingWindowRateLimiter = field(init=False)
    _parsed: dict[str, list[RateLimitItem]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.limiter = MovingWindowRateLimiter(self.storage)

    def rates(self, text: str) -> list[RateLimitItem]:
        if text not in self._parsed:
            self._parsed[text] = parse_many(text) if text.strip() else []
        return self._parsed[text]

    def wait_for(self, group: str, client: str, text: str) -> int | None:
        """Seconds before ``client`` may ask again in ``group``, or None when it may now."""
        waits = []
        for item in self.rates(text):
            if not self.limiter.test(item, group, client):
                reset = self.limiter.get_window_stats(item, group, client).reset_time
                waits.append(max(1, math.ceil(reset - time.time())))
        return max(waits) if waits else None

    def hit(self, group: str, client: str, text: str) -> None:
        for item in self.rates(text):
            self.limiter.hit(item, group, client)


def guard(app: Flask | None = None) -> Guard:
    return (app or current_app).extensions[KEY]


def _signed_in() -> bool:
    return bool(current_user and current_user.is_authenticated)


def client_wait(group: str) -> int | None:
    """Seconds before this request's client may act again in ``group`` (None: now), for views
    that count only some requests (the public suggestion form counts what it stores). Staff and
    an app with rate limits off are never held back."""
    config = current_app.config
    if not config["WEBMAP_RATE_LIMIT_ENABLED"] or _signed_in():
        return None
    return guard().wait_for(group, request.remote_addr or "unknown", config["WEBMAP_RATE_LIMITS"].get(group, ""))


def client_hit(group: str) -> None:
    """Count one action of this request's client in ``group`` (see :func:`client_wait`)."""
    config = current_app.config
    if config["WEBMAP_RATE_LIMIT_ENABLED"] and not _signed_in():
        guard().hit(group, request.remote_addr or "unknown", config["WEBMAP_RATE_LIMITS"].get(group, ""))


def _admit() -> None:
    group = ENDPOINT_GROUPS.get(request.endpoint or "")
    if group is None:
        return
    config = current_app.config
    state = guard()
    client = request.remote_addr or "unknown"
    rate = config["WEBMAP_RATE_LIMITS"].get(group, "")
    limited = config["WEBMAP_RATE_LIMIT_ENABLED"] and not _signed_in()
    if limited:
        wait = state.wait_for(group, client, rate)
        if wait is not None:
            raise TooManyRequests(
                "rate",
                _("Too many requests for this file from your address. Please try again in %(seconds)d seconds.",
                  seconds=wait),
                wait,
            )
    if not state.slots.acquire(blocking=False):
        wait = config["WEBMAP_BUSY_RETRY_AFTER"]
        raise TooManyRequests(
            "busy",
            _("The server is already preparing other maps or exports. Please try again in %(seconds)d seconds.",
              seconds=wait),
            wait,
        )
    g.webmap_expensive_slot = state.slots
    if limited:
        state.hit(group, client, rate)


def _release(_exc: BaseException | None) -> None:
    slots = g.pop("webmap_expensive_slot", None)
    if slots is not None:
        slots.release()


def init_app(app: Flask) -> None:
    app.extensions[KEY] = Guard(
        storage=storage_from_string(app.config["WEBMAP_RATE_LIMIT_STORAGE"]),
        slots=threading.BoundedSemaphore(app.config["WEBMAP_EXPENSIVE_CONCURRENCY"]),
    )
    app.before_request(_admit)
    app.teardown_request(_release)
