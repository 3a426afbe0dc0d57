"""The directory's small maps without tiles: the région outlines drawn above the country's fill, and
the gazetteer's towns as labels (the position picker of the form, the minimap of a detail page)."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from webmap.auth.service import create_user
from webmap.models import AppUser, Service

from .conftest import purge, screenshot, sign_in

pytestmark = pytest.mark.e2e

ADMIN_EMAIL = "e2e-cartes@example.org"
REGION_OUTLINE = (0x87, 0x95, 0xA3)  # basemap.js: the régions' stroke colour


@pytest.fixture()
def admin(database_url):
    engine = create_engine(database_url)
    with Session(engine) as session:
        create_user(session, ADMIN_EMAIL, "Aya Traoré (e2e)", "admin", "une phrase assez longue")
        session.commit()
    try:
        yield ADMIN_EMAIL
    finally:
        with Session(engine) as session:
            purge(session, users=session.scalars(select(AppUser.id).where(AppUser.email == ADMIN_EMAIL)),
                  emails=[ADMIN_EMAIL])
            session.commit()
        engine.dispose()


def _outline_pixels(page, selector: str) -> int:
    """Pixels of the map drawn in the région outline's colour (hidden if the fill lay above)."""
    image = Image.open(io.BytesIO(page.locator(selector).screenshot())).convert("RGB")
    return sum(1 for pixel in image.get_flattened_data()
               if all(abs(a - b) <= 12 for a, b in zip(pixel, REGION_OUTLINE, strict=True)))


def _layer_order(page, selector: str) -> dict:
    return page.evaluate("""(selector) => {
      const map = document.querySelector(selector);
      const z = (name) => Number(getComputedStyle(map.querySelector('.leaflet-wd-' + name + '-pane')).zIndex);
      const paths = (name) => map.querySelectorAll('.leaflet-wd-' + name + '-pane path').length;
      return {country: z('country'), regions: z('regions'), towns: z('towns'),
              countryPaths: paths('country'), regionPaths: paths('regions'),
              labels: Array.from(map.querySelectorAll('.wd-town-name')).map((e) => e.textContent)};
    }""", selector)


def test_the_position_picker_shows_region_outlines_above_the_country_and_town_labels(live_server, page, admin):
    sign_in(page, live_server, admin)
    page.goto(live_server + "/directory/services/new")
    page.wait_for_function("() => document.getElementById('wd-picker-map').dataset.ready === 'true'")
    order = _layer_order(page, "#wd-picker-map")
    assert order["country"] < order["regions"] < order["towns"], order
    assert order["countryPaths"] >= 1 and order["regionPaths"] >= 33
    assert _outline_pixels(page, "#wd-picker-map") > 300  # the outlines are seen, not covered by the fill
    assert "Abidjan" in order["labels"] and "Bouaké" in order["labels"]
    screenshot(page, "picker-country.png")
    # Zoomed in on a town, the labels are that area's places.
    page.get_by_label("Latitude", exact=True).fill("9.5051")
    page.get_by_label("Longitude", exact=True).fill("-7.5643")
    page.get_by_label("Longitude", exact=True).dispatch_event("change")
    page.wait_for_function("() => document.querySelector('#wd-picker-map .wd-town-name')"
                           " && Array.from(document.querySelectorAll('#wd-picker-map .wd-town-name'))"
                           ".some((e) => e.textContent === 'Odienné')")
    assert not [url for url in page.requests if not url.startswith(live_server + "/")]
    screenshot(page, "picker-odienne.png")


def test_the_detail_minimap_shows_region_outlines_above_the_country_and_town_labels(live_server, page, database_url):
    engine = create_engine(database_url)
    with Session(engine) as session:
        service_id = session.scalar(select(Service.id).where(Service.name.ilike("%Odienn%")).limit(1))
    engine.dispose()
    assert service_id is not None
    page.goto(f"{live_server}/directory/services/{service_id}")
    page.wait_for_function("() => document.getElementById('wd-minimap').dataset.ready === 'true'")
    page.wait_for_function("() => document.querySelectorAll('#wd-minimap .wd-town-name').length > 0")
    order = _layer_order(page, "#wd-minimap")
    assert order["country"] < order["regions"] < order["towns"], order
    assert order["regionPaths"] >= 2 and order["labels"]
    assert "Odienné" in order["labels"]
    screenshot(page, "detail-minimap.png")
