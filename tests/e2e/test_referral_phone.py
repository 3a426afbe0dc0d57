"""/referral on a 375 px phone in headless Chromium: tap targets of 44 px, a header menu that
shows it scrolls, a map its credits do not cover, one-tap Call and Directions, the map hint only
where the map is shown, and the fallback block with the 116."""

from __future__ import annotations

import pytest

from .conftest import recording_page, screenshot

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 740}


@pytest.fixture()
def phone(browser):
    yield from recording_page(browser, viewport=PHONE, has_touch=True, is_mobile=True)


def _ready(page) -> None:
    page.wait_for_function("() => window.referral && window.referral.ready === true", timeout=20_000)


def _box(page, selector: str) -> dict:
    locator = page.locator(selector).first
    locator.wait_for(state="visible", timeout=10_000)
    return locator.bounding_box()


def test_results_are_usable_with_a_thumb(live_server, phone):
    phone.goto(live_server + "/referral?place=Korhogo&need=reintegration")
    _ready(phone)
    for selector in (
        ".rf-coords > summary", ".rf-options > summary", ".rf-item .rf-more > summary",
        '[data-role="share-link"]', '.rf-item [data-role="call"]', '.rf-item [data-role="route"]',
        ".rf-fallback .rf-tel",
    ):
        box = _box(phone, selector)
        assert box["height"] >= 44 and box["width"] >= 44, (selector, box)
    share = phone.locator('[data-role="share"]')
    if share.is_visible():  # shown where the clipboard can be written
        assert share.bounding_box()["height"] >= 44

    # One tap: call (the 116 for a centre without a number) and directions to the point shown.
    first = phone.locator(".rf-item").first
    assert first.locator('[data-role="call"]').get_attribute("href") == "tel:116"
    data = phone.evaluate("() => JSON.parse(document.getElementById('rf-map-data').textContent).results[0]")
    route = first.locator('[data-role="route"]').get_attribute("href")
    assert route.startswith(f"geo:{data['lat']},{data['lon']}?q=")
    assert first.locator('[data-role="route"]').inner_text() == "Itinéraire"

    # "Si personne ne répond": the helpline from the directory.
    block = phone.locator(".rf-fallback")
    assert block.locator("h2").inner_text() == "Si personne ne répond"
    assert block.locator('a[href="tel:116"]').count() == 1
    screenshot(phone, "referral-phone-fallback.png")


def test_the_map_credits_sit_under_the_map_not_over_it(live_server, phone):
    phone.goto(live_server + "/referral?place=Korhogo&need=reintegration")
    _ready(phone)
    phone.wait_for_function("() => window.referral.markers > 0", timeout=20_000)
    assert phone.locator("#rf-map .leaflet-control-attribution").count() == 0
    credits = phone.locator(".rf-map-credits")
    assert "GeoNames" in credits.inner_text() or "OCHA" in credits.inner_text()
    assert credits.bounding_box()["y"] >= _box(phone, "#rf-map")["y"] + _box(phone, "#rf-map")["height"] - 1


def test_the_header_menu_shows_that_it_scrolls(live_server, phone):
    phone.goto(live_server + "/referral")
    _ready(phone)
    nav = phone.locator(".wm-nav:not(.wm-account)")
    scrolls, image, attachment = nav.evaluate(
        "(n) => [n.scrollWidth > n.clientWidth, getComputedStyle(n).backgroundImage,"
        " getComputedStyle(n).backgroundAttachment]"
    )
    assert scrolls, "at 375 px the menu is wider than the screen"
    assert image.count("linear-gradient") == 4 and "local" in attachment and "scroll" in attachment
    assert _box(phone, ".wm-nav:not(.wm-account) a")["height"] >= 44


def test_no_origin_gets_a_message_and_the_map_hint_where_the_map_is(live_server, phone):
    phone.goto(live_server + "/referral")
    _ready(phone)
    phone.get_by_role("button", name="Trouver les structures").click()
    phone.wait_for_function("() => window.referral.searches >= 1", timeout=20_000)
    alert = phone.locator(".rf-alert")
    assert "Indiquez où se trouve l'enfant" in alert.inner_text()
    assert phone.locator('.rf-alert [data-role="map-hint"]').is_visible()
    assert phone.locator(".rf-fallback a[href='tel:116']").count() == 1
