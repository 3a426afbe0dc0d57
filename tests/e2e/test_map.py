"""The map page in headless Chromium, against the live app and the loaded database."""

from __future__ import annotations

import re

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import create_engine, delete, select
from sqlalchemy.orm import Session

from webmap.models import AuditEntry, Location, Organization, Phone, Service, ServiceAtLocation
from webmap.text import fold

from .conftest import screenshot, wait_for_map

pytestmark = pytest.mark.e2e

SEED_CHPM_TOWNS = {"Man", "Odiénné", "Daloa", "Guiglo", "Soubré", "Bondoukou", "Toumodi"}
SEED_REINTEGRATION_TOWNS = {"Tiébissou", "Korhogo", "Man"}

# Read from the page: the loaded services in view, and what the cluster layer drew for them.
DRAWN = """() => {
  const bounds = webmap.map.getBounds();
  const inView = webmap.services.filter(s => bounds.contains([s.lat, s.lon])).length;
  const markers = document.querySelectorAll('.wm-marker[data-service-id]').length;
  const clustered = [...document.querySelectorAll('.wm-cluster[data-count]')]
    .reduce((sum, el) => sum + Number(el.dataset.count), 0);
  return {inView, markers, clustered};
}"""


def _sources(page) -> str:
    """The full credits: the "Sources" button of the one-line credits opens them."""
    toggle = page.locator(".wm-sources-toggle")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    return page.locator(".wm-sources-full").inner_text()


def _outside(page, base_url: str) -> list[str]:
    return [url for url in page.requests if not url.startswith(base_url + "/")]


def test_map_draws_the_seed_directory_in_french_from_local_assets(live_server, page):
    page.goto(live_server + "/")
    wait_for_map(page)

    assert page.locator("html").get_attribute("lang") == "fr"
    state = page.evaluate("() => ({n: webmap.servicesLoaded, services: webmap.services, b: webmap.boundaries})")
    assert state["b"]["country"] == 1 and state["b"]["regions"] >= 31
    services = state["services"]
    assert state["n"] == len(services) >= 10
    towns = {(s["category"], fold(s["town"])) for s in services}
    for town in SEED_CHPM_TOWNS:
        assert ("chpm", fold(town)) in towns, town
    for town in SEED_REINTEGRATION_TOWNS:
        assert ("reintegration", fold(town)) in towns, town

    # Every service in view is drawn, as a marker or inside a cluster.
    page.wait_for_function("() => document.querySelector('.wm-marker, .wm-cluster') !== null")
    drawn = page.evaluate(DRAWN)
    assert drawn["inView"] >= 10
    assert drawn["markers"] + drawn["clustered"] == drawn["inView"], drawn
    assert drawn["markers"] >= 1

    # The legend, in French, lists the categories drawn and the boundaries.
    legend = page.locator(".wm-legend")
    assert legend.get_attribute("data-lang") == "fr"
    assert legend.locator("summary").inner_text().strip() == "Légende"
    chpm = legend.locator('li[data-category="chpm"]')
    assert chpm.inner_text().strip() == "Centre d'hébergement pour mineurs (CHPM)"
    assert legend.locator('li[data-category="reintegration"]').inner_text().strip() == "Centre de réinsertion"
    shown = set(legend.get_attribute("data-categories").split(","))
    assert shown == {s["category"] for s in services}
    assert legend.locator('li[data-layer="country"]').inner_text().strip() == "Frontière nationale"
    assert legend.locator('li[data-layer="regions"]').inner_text().strip() == "Limite de région"
    assert legend.locator('li[data-layer="departements"]').count() == 0  # off by default

    line = page.locator(".leaflet-control-attribution .wm-sources-short").inner_text()
    assert line == "OCHA COD-AB · CPC 2022 · GeoNames"  # one line of short names
    attribution = _sources(page)
    assert "OCHA ROWCA / CNTIG, COD-AB Côte d'Ivoire (CC BY-IGO)" in attribution
    assert "GeoNames (CC BY 4.0)" in attribution
    assert "Child Protection Compact Partnership, Annex A (2022)" in attribution
    assert "OpenStreetMap" not in attribution  # tiles are off by default

    # The symbols are the page's inline SVG (no icon font, no jQuery): markers and legend draw
    # the category's <symbol>, which the browser renders at 30 px.
    symbols = page.evaluate("""() => [...document.querySelectorAll('.wm-marker[data-category] use')]
      .map(u => [u.closest('.wm-marker').dataset.category, u.getAttribute('href')])""")
    assert symbols and all(href == "#wm-symbol-" + category for category, href in symbols)
    assert legend.locator('li[data-category="chpm"] use').get_attribute("href") == "#wm-symbol-chpm"
    box = page.locator(".wm-marker[data-category] svg").first.bounding_box()
    assert round(box["width"]) == 30 and round(box["height"]) == 30
    assert page.evaluate("() => typeof window.jQuery") == "undefined"
    assert not [url for url in page.requests if re.search(r"font-awesome|webfonts|jquery", url)]
    # The boundaries came from their fingerprinted files, not the API.
    assert [url for url in page.requests if "/map/boundaries/" in url]
    assert not [url for url in page.requests if "/api/v1/admin-areas" in url]

    assert _outside(page, live_server) == []
    screenshot(page, "map-1280.png")


