"""Known-good browsers: a signed cookie given at a successful sign-in (Flask-free).

The cookie holds a random browser id signed with the app's secret key *for one account* (the
account's e-mail is the signature's salt, so the cookie does not show it): presented with a
sign-in for that account, the attempt is throttled on its own (``webmap.auth.throttle``), apart
from the attempts of its address. Nobody else can make such a browser wait.
"""

from __future__ import annotations

import datetime as dt
import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "webmap_device"
MAX_AGE = dt.timedelta(days=90)


def _serializer(secret_key: str | bytes, email: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="webmap-device:" + email)


def known_client(secret_key: str | bytes, email: str, cookie: str | None) -> str | None:
    """The browser id of a valid cookie issued for ``email``, or None."""
    if not cookie or not email:
        return None
    try:
        client = _serializer(secret_key, email).loads(cookie, max_age=int(MAX_AGE.total_seconds()))
    except BadSignature:
        return None
    return client if isinstance(client, str) and len(client) <= 64 else None


def issue(secret_key: str | bytes, email: str, client: str | None = None) -> str:
    """A cookie value for ``email`` (keeping the browser id ``client`` when it has one)."""
    return _serializer(secret_key, email).dumps(client or secrets.token_urlsafe(16))
