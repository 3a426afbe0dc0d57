"""Renderings of the printed map in a separate process of the lowest CPU priority.

Drawing a map holds Python's GIL for seconds: in the worker's own process it made every other
thread of the worker wait (the nearest search queued behind an atlas), and with a normal
priority it took the CPU from every quick request of the server. So ``/export/map.pdf``,
``map.png`` and ``atlas.pdf`` are drawn in a child process of their worker (``nice`` 19), one per
slot of the concurrency cap (``WEBMAP_EXPENSIVE_CONCURRENCY``), started at the first rendering
and replaced after ``WEBMAP_RENDER_MAX_TASKS`` renderings (so the memory a large PNG took goes
back to the system). The worker's thread waits for the bytes without holding the GIL.

The child builds the app once (same settings as the worker), runs the Flask-free function of
:mod:`webmap.export.service` in an application context with the request's statement timeout,
and sends back the bytes or the domain error. ``WEBMAP_RENDER_ISOLATED=0`` renders in the worker
instead (the tests do: their records live in a transaction the child cannot see).
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import psycopg
from flask import Flask, current_app
from sqlalchemy.exc import OperationalError

from .timeouts import StatementTimedOut, request_timeout_ms

KEY = "webmap.limits.isolation"
# Settings the child needs that may differ from its environment (an app built with overrides).
CHILD_SETTINGS = ("DATABASE_URL", "WEBMAP_LOOKUP_DATABASE_URL", "SECRET_KEY", "WEBMAP_GEODATA_MIRROR",
                  "WEBMAP_GEODATA_CACHE")

_child_app: Flask | None = None


class RenderTimedOut(Exception):
    """A statement of the rendering was cancelled by the statement timeout."""


def _start_child(settings: dict, niceness: int) -> None:
    global _child_app
    if niceness:
        os.nice(niceness)
    from webmap import create_app

    _child_app = create_app({**settings, "WEBMAP_RENDER_ISOLATED": False})


def _render(target: str, timeout_ms: int, args: tuple, kwargs: dict):
    from webmap.extensions import db

    module, name = target.rsplit(":", 1)
    function = getattr(importlib.import_module(module), name)
    with _child_app.app_context():
        try:
            db.session.connection().exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
            return function(db.session, *args, **kwargs)
        except OperationalError as exc:
            if isinstance(exc.orig, psycopg.errors.QueryCanceled):
                raise RenderTimedOut() from None
            raise
        finally:
            db.session.close()


class Isolation:
    """The worker's pool of rendering processes (created at the first rendering)."""

    def __init__(self, settings: dict, processes: int, niceness: int, max_tasks: int) -> None:
        self.settings = settings
        self.processes = processes
        self.niceness = niceness
        self.max_tasks = max_tasks
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.processes,
                    mp_context=multiprocessing.get_context("spawn"),  # never fork a threaded worker
                    initializer=_start_child,
                    initargs=(self.settings, self.niceness),
                    max_tasks_per_child=self.max_tasks or None,
                )
            return self._executor

    def run(self, target: str, timeout_ms: int, *args, **kwargs):
        try:
            return self._pool().submit(_render, target, timeout_ms, args, kwargs).result()
        except BrokenProcessPool:
            with self._lock:  # a child died (killed, out of memory): the next rendering starts anew
                self._executor = None
            raise

    def shutdown(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True, cancel_futures=True)
                self._executor = None


def render(function, *args, timeout_ms: int | None = None, **kwargs):
    """``function(db.session, *args, **kwargs)`` in a rendering process, or here when isolation is
    off. ``function`` is a module-level function (it is named, not pickled)."""
    isolation: Isolation | None = current_app.extensions.get(KEY)
    if isolation is None:
        from webmap.extensions import db

        return function(db.session, *args, **kwargs)
    if timeout_ms is None:
        timeout_ms = request_timeout_ms()
    try:
        return isolation.run(f"{function.__module__}:{function.__name__}", timeout_ms, *args, **kwargs)
    except RenderTimedOut:
        raise StatementTimedOut() from None


def init_app(app: Flask) -> None:
    if not app.config["WEBMAP_RENDER_ISOLATED"]:
        return
    settings = {key: app.config[key] for key in CHILD_SETTINGS if key in app.config}
    app.extensions[KEY] = Isolation(settings, processes=app.config["WEBMAP_EXPENSIVE_CONCURRENCY"],
                                    niceness=app.config["WEBMAP_RENDER_NICENESS"],
                                    max_tasks=app.config["WEBMAP_RENDER_MAX_TASKS"])
