"""The map pages read easily (issue 15, part 1), in headless Chromium against the live app.

* no control covers another — zoom, layer switcher (open, every overlay ticked), legend (open),
  scale, credits — on "/", the referral map with results, the planning map and the position
  picker, at 1366×800 and 375×740; and none runs off the map;
* the towns of the gazetteer are named on the map, as text, by population and zoom;
* a structure's popup links to its record and gives its dates in French; a campaign's popup
  says DÉMO, gives French dates and shows no command name;
* switching FR/EN keeps the view and the overlays;
* on a phone the page is not wider than the screen and no word of a popup is cut.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from webmap.models import Location, Organization, Phone, Service, ServiceAtLocation
from webmap.text import fold

from .conftest import purge, recording_page, screenshot, sign_in, wait_for_map
from .test_planning import CAMPAIGN_NAME, committed_planning  # noqa: F401  (fixture)
from .test_small_maps import admin  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 375, "height": 740}
SIZES = [pytest.param(DESKTOP, id="1366x800"), pytest.param(PHONE, id="375x740")]
OUTSIDE = re.compile(r"^https?://(?!127\.0\.0\.1[:/])")  # tiles: refused, as in an offline office

# Every visible control of a map (and the status line), as rectangles in page pixels.
CONTROLS = """(selector) => {
  const map = document.querySelector(selector);
  const m = map.getBoundingClientRect();
  const shown = (e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden';
  };
  const name = (e) => e.className.split(' ').filter(
    c => c !== 'leaflet-control' && (c.startsWith('leaflet-control-') || c.startsWith('wm-'))).join(' ');
  const items = [...map.querySelectorAll('.leaflet-control, .wm-status')].filter(shown).map(e => {
    const r = e.getBoundingClientRect();
    return {name: name(e), left: r.left, top: r.top, right: r.right, bottom: r.bottom};
  });
  return {map: {left: m.left, top: m.top, right: m.right, bottom: m.bottom}, items};
}"""


def _assert_no_overlap(page, selector: str) -> list[str]:
    found = page.evaluate(CONTROLS, selector)
    items, frame = found["items"], found["map"]
    for item in items:  # inside the map: nothing cut off at an edge
        assert item["left"] >= frame["left"] - 0.5 and item["right"] <= frame["right"] + 0.5, item
        assert item["top"] >= frame["top"] - 0.5 and item["bottom"] <= frame["bottom"] + 0.5, item
    for i, a in enumerate(items):
        for b in items[i + 1:]:
            overlap_x = min(a["right"], b["right"]) - max(a["left"], b["left"])
            overlap_y = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            assert overlap_x <= 0.5 or overlap_y <= 0.5, (a, b)
    return [item["name"] for item in items]


def _page(browser, size):
    phone = size["width"] < 600
    return recording_page(browser, viewport=size, has_touch=phone, is_mobile=phone)


@pytest.fixture(params=SIZES)
def sized(request, browser):
    gen = _page(browser, request.param)
    page = next(gen)
    page.size = request.param
    page.route(OUTSIDE, lambda route: route.abort())
    yield page
    gen.close()


def _all_overlays_on(page) -> None:
    """Open the legend, open the switcher (a tap, as on a phone) and tick every overlay."""
    legend = page.locator(".wm-legend")
    if legend.get_attribute("open") is None:
        legend.locator("summary").click()
    if page.size["width"] < 600:
        page.locator(".leaflet-control-layers-toggle").tap()  # a phone has no hover
    else:
        page.locator(".leaflet-control-layers").hover()
    page.wait_for_selector(".leaflet-control-layers-expanded")
    boxes = page.locator(".leaflet-control-layers-overlays input[type=checkbox]")
    for i in range(boxes.count()):
        boxes.nth(i).check()
    page.wait_for_function("""() => ['campaigns', 'risk_zones', 'service_desert']
      .every(id => webmap.layers[id] && webmap.layers[id].planningLoaded)
      && webmap.boundaries.departements > 100""", timeout=30_000)


def test_controls_of_the_main_map_do_not_overlap(live_server, sized, committed_planning):  # noqa: F811
    page = sized
    page.goto(live_server + "/")
    wait_for_map(page)
    _all_overlays_on(page)
    page.wait_for_timeout(300)  # the legend's height follows the switcher's (ResizeObserver)
    names = _assert_no_overlap(page, ".folium-map")
    screenshot(page, f"map-overlays-{page.size['width']}.png")
    for wanted in ("leaflet-control-zoom", "leaflet-control-layers leaflet-control-layers-expanded",
                   "wm-legend", "leaflet-control-scale", "leaflet-control-attribution wm-sources"):
        assert wanted in names, names
    # The switcher's last entry can be reached (nothing lies on it) and unticked.
    last = page.locator(".leaflet-control-layers-overlays label").last
    box = last.bounding_box()
    on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('.leaflet-control-layers') !== null",
                           [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    assert on_top
    last.locator("input").uncheck()
    assert not last.locator("input").is_checked()
    # The credits are one line, and name no file.
    credits = page.locator(".wm-sources-line")
    assert credits.bounding_box()["height"] < 20
    assert "toml" not in page.locator(".wm-sources").inner_text()
    page.locator(".wm-sources-toggle").click()
    full = page.locator(".wm-sources-full").inner_text()
    assert "OCHA ROWCA / CNTIG, COD-AB Côte d'Ivoire (CC BY-IGO)" in full and "data/geo" not in full
    assert "Zones à risque\u00a0: critère et source de chaque zone indiqués dans sa fenêtre" in full
    screenshot(page, f"map-sources-{page.size['width']}.png")


def test_controls_of_the_referral_map_do_not_overlap(live_server, sized):
    page = sized
    page.goto(live_server + "/referral?place=2283016&need=shelter")
    page.wait_for_function("() => window.referral && window.referral.ready === true && window.referral.markers > 0",
                           timeout=20_000)
    page.locator("#rf-map").scroll_into_view_if_needed()
    page.wait_for_function("() => Number(document.getElementById('rf-map').dataset.places) > 0")
    names = _assert_no_overlap(page, "#rf-map")
    assert "leaflet-control-zoom" in names
    named = page.locator("#rf-map .wm-place-name").all_inner_texts()
    # The results (shelters) reach across the country: a desktop names the searched town too, a
    # phone's smaller map only the main towns (the searched place is the origin marker there).
    assert "Korhogo" in named and ("Odienné" in named or page.size["width"] < 600), named
    screenshot(page, f"referral-map-{page.size['width']}.png")


def test_controls_of_the_planning_map_do_not_overlap(live_server, sized, committed_planning):  # noqa: F811
    page = sized
    page.goto(live_server + "/planning")
    page.wait_for_function("() => window.webmapPlanning && window.webmapPlanning.ready === true", timeout=30_000)
    for layer in ("campaigns", "risk_zones", "service_desert"):  # every overlay on (the default here)
        assert page.locator(f"#toggle-{layer}").is_checked()
    page.locator("#wp-map").scroll_into_view_if_needed()
    names = _assert_no_overlap(page, "#wp-map")
    assert "leaflet-control-scale" in names and "leaflet-control-attribution wm-sources" in names
    assert page.locator("#wp-map .wm-sources-line").bounding_box()["height"] < 20
    page.wait_for_function("() => Number(document.getElementById('wp-map').dataset.places) > 5")
    screenshot(page, f"planning-map-{page.size['width']}.png")


def test_controls_of_the_position_picker_do_not_overlap(live_server, sized, admin):  # noqa: F811
    page = sized
    sign_in(page, live_server, admin)
    page.goto(live_server + "/directory/services/new")
    page.wait_for_function("() => document.getElementById('wd-picker-map').dataset.ready === 'true'")
    page.get_by_label("Latitude", exact=True).fill("7.69")
    page.get_by_label("Longitude", exact=True).fill("-5.03")
    page.get_by_label("Longitude", exact=True).press("Tab")
    page.locator("#wd-picker-map").scroll_into_view_if_needed()
    names = _assert_no_overlap(page, "#wd-picker-map")
    assert "leaflet-control-attribution wm-sources" in names and "leaflet-control-scale" in names
    screenshot(page, f"picker-{page.size['width']}.png")


# --- place labels ----------------------------------------------------------------------------

LABELS = """() => [...document.querySelectorAll('.folium-map .wm-place-name')].map(e => {
  const r = e.getBoundingClientRect();
  return {name: e.textContent, x: r.left + r.width / 2, y: r.top + r.height / 2};
})"""


def test_the_national_map_names_the_main_towns_and_more_closer(live_server, browser):
    gen = _page(browser, DESKTOP)
    page = next(gen)
    try:
        page.goto(live_server + "/")
        wait_for_map(page)
        page.wait_for_function("() => Number(webmap.map.getContainer().dataset.places) > 0")
        national = page.evaluate(LABELS)
        names = [label["name"] for label in national]
        assert 15 <= len(names) <= 25, names
        for town in ("Abidjan", "Bouaké", "Korhogo", "Daloa", "San-Pédro", "Yamoussoukro"):
            assert town in names, (town, names)
        # Text the browser reads (and a screen reader): in the page's accessibility tree.
        assert page.get_by_text("Bouaké", exact=True).first.is_visible()
        assert "Bouaké" in page.locator(".folium-map").aria_snapshot()
        screenshot(page, "map-labels-national.png")

        # Around Bouaké at zoom 10: more names there than the national view drew in that area.
        page.evaluate("() => webmap.map.setView([7.69, -5.03], 10, {animate: false})")
        page.wait_for_function("() => webmap.map.getZoom() === 10")
        page.wait_for_timeout(200)
        bounds = page.evaluate("() => { const b = webmap.map.getBounds(); "
                               "return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; }")
        close = [label["name"] for label in page.evaluate(LABELS)]
        national_here = page.evaluate(
            """(b) => fetch(document.querySelector('link[href*="/map/places.geojson"]').href).then(r => r.json())
              .then(c => c.features.filter(f => f.properties.rank < 25).filter(f => {
                const [lon, lat] = f.geometry.coordinates;
                return lat >= b[0] && lat <= b[2] && lon >= b[1] && lon <= b[3];
              }).map(f => f.properties.name))""", bounds)
        assert "Bouaké" in close
        assert len(close) > len(national_here) + 3, (close, national_here)
        # Labels do not sit on each other.
        drawn = page.evaluate("""() => [...document.querySelectorAll('.folium-map .wm-place-name')]
          .map(e => e.getBoundingClientRect()).map(r => [r.left, r.top, r.right, r.bottom])""")
        for i, a in enumerate(drawn):
            for b in drawn[i + 1:]:
                assert min(a[2], b[2]) - max(a[0], b[0]) <= 0.5 or min(a[3], b[3]) - max(a[1], b[1]) <= 0.5
        screenshot(page, "map-labels-bouake.png")
    finally:
        gen.close()


# --- popups ----------------------------------------------------------------------------------

LONG_NAME = "Centre d'accompagnement psychosocial et d'hébergement temporaire des enfants de Yamoussoukro"


@pytest.fixture()
def dated_service(database_url):
    """A committed public service verified on 4 December 2026, with a long name; deleted after."""
    engine = create_engine(database_url)
    ids = {}
    with Session(engine) as session:
        org = Organization(name="Organisation e2e des cartes", source="tests-e2e-cartes")
        service = Service(name=LONG_NAME, name_key=fold(LONG_NAME), category="ngo", organization=org,
                          needs=["psychosocial"], source="tests-e2e-cartes", verification="verified",
                          assured_date=dt.date(2026, 12, 4))
        location = Location(organization=org, town="Yamoussoukro", precision="exact", confidential=False,
                            source="tests-e2e-cartes", geom=from_shape(Point(-5.2767, 6.8206), srid=4326))
        session.add_all([org, service, location])
        session.add(ServiceAtLocation(service=service, location=location))
        session.add(Phone(service=service, number="+225 27 30 64 00 00"))
        session.commit()
        ids = {"service": service.id, "organization": org.id}
    try:
        yield str(ids["service"])
    finally:
        with Session(engine) as session:
            purge(session, services=[ids["service"]], organizations=[ids["organization"]])
            session.commit()
        engine.dispose()


def _open_popup(page, service_id: str):
    assert page.evaluate("(id) => webmap.showService(id, true)", service_id)
    popup = page.locator(f'.wm-popup[data-service-id="{service_id}"]')
    popup.wait_for(state="visible")
    return popup


# A word is cut when its letters lie on two lines: its range then has two rectangles.
CUT_WORDS = """(selector) => {
  const root = document.querySelector(selector);
  const cut = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const re = /\\S+/g;
    let m;
    while ((m = re.exec(node.data)) !== null) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (tops.size > 1) cut.push(m[0]);
    }
  }
  return cut;
}"""


def test_popup_links_to_the_record_with_a_french_date(live_server, page, dated_service):
    page.goto(live_server + "/")
    wait_for_map(page)
    popup = _open_popup(page, dated_service)
    assert popup.locator('dd[data-field="assured_date"]').inner_text() == "4 décembre 2026"
    link = popup.get_by_role("link", name="Voir la fiche")
    assert link.get_attribute("href") == f"/directory/services/{dated_service}"
    link.click()
    page.wait_for_url(re.compile(rf"/directory/services/{dated_service}$"))
    assert page.locator("h1").inner_text().strip() == LONG_NAME


def test_on_a_phone_the_map_fits_and_popup_words_are_whole(live_server, browser, dated_service):
    gen = _page(browser, PHONE)
    page = next(gen)
    try:
        page.goto(live_server + "/")
        wait_for_map(page)
        width = page.evaluate("() => ({doc: document.documentElement.scrollWidth, inner: window.innerWidth,"
                              " map: webmap.map.getContainer().getBoundingClientRect().right})")
        assert width["doc"] <= width["inner"] and width["map"] <= width["inner"], width
        popup = _open_popup(page, dated_service)
        page.wait_for_timeout(400)  # the map pans the popup into view
        box = page.locator(".leaflet-popup").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        style = page.evaluate("""() => { const s = getComputedStyle(document.querySelector('.wm-popup-title'));
          return [s.overflowWrap, s.wordBreak, s.hyphens]; }""")
        assert style == ["break-word", "normal", "manual"], style
        screenshot(page, "map-popup-375.png")
        assert page.evaluate(CUT_WORDS, ".leaflet-popup-content") == []
        assert popup.locator(".wm-popup-title").inner_text() == LONG_NAME
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "map-popup-375.png")
    finally:
        gen.close()


def test_the_campaign_popup_reads_like_the_others(live_server, page, committed_planning):  # noqa: F811
    page.goto(live_server + "/")
    wait_for_map(page)
    page.locator(".leaflet-control-layers").hover()
    page.get_by_label("Campagnes de prévention").check()
    page.wait_for_function("() => document.querySelectorAll('path.wp-campaign-demo').length > 0")
    campaign = str(committed_planning["campaign"])
    page.evaluate("""(id) => webmap.layers.campaigns.eachLayer(group => group.eachLayer(l => {
        if (l.feature.properties.id === id) l.openPopup(); }))""", campaign)
    popup = page.locator(f'.wp-popup[data-campaign-id="{campaign}"]')
    popup.wait_for(state="visible")
    assert popup.locator(".wp-demo").inner_text() == "DÉMO" and popup.locator(".wp-demo").is_visible()
    assert popup.locator("h3").inner_text() == CAMPAIGN_NAME
    text = popup.inner_text()
    assert "webmap demo" not in text and "`" not in text
    months = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
    assert re.search(rf"\d{{1,2}} ({months}) \d{{4}} – \d{{1,2}} ({months}) \d{{4}}", text), text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
    # Styled as the structures' popups: the same title size and two-column list.
    title_size = page.evaluate("() => getComputedStyle(document.querySelector('.wp-popup h3')).fontSize")
    assert title_size == "15px"
    assert page.evaluate("() => getComputedStyle(document.querySelector('.wp-popup dl')).display") == "grid"


# --- FR/EN keeps the view and the overlays ---------------------------------------------------

def test_switching_language_keeps_the_view_and_the_overlays(live_server, page):
    page.route(OUTSIDE, lambda route: route.abort())
    page.goto(live_server + "/")
    wait_for_map(page)
    page.evaluate("() => webmap.map.setView([9.458, -5.63], 10, {animate: false})")  # Korhogo
    page.locator(".leaflet-control-layers").hover()
    page.get_by_label("Départements").check()
    page.get_by_label("Régions").uncheck()
    page.locator('.wm-lang a[data-lang="en"]').click()
    page.wait_for_url(re.compile(r"\?lang=en#"))
    wait_for_map(page)
    assert page.locator("html").get_attribute("lang") == "en"
    view = page.evaluate("() => { const c = webmap.map.getCenter(); return [c.lat, c.lng, webmap.map.getZoom()]; }")
    assert view[0] == pytest.approx(9.458, abs=0.001) and view[1] == pytest.approx(-5.63, abs=0.001)
    assert view[2] == 10
    shown = page.evaluate("() => Object.keys(webmap.layers).filter(id => webmap.map.hasLayer(webmap.layers[id]))")
    assert set(shown) == {"departements", "country", "services"}, shown
    page.locator(".leaflet-control-layers").hover()
    assert page.get_by_label("Départements").is_checked() and not page.get_by_label("Regions").is_checked()
    assert "Korhogo" in [label["name"] for label in page.evaluate(LABELS)]
    # And back to French, still there.
    page.locator('.wm-lang a[data-lang="fr"]').click()
    page.wait_for_url(re.compile(r"\?lang=fr#"))
    wait_for_map(page)
    assert page.evaluate("() => webmap.map.getZoom()") == 10
    assert page.evaluate("() => webmap.map.hasLayer(webmap.layers.departements)")


def test_switching_language_keeps_a_referral_search(live_server, page):
    page.goto(live_server + "/referral?place=2283016&need=shelter")
    page.wait_for_function("() => window.referral && window.referral.ready === true")
    page.locator('.wm-lang a[data-lang="en"]').click()
    page.wait_for_url(re.compile(r"lang=en"))
    assert "place=2283016" in page.url and "need=shelter" in page.url
    assert page.locator(".rf-item").count() >= 1


def test_no_service_left_behind(database_url):
    engine = create_engine(database_url)
    with Session(engine) as session:
        assert session.scalars(select(Service.id).where(Service.source == "tests-e2e-cartes")).all() == []
    engine.dispose()
