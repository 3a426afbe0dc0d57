"""/referral in headless Chromium on a 375 px wide phone, against the live app and the loaded
database: the Odienné search a referral officer would make, and its shareable URL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import recording_page, screenshot

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 740}


@pytest.fixture()
def phone(browser):
    """A fresh phone-sized page (touch, 375 × 740 CSS px); ``phone.requests`` lists every URL."""
    yield from recording_page(browser, viewport=PHONE, has_touch=True, is_mobile=True)


def _ready(page) -> None:
    page.wait_for_function("() => window.referral && window.referral.ready === true", timeout=20_000)


def test_odienne_shelter_search_on_a_phone(live_server, phone):
    phone.goto(live_server + "/referral")
    _ready(phone)
    assert phone.locator("h1").inner_text() == "Orienter un enfant"

    # Type without accents; the autocomplete offers Odienné, accents and all.
    phone.locator("#rf-place").press_sequentially("odienne", delay=30)
    option = phone.locator("#rf-place-list [role=option]").first
    option.wait_for(timeout=10_000)
    assert option.locator(".rf-option-name").inner_text() == "Odienné"
    option.click()
    assert phone.locator("#rf-place").input_value() == "Odienné"

    phone.get_by_label("Hébergement").check()
    phone.get_by_role("button", name="Trouver les structures").click()
    phone.wait_for_function("() => window.referral.searches >= 1", timeout=20_000)

    first = phone.locator(".rf-item").first
    assert first.locator(".rf-name").inner_text() == "Centre d'hébergement pour mineurs (CHPM) d'Odienné"
    assert "à moins d'un kilomètre" in first.locator(".rf-distance").inner_text()
    assert phone.locator(".rf-item").count() == 5
    assert phone.evaluate("() => window.referral.markers") == 5

    # The address bar now reproduces the search.
    query = parse_qs(urlsplit(phone.url).query)
    assert query == {"place": ["2283016"], "need": ["shelter"]}

    # Usable at 375 px: nothing in the panel is wider than the screen.
    overflow = phone.evaluate(
        "() => [...document.querySelectorAll('.rf-panel *')].filter(e => e.getBoundingClientRect().right > 376)"
        ".map(e => e.className || e.tagName).slice(0, 5)"
    )
    assert overflow == []
    screenshot(phone, "referral-phone.png")

    # Everything came from the app itself.
    assert [url for url in phone.requests if not url.startswith(live_server + "/")] == []


def test_shared_url_shows_the_same_results_and_the_map(live_server, phone):
    phone.goto(live_server + "/referral?place=2283016&need=shelter")
    _ready(phone)
    assert phone.locator("#rf-place").input_value() == "Odienné"
    assert phone.locator(".rf-item .rf-name").first.inner_text().endswith("d'Odienné")
    phone.wait_for_function("() => window.referral.boundaries > 30", timeout=20_000)
    assert phone.evaluate("() => window.referral.markers") == 5
    sheet = phone.locator('a[data-role="sheet"]').get_attribute("href")
    assert parse_qs(urlsplit(sheet).query) == {"place": ["2283016"], "need": ["shelter"]}


def test_clicking_the_map_searches_from_that_point(live_server, page):
    page.goto(live_server + "/referral?need=shelter")
    _ready(page)
    page.wait_for_function("() => window.referral.boundaries > 30", timeout=20_000)
    # Click on the map where Soubré is.
    point = page.evaluate(
        "() => { const p = window.referral.map.latLngToContainerPoint([5.78377, -6.59388]); return [p.x, p.y]; }"
    )
    page.locator("#rf-map").click(position={"x": point[0], "y": point[1]})
    page.wait_for_function("() => window.referral.searches >= 1", timeout=20_000)
    assert page.locator(".rf-item .rf-name").first.inner_text().endswith("de Soubré")
    assert "lat=" in page.url and "lon=" in page.url and "need=shelter" in page.url


def test_a_misspelt_town_asks_which_place_and_one_tap_chooses(live_server, phone):
    """Typing "Korogo" (meaning Korhogo) on a phone: the page asks, one tap on Korhogo searches from it."""
    phone.goto(live_server + "/referral")
    _ready(phone)
    phone.locator("#rf-place").press_sequentially("Korogo", delay=30)
    phone.locator("#rf-place").press("Escape")
    phone.get_by_label("Hébergement").check()
    phone.get_by_role("button", name="Trouver les structures").click()
    phone.wait_for_function("() => window.referral.searches >= 1", timeout=20_000)

    question = phone.locator(".rf-question")
    assert question.inner_text().startswith("Vouliez-vous dire Korhogo (Poro)")
    assert "Korogola (Tchologo)" in question.inner_text()
    assert phone.locator(".rf-item").count() == 0  # no results from a place it guessed
    choice = question.get_by_role("link", name="Korhogo", exact=True)
    box = choice.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= 376  # one tap, on the screen
    choice.click()
    phone.wait_for_function("() => window.referral.searches >= 2", timeout=20_000)

    assert phone.locator("#rf-place").input_value() == "Korhogo"
    assert "Korhogo" in phone.locator(".rf-origin-line").inner_text()
    assert phone.locator(".rf-item").count() >= 1
    assert parse_qs(urlsplit(phone.url).query)["place"] == ["2286304"]
    screenshot(phone, "referral-did-you-mean.png")
