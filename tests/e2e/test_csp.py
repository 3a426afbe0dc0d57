"""Every page works under the Content-Security-Policy, in headless Chromium: the policy arrives
with the page, no 'securitypolicyviolation' event fires and no console error is logged on /,
/referral (and its sheet), /directory/ (signed out and in, with the service form's map),
/planning and /print — and their maps really draw (markers, boundaries, overlays, preview)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from webmap.auth.service import create_user

from .conftest import purge, recording_page, sign_in, wait_for_map

pytestmark = pytest.mark.e2e

EMAIL = "e2e-csp@example.org"

# Installed before any script of the page: every violation the browser reports, kept in order.
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture()
def watched(browser):
    """A page recording CSP violations (``page.evaluate('window.__csp')``) and console errors."""
    for page in recording_page(browser, viewport={"width": 1280, "height": 800}):
        errors: list[str] = []
        page.errors = errors
        page.add_init_script(WATCH)
        page.on("console", lambda msg, errors=errors: msg.type == "error" and errors.append(msg.text))
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        yield page


def visit(page, url: str) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy, url


def assert_clean(page, where: str) -> None:
    page.wait_for_timeout(300)  # let late violation events be dispatched
    assert page.evaluate("() => window.__csp") == [], where
    assert page.errors == [], where


@pytest.fixture()
def staff(database_url):
    engine = create_engine(database_url)
    with Session(engine) as session:
        user = create_user(session, EMAIL, "Agent CSP (e2e)", "admin", "une phrase assez longue")
        session.commit()
        user_id = user.id
    try:
        yield EMAIL
    finally:
        with Session(engine) as session:
            purge(session, users=[user_id], emails=[EMAIL])
            session.commit()
        engine.dispose()


def test_the_watcher_sees_a_violation(live_server, watched):
    visit(watched, live_server + "/directory/")
    watched.evaluate("""() => { const s = document.createElement('script');
                                s.textContent = 'window.ran = true'; document.body.appendChild(s); }""")
    watched.wait_for_function("() => window.__csp.length > 0")
    assert watched.evaluate("() => window.ran") is None
    assert watched.evaluate("() => window.__csp")[0].startswith("script-src-elem blocked inline")


def test_the_map_draws_under_the_policy(live_server, watched):
    visit(watched, live_server + "/")
    wait_for_map(watched)
    watched.wait_for_function("() => document.querySelector('.wm-marker, .wm-cluster') !== null")
    state = watched.evaluate("() => ({b: webmap.boundaries, n: webmap.servicesLoaded})")
    assert state["b"]["regions"] >= 31 and state["n"] >= 10
    # The layer control's swatches are drawn by their style attributes (style-src-attr).
    borders = watched.evaluate("""() => [
        ...document.querySelectorAll('.leaflet-control-layers .wm-layer-swatch[style]')
    ].map(el => getComputedStyle(el).borderTopStyle)""")
    assert len(borders) >= 2 and "solid" in borders and "dashed" in borders, borders
    assert watched.locator(".leaflet-control-scale").count() == 1  # folium's script from /map/shell.js ran
    assert_clean(watched, "/")


def test_referral_and_its_sheet_under_the_policy(live_server, watched):
    visit(watched, live_server + "/referral?place=2283016&need=shelter")
    watched.wait_for_function("() => window.referral && window.referral.ready === true", timeout=20_000)
    watched.wait_for_function("() => window.referral.boundaries > 30", timeout=20_000)
    assert watched.evaluate("() => window.referral.markers") >= 1
    assert watched.locator("#rf-map .leaflet-marker-icon").count() >= 1
    sheet = watched.locator('a[data-role="sheet"]').get_attribute("href")
    assert_clean(watched, "/referral")
    visit(watched, live_server + sheet)
    assert watched.locator(".rf-sheet-map-box svg").count() == 1
    # The Print button is wired by sheet.js (no inline onclick): it calls window.print.
    watched.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    watched.locator(".rf-sheet-print").click()
    assert watched.evaluate("() => window.printed") == 1
    assert_clean(watched, "/referral/sheet")


def test_directory_signed_out_and_in_under_the_policy(live_server, watched, staff):
    visit(watched, live_server + "/directory/")
    assert watched.locator("table tbody tr").count() >= 1
    assert_clean(watched, "/directory/ (public)")
    detail = watched.locator("table tbody tr a[href^='/directory/services/']").first.get_attribute("href")
    visit(watched, live_server + detail)
    watched.wait_for_function(
        "() => document.getElementById('wd-minimap')?.dataset.ready === 'true'", timeout=20_000)
    assert watched.locator("#wd-minimap .leaflet-marker-icon, #wd-minimap path").count() >= 1
    assert_clean(watched, "a service's page")
    visit(watched, live_server + "/auth/login")
    assert_clean(watched, "/auth/login")
    sign_in(watched, live_server, staff)
    visit(watched, live_server + "/directory/")
    assert watched.get_by_role("button", name="Se déconnecter").is_visible()
    assert_clean(watched, "/directory/ (signed in)")
    visit(watched, live_server + "/directory/services/new")
    watched.wait_for_function(
        "() => document.querySelector('[data-ready]')?.dataset.ready === 'true'", timeout=20_000)
    assert watched.locator(".leaflet-container path").count() >= 1  # the picker's boundaries drawn
    assert_clean(watched, "/directory/services/new")
    visit(watched, live_server + "/directory/dashboard")
    assert_clean(watched, "/directory/dashboard")


def test_planning_under_the_policy(live_server, watched):
    visit(watched, live_server + "/planning")
    watched.wait_for_function(
        "() => window.webmapPlanning && window.webmapPlanning.ready === true", timeout=30_000)
    assert watched.evaluate("() => document.querySelectorAll('#wp-map path').length") >= 31
    assert_clean(watched, "/planning")


def test_print_page_under_the_policy(live_server, watched):
    visit(watched, live_server + "/print")
    watched.wait_for_function(
        "() => { const img = document.getElementById('print-preview');"
        " return img && img.complete && img.naturalWidth > 0; }", timeout=30_000)
    assert_clean(watched, "/print")


def test_ogc_pages_under_the_policy(live_server, watched):
    for path in ("/ogc?f=html", "/ogc/collections?f=html", "/ogc/collections/services?f=html",
                 "/ogc/collections/services/items?f=html&limit=5", "/ogc/conformance?f=html"):
        visit(watched, live_server + path)
        assert watched.locator("h1").count() == 1, path
        assert_clean(watched, path)