def _services_requests(page) -> list[str]:
    return [url for url in page.requests if "/api/v1/services/clusters?" in url]


def test_moving_the_map_loads_the_services_of_the_new_extent(live_server, page):
    page.goto(live_server + "/")
    wait_for_map(page)
    loads = page.evaluate("webmap.loads")
    before = len(_services_requests(page))

    # Three quick moves make one request (debounced), for the last extent, around Man.
    page.evaluate(
        """() => {
          const m = webmap.map;
          m.setView([7.0, -6.0], 11, {animate: false});
          m.setView([7.2, -7.0], 11, {animate: false});
          m.setView([7.41, -7.55], 11, {animate: false});
        }"""
    )
    page.wait_for_function("(n) => webmap.loads > n", arg=loads)
    requests = _services_requests(page)[before:]
    assert len(requests) == 1 and "bbox=" in requests[0] and "zoom=11" in requests[0]
    services = page.evaluate("webmap.services")
    assert {fold(s["town"]) for s in services} == {"man"}
    assert {s["category"] for s in services} >= {"chpm", "reintegration"}
    assert page.locator(".wm-status").is_hidden()

    # Where there is no structure (at sea, off the coast), the page says so.
    loads = page.evaluate("webmap.loads")
    page.evaluate("() => webmap.map.setView([3.0, -5.5], 11, {animate: false})")
    page.wait_for_function("(n) => webmap.loads > n", arg=loads)
    assert page.evaluate("webmap.servicesLoaded") == 0
    status = page.locator(".wm-status")
    assert status.get_attribute("data-state") == "empty"
    assert status.inner_text() == "Aucune structure dans cette zone"
    assert page.locator('.wm-legend li.wm-legend-none').inner_text() == "Aucune structure visible"


def test_failures_to_load_are_shown(live_server, page):
    page.route("**/api/v1/services/clusters?*", lambda route: route.fulfill(status=503, body="{}"))
    page.route("**/map/boundaries/regions.geojson*", lambda route: route.abort())
    page.goto(live_server + "/")
    wait_for_map(page)
    status = page.locator(".wm-status")
    assert status.get_attribute("data-state") == "error"
    assert status.inner_text().startswith("Les structures n'ont pas pu être chargées")
    page.unroute("**/api/v1/services/clusters?*")
    loads = page.evaluate("webmap.loads")
    page.evaluate("() => webmap.map.panBy([40, 0], {animate: false})")
    page.wait_for_function("(n) => webmap.loads > n", arg=loads)
    assert page.evaluate("webmap.servicesLoaded") > 0
    assert status.inner_text() == "Les limites administratives n'ont pas pu être chargées."


def test_layer_control_toggles_layers_legend_and_attributions(live_server, page):
    # The machine may be offline: refuse anything outside the app, as a field office would see it.
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())
    page.goto(live_server + "/")
    wait_for_map(page)
    page.locator(".leaflet-control-layers").hover()

    page.get_by_label("Départements").check()
    page.wait_for_function("() => webmap.boundaries.departements > 100")
    assert page.locator('.wm-legend li[data-layer="departements"]').count() == 1

    page.get_by_label("OpenStreetMap (en ligne)").check()
    assert "© les contributeurs d'OpenStreetMap" in _sources(page)
    page.locator(".leaflet-control-layers").hover()
    page.get_by_label("OpenStreetMap (en ligne)").uncheck()
    assert "OpenStreetMap" not in page.locator(".leaflet-control-attribution").inner_text()

    page.get_by_label("Structures de prise en charge").uncheck()
    assert page.locator(".wm-marker, .wm-cluster").count() == 0
    assert "Child Protection Compact Partnership" not in page.locator(".leaflet-control-attribution").inner_text()
    assert page.locator('.wm-legend section[data-layer="services"]').count() == 0


