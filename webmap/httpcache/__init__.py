"""Reads that caches can serve: ETag, ``Cache-Control`` and ``304 Not Modified`` on public GETs.

For a GET (or HEAD) whose path has a policy (:mod:`.policy`, ``RULES``: ``/api/v1/…``,
``/hsds/…``, ``/ogc/…``, ``/export/…``), asked by someone not signed in:

* **before the view**, the data version is read (one short statement on the lookup pool, the
  only one this adds to a request) and the ETag computed; when ``If-None-Match`` names it, the
  answer is ``304`` at once: the view does not run (nor the rate limit of the expensive
  endpoints, registered after). The version is read *before* the view reads its data, so an
  answer is never older than its ETag says (a write committed in between gives newer data under
  the older tag, replaced at the next request);
* **after the view**, a ``200`` gets that ETag and ``Cache-Control: public, max-age=…,
  stale-while-revalidate=…`` (unless the view set its own) and ``Vary: Cookie`` (the language
  may come from a cookie, and a signed-in browser must not reuse the public copy).

Signed-in staff may see confidential details: their answers get no ETag, and
``webmap.auth`` makes them ``private, no-store``. A view that sets its own ``ETag`` or
``Cache-Control`` keeps them; a path whose rule is ``None`` is left to its view.
Views that need the version the ETag was computed from (the printed map's disk cache) call
:func:`data_version`, which reads it at most once per request.
"""

from __future__ import annotations

from importlib.metadata import version as installed_version

from flask import Flask, current_app, g, request
from flask.wrappers import Response
from flask_babel import get_locale
from flask_login import current_user

from .. import clock, dataversion
from ..config import PROJECT_ROOT
from ..extensions import db
from . import policy as policies
from .policy import Policy

__all__ = ["RELEASE", "data_version", "init_app", "public_request"]

RELEASE = policies.code_release(
    installed_version("webmap"), [PROJECT_ROOT / "webmap", PROJECT_ROOT / "layers", PROJECT_ROOT / "templates"]
)


def data_version() -> tuple:
    """The data version of this request's answer (``dataversion.etag_version``), read once."""
    if "webmap_data_version" not in g:
        g.webmap_data_version = db.lookup(dataversion.etag_version)
    return g.webmap_data_version


def _signed_in() -> bool:
    return bool(current_user and current_user.is_authenticated)


def public_request() -> bool:
    """Asked by someone not signed in: the answer is the public's, the same for everyone."""
    return not _signed_in()


def _policy() -> Policy | None:
    if request.method not in ("GET", "HEAD"):
        return None
    if request.endpoint not in current_app.view_functions:
        return None  # no such page: the 404 is not cached
    return policies.policy_for(request.path)


def _public_headers(response: Response, policy: Policy) -> None:
    response.headers.setdefault("Cache-Control", policies.cache_control(policy, clock.now()))
    response.vary.add("Cookie")


def _before() -> Response | None:
    policy = _policy()
    if policy is None or _signed_in():
        return None
    tag = policies.etag(data_version(), RELEASE, str(get_locale()), request.headers.get("Accept", ""),
                        policies.period_index(clock.now(), policy.period))
    g.webmap_http_cache = (policy, tag)
    matched = policies.matched_tag(request.headers.get("If-None-Match"), tag)
    if matched is None:
        return None
    response = Response(status=304)
    response.set_etag(matched)
    _public_headers(response, policy)
    return response


def _after(response: Response) -> Response:
    entry = g.get("webmap_http_cache")
    if entry is None or response.status_code != 200 or _signed_in():
        return response
    policy, tag = entry
    if "ETag" not in response.headers:
        response.set_etag(tag)
    _public_headers(response, policy)
    return response


def init_app(app: Flask) -> None:
    """Call after ``auth.init_app`` (reads who is signed in) and before ``limits.init_app``
    (a ``304`` costs nothing: it is not counted against the client's rate)."""
    app.before_request(_before)
    app.after_request(_after)
