"""Limits that keep one request, one client or one editor from hurting everyone else.

* :mod:`.expensive` — the expensive public endpoints (printed map, atlas, exports): a
  per-client rate limit and a per-worker concurrency cap, over which the answer is ``429`` with
  ``Retry-After`` and a message in the page's language (French by default);
* :mod:`.isolation` — the printed map drawn in a child process of the lowest CPU priority, so
  its seconds of GIL and CPU do not slow the worker's other requests;
* :mod:`.timeouts` — PostgreSQL ``statement_timeout`` on every request's transactions (longer
  for signed-in staff), and a ``503`` when a statement is cancelled.

Every figure is a setting (``webmap/config.py``, documented in docs/reference.md, "Limits").
"""

from __future__ import annotations

from flask import Flask

from . import expensive, isolation, timeouts

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Call after ``auth.init_app``: the hooks read who is signed in."""
    timeouts.init_app(app)
    expensive.init_app(app)
    isolation.init_app(app)
