"""Browser tests: the real app on a local port, against the loaded database, in headless Chromium.

The app runs in a thread (``live_server``, in ``tests/conftest.py``) with its own engine on
``DATABASE_URL``: unlike the other tests it sees committed data only, so a test that
needs a record commits it and deletes it afterwards (see ``committed_service``).

Chromium is the system's (``/usr/bin/chromium``, or ``WEBMAP_CHROMIUM``); no browser is ever
downloaded. Every request the page makes is recorded in ``page.requests``. Set
``WEBMAP_E2E_SCREENSHOTS`` to a directory to keep screenshots of the pages tested.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable

import pytest
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from webmap.models import (
    AppUser,
    AuditEntry,
    ChangeProposal,
    Location,
    LoginAttempt,
    Organization,
    Phone,
    Service,
    ServiceAtLocation,
    user_organization,
)
from webmap.models.transfer import ImportBatch, ImportedService

PASSWORD = "une phrase assez longue"  # of every account a browser test commits

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


def sign_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    """Sign in through the French form; staff land on the directory."""
    page.goto(base + "/auth/login")
    assert page.locator("h1").inner_text() == "Se connecter"
    page.get_by_label("Adresse électronique", exact=True).fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/directory/$"))


def purge(
    session: Session,
    *,
    services: Iterable = (),
    organizations: Iterable = (),
    users: Iterable = (),
    emails: Iterable[str] = (),
) -> None:
    """Delete what a browser test committed, and everything hanging from it: the services, their
    places (and the organizations' places), phones, links, proposals and imports, the accounts
    and their organizations' links, the organizations, the history entries of all of these or
    made by these accounts, and the sign-in attempts of ``emails``. The caller commits."""
    services, organizations, users = list(services), list(organizations), list(users)
    links = list(session.scalars(select(ServiceAtLocation.id).where(ServiceAtLocation.service_id.in_(services))))
    locations = set(session.scalars(
        select(ServiceAtLocation.location_id).where(ServiceAtLocation.service_id.in_(services))))
    locations |= set(session.scalars(select(Location.id).where(Location.organization_id.in_(organizations))))
    phones = list(session.scalars(select(Phone.id).where(Phone.service_id.in_(services))))
    batches = list(session.scalars(select(ImportBatch.id).where(ImportBatch.created_by.in_([str(u) for u in users]))))
    resources = [str(i) for i in [*organizations, *services, *locations, *phones, *links]]
    session.execute(delete(AuditEntry).where(or_(AuditEntry.resource_id.in_(resources),
                                                 AuditEntry.actor_id.in_(users))))
    session.execute(delete(ChangeProposal).where(ChangeProposal.service_id.in_(services)))
    session.execute(delete(ImportedService).where(or_(ImportedService.batch_id.in_(batches),
                                                      ImportedService.service_id.in_(services))))
    session.execute(delete(ImportBatch).where(ImportBatch.id.in_(batches)))
    session.execute(delete(Phone).where(Phone.id.in_(phones)))
    session.execute(delete(ServiceAtLocation).where(ServiceAtLocation.id.in_(links)))
    session.execute(delete(Service).where(Service.id.in_(services)))
    session.execute(delete(Location).where(Location.id.in_(locations)))
    session.execute(delete(user_organization).where(user_organization.c.user_id.in_(users)))
    session.execute(delete(AppUser).where(AppUser.id.in_(users)))
    session.execute(delete(Organization).where(Organization.id.in_(organizations)))
    session.execute(delete(LoginAttempt).where(LoginAttempt.email.in_(list(emails))))


# Werkzeug's development server (the live server of these tests) leaves a streamed static file
# open when the browser drops the connection mid-file: after the failed write it drains the
# socket, which raises again, before it closes the response. gunicorn, which serves the app for
# real, closes it. Outside the browser tests the warning stays an error (tests/test_compression.py
# relies on it to catch files the app itself leaves open).
_DEV_SERVER_DROP = (
    r"ignore:Exception ignored in. <_io\.FileIO name='[^']*/(xstatic|webmap/static)/"
    r":pytest.PytestUnraisableExceptionWarning"
)


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.filterwarnings(_DEV_SERVER_DROP))