def test_language_switch_shows_the_map_in_english(live_server, page):
    page.goto(live_server + "/")
    wait_for_map(page)
    page.locator('.wm-lang a[data-lang="en"]').click()
    page.wait_for_url(re.compile(r"\?lang=en$"))
    wait_for_map(page)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator(".wm-legend summary").inner_text().strip() == "Legend"
    chpm = page.locator('.wm-legend li[data-category="chpm"]').inner_text().strip()
    assert chpm == "Accommodation centre for minors (CHPM)"
    assert _outside(page, live_server) == []


def test_small_screen_shows_the_whole_country(live_server, browser):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    try:
        page = context.new_page()
        page.goto(live_server + "/")
        wait_for_map(page)
        fits = page.evaluate(
            "() => webmap.map.getBounds().contains(L.latLngBounds([[4.5, -8.4], [10.6, -2.6]]))"
        )
        assert fits
        screenshot(page, "map-375.png")
    finally:
        context.close()


# --- escaping -------------------------------------------------------------------------------

HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_ORG = '<img src=x onerror="alert(2)">'
HOSTILE_TOWN = '"><svg onload=alert(3)>'


@pytest.fixture()
def hostile_service(database_url):
    """A committed public service with markup in its texts, near Sassandra; always deleted."""
    engine = create_engine(database_url)
    ids: dict[str, object] = {}
    try:
        with Session(engine) as session:
            org = Organization(name=HOSTILE_ORG, source="tests-e2e")
            service = Service(
                name=HOSTILE_NAME,
                name_key=fold(HOSTILE_NAME),
                category="ngo",
                organization=org,
                needs=["psychosocial"],
                source="tests-e2e",
            )
            location = Location(
                organization=org,
                town=HOSTILE_TOWN,
                precision="exact",
                confidential=False,
                source="tests-e2e",
                geom=from_shape(Point(-6.08, 4.95), srid=4326),
            )
            session.add_all([org, service, location])
            session.add(ServiceAtLocation(service=service, location=location))
            session.add(Phone(service=service, number="<b>0</b>"))
            session.commit()
            ids = {"service": service.id, "location": location.id, "organization": org.id}
        yield str(ids["service"])
    finally:
        with Session(engine) as session:
            if ids:
                # The history recorder logged the inserts; remove those entries with the records.
                phones = session.scalars(select(Phone.id).where(Phone.service_id == ids["service"])).all()
                links = session.scalars(
                    select(ServiceAtLocation.id).where(ServiceAtLocation.service_id == ids["service"])
                ).all()
                resources = [str(i) for i in [*ids.values(), *phones, *links]]
                session.execute(delete(AuditEntry).where(AuditEntry.resource_id.in_(resources)))
                session.execute(delete(Phone).where(Phone.service_id == ids["service"]))
                session.execute(
                    delete(ServiceAtLocation).where(ServiceAtLocation.service_id == ids["service"])
                )
                session.execute(delete(Service).where(Service.id == ids["service"]))
                session.execute(delete(Location).where(Location.id == ids["location"]))
                session.execute(delete(Organization).where(Organization.id == ids["organization"]))
            else:  # the insert failed half-way: remove whatever it left
                session.execute(delete(Service).where(Service.source == "tests-e2e"))
                session.execute(delete(Location).where(Location.source == "tests-e2e"))
                session.execute(delete(Organization).where(Organization.source == "tests-e2e"))
            session.commit()
        engine.dispose()


def test_popup_shows_markup_in_data_as_text(live_server, page, hostile_service):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(live_server + "/")
    wait_for_map(page)
    assert page.evaluate("(id) => webmap.showService(id, false)", hostile_service)
    marker = page.locator(f'.wm-marker[data-service-id="{hostile_service}"]')
    marker.wait_for(state="visible")
    assert marker.get_attribute("data-name") == HOSTILE_NAME
    marker.click()

    popup = page.locator(f'.wm-popup[data-service-id="{hostile_service}"]')
    popup.wait_for(state="visible")
    assert popup.locator(".wm-popup-title").inner_text() == HOSTILE_NAME
    assert popup.locator('dd[data-field="organization"]').inner_text() == HOSTILE_ORG
    assert popup.locator('dd[data-field="town"]').inner_text() == HOSTILE_TOWN
    assert popup.locator('dd[data-field="phones"]').inner_text() == "<b>0</b>"
    assert popup.locator('dd[data-field="phones"] a').get_attribute("href") == "tel:0"
    assert popup.locator("script, img, b").count() == 0
    # The only SVG is the category's symbol, drawn by reference to the page's own <symbol>.
    assert popup.locator("svg").count() == popup.locator("svg.wm-symbol").count() == 1
    assert popup.locator("svg.wm-symbol use").get_attribute("href") == "#wm-symbol-ngo"
    page.wait_for_timeout(300)
    assert dialogs == []
    assert not any(url.endswith("/x") for url in page.requests)
