"""The map with thousands of services, in headless Chromium: the server's clusters, then symbols.

3,000 synthetic services (labelled DÉMO, committed for the live server, always deleted) are
spread over the country: the national view is more than the map draws one by one
(``WEBMAP_MAP_POINTS_LIMIT``, 1000), so the server sends clusters with counts; zoomed in on a
town, the services come one by one with their symbols and popups.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from .conftest import screenshot, wait_for_map

pytestmark = pytest.mark.e2e

SOURCE = "tests-e2e-clusters"
COUNT = 3000

INSERT = """
WITH org AS (
    INSERT INTO organization (id, name, source) VALUES (gen_random_uuid(), 'DÉMO grappes (test)', :source)
    RETURNING id
), gen AS (
    SELECT row_number() OVER () AS i, gen_random_uuid() AS sid, gen_random_uuid() AS lid, d.geom
    FROM admin_area c, LATERAL ST_Dump(ST_GeneratePoints(c.geom, :count, 14)) d
    WHERE c.level = 'adm0'
), loc AS (
    INSERT INTO location (id, organization_id, town, precision, confidential, source, geom)
    SELECT g.lid, org.id, NULL, 'exact', false, :source, g.geom FROM gen g, org
), svc AS (
    INSERT INTO service (id, organization_id, name, name_key, category, needs, status, verification, source)
    SELECT g.sid, org.id, 'DÉMO structure ' || g.i, 'demo structure ' || g.i,
           (ARRAY['chpm', 'health', 'ngo', 'police', 'social_centre'])[1 + g.i % 5], '{}', 'active', 'to_verify',
           :source
    FROM gen g, org
)
SELECT 1
"""

@pytest.fixture()
def many_services(database_url):
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(INSERT), {"source": SOURCE, "count": COUNT})
            # One link per service, to the location made in the same row of ``gen``.
            conn.execute(text("""
                INSERT INTO service_at_location (id, service_id, location_id)
                SELECT gen_random_uuid(), s.id, l.id
                FROM (SELECT id, row_number() OVER (ORDER BY id) r FROM service WHERE source = :source) s
                JOIN (SELECT id, row_number() OVER (ORDER BY id) r FROM location WHERE source = :source) l
                  ON l.r = s.r
            """), {"source": SOURCE})
        yield COUNT
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM service WHERE source = :source"), {"source": SOURCE})
            conn.execute(text("DELETE FROM location WHERE source = :source"), {"source": SOURCE})
            conn.execute(text("DELETE FROM organization WHERE source = :source"), {"source": SOURCE})
        engine.dispose()


def test_the_national_view_shows_counts_and_a_town_its_symbols(live_server, page, many_services):
    page.goto(live_server + "/")
    wait_for_map(page)
    state = page.evaluate("() => ({mode: webmap.mode, total: webmap.total, clusters: webmap.clusters,"
                          " services: webmap.services.length})")
    assert state["mode"] == "clusters" and state["services"] == 0
    counts = [c["count"] for c in state["clusters"]]
    assert sum(counts) == state["total"] >= many_services
    assert max(counts) > 1

    # Drawn as cluster bubbles with their counts, the exact number in the title.
    bubble = page.locator(".wm-server-cluster").first
    bubble.wait_for(state="visible")
    drawn = page.evaluate("""() => [...document.querySelectorAll('.wm-cluster[data-count]')]
      .map(el => ({count: Number(el.dataset.count), text: el.textContent, title: el.title}))""")
    assert drawn and all(d["count"] >= 1 and d["text"].strip() for d in drawn)
    small = [d for d in drawn if d["count"] < 1000]
    assert small and all(d["text"] == str(d["count"]) for d in small)
    assert all(d["title"] == f"{d['count']} structures\u00a0: zoomez pour les voir" for d in drawn)
    # Every service the server counted is in the layer (bubbles merged by the browser add up).
    in_layer = page.evaluate("""() => webmap.layers.services.getLayers()
      .reduce((sum, m) => sum + WebmapClusters.count(m), 0)""")
    assert in_layer == state["total"]
    # The legend lists the categories counted.
    shown = set(page.locator(".wm-legend").get_attribute("data-categories").split(","))
    assert shown >= {"chpm", "health", "ngo", "police", "social_centre"}
    assert page.locator(".wm-status").is_hidden()
    screenshot(page, "map-clusters-1280.png")

    # A click on a bubble zooms in around it (and asks the server for that view).
    zoom = page.evaluate("webmap.map.getZoom()")
    loads = page.evaluate("webmap.loads")
    page.locator(".wm-server-cluster").first.click()
    page.wait_for_function("(n) => webmap.loads > n", arg=loads)
    assert page.evaluate("webmap.map.getZoom()") == zoom + 2

    # Zoomed in on Man: the services one by one, with their symbols and popups.
    loads = page.evaluate("webmap.loads")
    page.evaluate("() => webmap.map.setView([7.41, -7.55], 12, {animate: false})")
    page.wait_for_function("(n) => webmap.loads > n", arg=loads)
    assert page.evaluate("webmap.mode") == "services"
    assert page.evaluate("webmap.clusters.length") == 0
    assert page.locator(".wm-server-cluster").count() == 0
    symbols = page.evaluate("""() => { const b = webmap.map.getBounds();
      return [...document.querySelectorAll('.wm-marker[data-category]')]
        .filter(el => b.contains(webmap.map.containerPointToLatLng(L.point(el.getBoundingClientRect().x,
                                                                           el.getBoundingClientRect().y))))
        .map(el => [el.dataset.category, el.querySelector('use').getAttribute('href')]); }""")
    assert symbols and all(href == "#wm-symbol-" + category for category, href in symbols)
    man = page.evaluate("() => webmap.services.find(s => s.town === 'Man' && s.category === 'chpm').id")
    assert page.evaluate("(id) => webmap.showService(id)", man)
    popup = page.locator(f'.wm-popup[data-service-id="{man}"]')
    popup.wait_for(state="visible")
    assert popup.locator(".wm-popup-title").inner_text().strip()
    screenshot(page, "map-clusters-town-1280.png")
