"""Browser tests: the real app on a local port, against the loaded database, in headless Chromium.

The app runs in a thread (werkzeug ``make_server`` on 127.0.0.1, free port) with its own
engine on ``DATABASE_URL``: unlike the other tests it sees committed data only, so a test that
needs a record commits it and deletes it afterwards (see ``committed_service``).

Chromium is the system's (``/usr/bin/chromium``, or ``WEBMAP_CHROMIUM``); no browser is ever
downloaded. Every request the page makes is recorded in ``page.requests``. Set
``WEBMAP_E2E_SCREENSHOTS`` to a directory to keep screenshots of the pages tested.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from webmap import create_app

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    candidate = os.environ.get("WEBMAP_CHROMIUM", "/usr/bin/chromium")
    if os.path.exists(candidate):
        return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def live_server(database_url) -> Iterator[str]:
    """Base URL (``http://127.0.0.1:<port>``) of the app serving in a background thread."""
    app = create_app({"SECRET_KEY": "e2e-tests-only", "DATABASE_URL": database_url})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            from webmap.extensions import db

            db.dispose()


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        pytest.fail("Chromium not found: install the Debian package 'chromium' or set WEBMAP_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture()
def page(browser):
    """A fresh 1280×800 page; ``page.requests`` lists every URL it requested."""
    yield from recording_page(browser, viewport={"width": 1280, "height": 800})


def recording_page(browser, **context_options):
    """Yield a page in a new French browser context, recording in ``page.requests`` every URL."""
    context = browser.new_context(locale="fr-FR", **context_options)
    page = context.new_page()
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    try:
        yield page
    finally:
        context.close()


def screenshot(page, name: str) -> None:
    """Save a screenshot under ``$WEBMAP_E2E_SCREENSHOTS`` when that is set."""
    directory = os.environ.get("WEBMAP_E2E_SCREENSHOTS")
    if directory:
        os.makedirs(directory, exist_ok=True)
        page.screenshot(path=os.path.join(directory, name))


def wait_for_map(page, timeout: float = 20_000) -> None:
    """Wait until the client reports its first services load and the default boundaries."""
    page.wait_for_function("() => window.webmap && window.webmap.ready === true", timeout=timeout)
