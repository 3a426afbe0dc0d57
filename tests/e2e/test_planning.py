"""/planning in headless Chromium: the overlays toggle, the priority list reads right.

The live server sees committed data only: the fixture commits one level-3 risk zone and one
demonstration campaign of its own (keys/names prefixed "e2e-") and deletes them, and their
history entries, afterwards.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, box
from sqlalchemy import create_engine, delete
from sqlalchemy.orm import Session

from webmap.models import AuditEntry, Campaign, RiskZone

from .conftest import screenshot

pytestmark = pytest.mark.e2e

ZONE_NAME = "e2e — zone de niveau 3 sans campagne"
CAMPAIGN_NAME = "DÉMO — e2e campagne radio"
READY = "() => window.webmapPlanning && window.webmapPlanning.ready === true"
# Far in the north-east, well away from every shelter of the seed (score 100 when uncovered).
ZONE = MultiPolygon([box(-3.4, 9.6, -3.2, 9.8)])
CAMPAIGN = MultiPolygon([box(-4.2, 9.2, -3.9, 9.5)])


@pytest.fixture()
def committed_planning(database_url):
    engine = create_engine(database_url)
    today = dt.date.today()
    ids = {"zone": uuid.uuid4(), "campaign": uuid.uuid4()}
    with Session(engine) as session:
        session.add(
            RiskZone(
                id=ids["zone"], key="e2e:zone", name=ZONE_NAME, kind="border_crossing", level=3,
                area=from_shape(ZONE, srid=4326), criterion="e2e", source="tests", date=today, is_reference=False,
            )
        )
        session.add(
            Campaign(
                id=ids["campaign"], name=CAMPAIGN_NAME, organization="Organisation fictive (DÉMO)",
                theme="child_trafficking", channel="radio", start_date=today - dt.timedelta(days=10),
                end_date=today - dt.timedelta(days=3), people_reached=1000, target_groups=[], area_pcodes=[],
                area=from_shape(CAMPAIGN, srid=4326), source="DÉMO : e2e", is_demo=True,
            )
        )
        session.commit()
    try:
        yield ids
    finally:
        with Session(engine) as session:
            session.execute(delete(Campaign).where(Campaign.id == ids["campaign"]))
            session.execute(delete(RiskZone).where(RiskZone.id == ids["zone"]))
            # Their history (creation, deletion) too: the database is left as it was found.
            session.execute(delete(AuditEntry).where(AuditEntry.resource_id.in_([str(i) for i in ids.values()])))
            session.commit()
        engine.dispose()


def _count(page, selector: str) -> int:
    return page.evaluate(f"() => document.querySelectorAll('#wp-map {selector}').length")


def test_overlays_toggle_and_the_priority_list_reads(live_server, page, committed_planning):
    page.goto(live_server + "/planning")
    page.wait_for_function(READY, timeout=30_000)
    screenshot(page, "planning.png")

    assert page.locator("html").get_attribute("lang") == "fr"
    counts = page.evaluate("() => window.webmapPlanning.counts")
    assert counts["campaigns"] >= 1 and counts["risk_zones"] >= 1 and counts["service_desert"] == 1
    assert _count(page, "path.wp-campaign") == counts["campaigns"]
    assert _count(page, "path.wp-risk") == counts["risk_zones"]
    assert _count(page, "path.wp-desert") == 1
    # At-risk zones are hatched: their fill is an SVG pattern of their level.
    fill = page.evaluate("() => document.querySelector('#wp-map path.wp-risk-3').getAttribute('fill')")
    assert fill == "url(#wp-hatch-3)"
    assert page.evaluate("() => !!document.querySelector('#wp-hatch-3')")

    # Toggle each overlay off and on: its shapes and its legend follow.
    for layer, selector in (("campaigns", "path.wp-campaign"), ("risk_zones", "path.wp-risk"),
                            ("service_desert", "path.wp-desert")):
        box = page.locator(f"#toggle-{layer}")
        legend = page.locator(f'#wp-legend section[data-layer="{layer}"]')
        assert box.is_checked() and legend.is_visible()
        box.uncheck()
        assert _count(page, selector) == 0
        assert not legend.is_visible()
        box.check()
        page.wait_for_function(f"() => document.querySelectorAll('#wp-map {selector}').length > 0")
        assert legend.is_visible()

    # The demonstration campaign says so in its popup.
    page.evaluate(
        """() => {
          const layer = window.webmapPlanning.layers.campaigns;
          layer.eachLayer(l => { if (l.feature.properties.is_demo) { l.openPopup(); } });
        }"""
    )
    popup = page.locator(".leaflet-popup-content .wp-popup-demo").first
    assert "DÉMO" in popup.inner_text()

    # The priority list: our uncovered level-3 zone, far from every shelter, comes first.
    first = page.locator("#wp-priorities tbody tr").first
    assert first.get_attribute("data-zone") == str(committed_planning["zone"])
    assert first.get_attribute("data-rank") == "1"
    assert float(first.get_attribute("data-score")) == pytest.approx(100.0)
    assert ZONE_NAME in first.inner_text()
    assert "Niveau 3" in first.inner_text()

    # The coverage table, the chart and the desert with its population are on the page.
    assert page.locator("#wp-coverage").get_attribute("data-rows") == "33"
    assert page.locator("svg.wm-chart").count() == 1
    population = page.locator('[data-summary="desert-population"]').inner_text()
    assert population.replace("\u202f", "").replace("\xa0", "").replace(" ", "").isdigit()

    # Everything came from the app itself.
    assert [url for url in page.requests if not url.startswith(live_server + "/")] == []


def test_overlays_on_the_main_map_come_from_the_catalogue(live_server, page, committed_planning):
    page.goto(live_server + "/")
    page.wait_for_function("() => window.webmap && window.webmap.ready === true", timeout=30_000)
    # Off by default: no overlay drawn, no planning script loaded yet.
    assert page.evaluate("() => document.querySelectorAll('path.wp-risk, path.wp-campaign').length") == 0
    assert page.evaluate("() => !window.webmapPlanningOverlays")
    page.locator(".leaflet-control-layers").hover()
    page.get_by_label("Zones à risque").check()
    page.get_by_label("Campagnes de prévention").check()
    page.wait_for_function("() => document.querySelectorAll('path.wp-risk-3').length > 0")
    page.wait_for_function("() => document.querySelectorAll('path.wp-campaign-demo').length > 0")
    legend = page.locator(".wm-legend")
    assert legend.locator('section[data-layer="risk_zones"]').count() == 1
    assert "Niveau 3" in legend.locator('section[data-layer="risk_zones"]').inner_text()
    assert legend.locator('section[data-layer="campaigns"]').count() == 1
    assert "Zones à risque" in page.locator(".leaflet-control-attribution").inner_text()
    page.get_by_label("Zones à risque").uncheck()
    assert page.evaluate("() => document.querySelectorAll('path.wp-risk').length") == 0
    assert legend.locator('section[data-layer="risk_zones"]').count() == 0
    assert [url for url in page.requests if not url.startswith(live_server + "/")] == []


def _folded(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c)).lower()


def test_tables_sort_by_any_column_and_read_well(live_server, page, committed_planning):
    page.goto(live_server + "/planning")
    page.wait_for_function("() => document.querySelector('#wp-coverage').dataset.sortable === 'ready'")
    table = page.locator("#wp-coverage")

    def column(index: int) -> list[str]:
        return page.evaluate(
            "() => [...document.querySelectorAll('#wp-coverage tbody tr')]"
            f".map(r => r.cells[{index}].textContent.trim())"
        )

    def keys(index: int) -> list[float]:
        return page.evaluate(
            f"() => [...document.querySelectorAll('#wp-coverage tbody tr')]"
            f".map(r => r.cells[{index}].dataset.sort).filter(v => v !== undefined).map(Number)"
        )

    # Population (column 2): ascending, then descending; the heading says which.
    population = table.locator("thead th").nth(2)
    population.locator("button").click()
    assert population.get_attribute("aria-sort") == "ascending"
    assert keys(2) == sorted(keys(2)) and len(keys(2)) == 33
    population.locator("button").click()
    assert population.get_attribute("aria-sort") == "descending"
    assert keys(2) == sorted(keys(2), reverse=True)
    assert table.locator("thead th[aria-sort]").count() == 1
    # Names sort the French way: accents do not send "Été" after "Z".
    table.locator("thead th").nth(0).locator("button").click()
    names = column(0)
    assert names == sorted(names, key=_folded)
    # By keyboard: the heading button takes Enter.
    share = table.locator("thead th").nth(5).locator("button")
    share.focus()
    page.keyboard.press("Enter")
    assert table.locator("thead th").nth(5).get_attribute("aria-sort") == "ascending"
    # The priority table sorts too, keeping its first ten rows in view.
    priorities = page.locator("#wp-priorities")
    priorities.locator("thead th").nth(1).locator("button").click()
    scores = page.evaluate(
        "() => [...document.querySelectorAll('#wp-priorities tbody tr')].map(r => Number(r.dataset.score))"
    )
    assert scores == sorted(scores)
    assert page.locator("#wp-priorities tbody").first.locator("tr").count() == min(10, len(scores))

    # Scrollable areas take the keyboard focus (tab reaches them) and have a name.
    wraps = page.locator(".wp-table-wrap, figure.wp-chart")
    for i in range(wraps.count()):
        assert wraps.nth(i).get_attribute("tabindex") == "0" and wraps.nth(i).get_attribute("aria-label")
    # Chart labels are at least 12 px; no red–green pair among the bar colours.
    sizes = page.evaluate(
        "() => [...document.querySelectorAll('svg.wm-chart text')].map(t => parseFloat(getComputedStyle(t).fontSize))"
    )
    assert sizes and min(sizes) >= 12
    fills = set(page.evaluate(
        "() => [...document.querySelectorAll('svg.wm-chart rect[fill]')].map(r => r.getAttribute('fill'))"
    ))
    assert fills and not fills & {"#b91c1c", "#15803d", "#ff0000", "#00ff00", "#008000"}
    # Headings never skip a level.
    levels = page.evaluate(
        "() => [...document.querySelectorAll('main h1, main h2, main h3, main h4')].map(h => Number(h.tagName[1]))"
    )
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    # The legend marks the demonstration campaigns.
    assert "DÉMO" in page.locator("#wp-legend section[data-layer='campaigns']").inner_text()
    screenshot(page, "planning-sorted.png")
