"""The map page ``/`` with no network (issue 11, part 4), in headless Chromium.

One visit online installs the service worker (``/sw.js``, which keeps the page and every file
it links: scripts, styles, the symbols, the boundary files) and stores the offline package
(``static/offline/store.js``). Then the network is cut and the page reloaded.
"""

from __future__ import annotations

import pytest

from .conftest import recording_page, screenshot, wait_for_map
from .test_map import DRAWN

pytestmark = pytest.mark.e2e


@pytest.fixture()
def phone(browser):
    """A 375×740 page (a phone), service workers allowed."""
    yield from recording_page(browser, viewport={"width": 375, "height": 740}, service_workers="allow")


def _visit_online(page, base: str) -> dict:
    page.goto(base + "/")
    wait_for_map(page)
    # The worker controls the page (its install kept the shell) and the package is stored.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    page.wait_for_function("() => webmap.offlineInfo !== null && webmap.offlineInfo.version", timeout=30_000)
    info = page.locator(".wm-offline-info")
    assert info.get_attribute("data-state") == "stored"
    assert info.inner_text().startswith("Données hors ligne\u00a0: ")  # French typography
    return page.evaluate("() => ({ids: webmap.services.map(s => s.id).sort(), offline: webmap.offline})")


def test_the_map_opens_offline_with_boundaries_markers_and_legend(live_server, phone):
    page = phone
    online = _visit_online(page, live_server)
    assert online["offline"] is False and len(online["ids"]) >= 10

    page.context.set_offline(True)
    try:
        page.reload()
        wait_for_map(page)
        state = page.evaluate(
            "() => ({offline: webmap.offline, ids: webmap.services.map(s => s.id).sort(),"
            " boundaries: webmap.boundaries, symbols: webmap.symbols, error: webmap.error})"
        )
        assert state["offline"] is True and state["error"] is None
        assert state["ids"] == online["ids"]  # the stored services: the same structures
        assert state["boundaries"]["country"] == 1 and state["boundaries"]["regions"] >= 31
        assert state["symbols"] == 13  # the category symbols came from the worker's cache

        # Clustered and drawn with the same symbols.
        page.wait_for_function("() => document.querySelector('.wm-marker, .wm-cluster') !== null")
        drawn = page.evaluate(DRAWN)
        assert drawn["inView"] >= 10 and drawn["markers"] + drawn["clustered"] == drawn["inView"], drawn
        assert page.locator('.wm-marker[data-category="chpm"] use').first.get_attribute("href") == "#wm-symbol-chpm"

        # The legend lists the categories drawn and the boundaries.
        legend = page.locator(".wm-legend")
        legend.locator("summary").click()
        assert legend.locator('li[data-category="chpm"]').inner_text().strip() == \
            "Centre d'hébergement pour mineurs (CHPM)"
        assert legend.locator('li[data-layer="regions"]').inner_text().strip() == "Limite de région"
        legend.locator("summary").click()  # closed again: the popup needs the room on a phone

        # The indicator gives the stored data's date.
        info = page.locator(".wm-offline-info")
        assert info.get_attribute("data-state") == "offline"
        assert info.inner_text().startswith("Hors ligne — données du ")

        # A popup, from the stored record.
        chpm = page.evaluate("() => webmap.services.find(s => s.category === 'chpm' && s.town === 'Bondoukou').id")
        page.evaluate("(id) => webmap.showService(id)", chpm)
        popup = page.locator(f'.wm-popup[data-service-id="{chpm}"]')
        popup.wait_for(state="visible")
        assert "Bondoukou" in popup.locator('dd[data-field="town"]').inner_text()
        assert popup.locator('dd[data-field="status"]').inner_text() == "Actif"
        page.wait_for_timeout(300)  # the popup's fade-in, for the screenshot
        screenshot(page, "map-offline-375.png")
        page.keyboard.press("Escape")

        # The tiles need the internet: the layer control and the status line say so.
        page.locator(".leaflet-control-layers").hover()
        note = page.locator('.wm-offline-note[data-offline-note="osm"]')
        assert note.is_visible() and note.inner_text() == "Indisponible hors ligne"
        page.locator(".leaflet-control-layers-overlays label", has_text="OpenStreetMap").locator("input").check()
        status = page.locator(".wm-status")
        page.wait_for_function("() => document.querySelector('.wm-status').dataset.state === 'unavailable'")
        assert status.inner_text() == "OpenStreetMap (en ligne)\u00a0: indisponible hors ligne"

        # Moving the map offline asks nothing: every stored service is drawn already.
        before = len(page.requests)
        page.evaluate("() => webmap.map.setView([7.69, -5.03], 10, {animate: false})")
        page.wait_for_timeout(400)
        assert not [url for url in page.requests[before:] if "/api/v1/services" in url]
    finally:
        page.context.set_offline(False)
