"""Offline field mode in headless Chromium (service workers on): one visit to /referral with the
network, then the same searches with none; the stored package refreshed; nothing confidential or
signed-in kept on the device; a new release replacing the worker's cache."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from webmap.auth.service import create_user
from webmap.models import Location, Organization, Service, ServiceAtLocation
from webmap.text import fold

from .conftest import PASSWORD, purge, recording_page, screenshot, sign_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 740}
ODIENNE_CHPM = "Centre d'hébergement pour mineurs (CHPM) d'Odienné"
STAFF_EMAIL = "e2e-offline@example.org"
SECRET = (-4.99213, 7.72468)  # a confidential shelter's exact point, 4.8 km from Bouaké's centre
STATIC = Path(__file__).resolve().parents[2] / "webmap" / "static"


@pytest.fixture()
def phone(browser):
    yield from recording_page(browser, viewport=PHONE, has_touch=True, is_mobile=True, service_workers="allow")


def _ready(page) -> None:
    page.wait_for_function("() => window.referral && window.referral.ready === true", timeout=20_000)


def _first_visit(page, base: str) -> None:
    """Online once: the worker installs its shell, the package is stored."""
    page.goto(base + "/referral")
    _ready(page)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    page.wait_for_function("() => window.referral.offlineChecked === true", timeout=30_000)
    assert page.evaluate("() => WebmapOffline.info().then(i => i && i.version)")


def _stored_package_text(page) -> str:
    return page.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open("webmap-offline");
        open.onsuccess = () => {
            const tx = open.result.transaction("package", "readonly");
            const all = tx.objectStore("package").getAll();
            all.onsuccess = () => resolve(JSON.stringify(all.result));
            all.onerror = () => reject(all.error);
        };
        open.onerror = () => reject(open.error);
    })""")


def _shown(page) -> dict:
    """What the results say, part by part (the offline banner aside)."""
    return page.evaluate("""() => {
        const box = document.getElementById("rf-results-inner");
        const text = (selector) => [...box.querySelectorAll(selector)].map(e => e.innerText);
        return {heading: text(".rf-heading"), origin: text(".rf-origin-line"), items: text(".rf-item"),
                hrefs: [...box.querySelectorAll(".rf-item a, .rf-actions a")].map(a => a.getAttribute("href")),
                method: text(".rf-method"), fallback: text("[data-role=fallback]")};
    }""")


def test_the_odienne_search_and_a_shared_link_work_offline(live_server, phone):
    _first_visit(phone, live_server)
    phone.goto(live_server + "/referral?place=2283016&need=shelter&age=12")
    _ready(phone)
    online = _shown(phone)
    phone.goto(live_server + "/referral")
    _ready(phone)
    phone.context.set_offline(True)
    phone.reload()
    _ready(phone)
    assert phone.locator("h1").inner_text() == "Orienter un enfant"

    phone.locator("#rf-place").press_sequentially("odienne", delay=30)
    option = phone.locator("#rf-place-list [role=option]").first
    option.wait_for(timeout=10_000)
    assert option.locator(".rf-option-name").inner_text() == "Odienné"
    option.click()
    phone.get_by_label("Hébergement").check()
    phone.locator("#rf-age").fill("12")
    phone.get_by_role("button", name="Trouver les structures").click()
    phone.wait_for_function("() => window.referral.searches >= 1", timeout=20_000)

    assert phone.evaluate("() => window.referral.offline") is True
    banner = phone.locator("[data-role=offline-banner]").inner_text()
    assert re.match(r"Hors ligne — données du \d{1,2} \w+ \d{4}", banner), banner
    first = phone.locator(".rf-item").first
    assert first.locator(".rf-name").inner_text() == ODIENNE_CHPM
    assert "à moins d'un kilomètre" in first.locator(".rf-distance").inner_text()
    assert first.locator("a.rf-tel, a.rf-call").count() >= 1
    assert first.locator("a.rf-call").get_attribute("href").startswith("tel:")
    assert "Si personne ne répond" in phone.locator("[data-role=fallback]").inner_text()
    assert "place=2283016" in phone.url and "need=shelter" in phone.url and "age=12" in phone.url
    # The same answer as the server's, drawn the same way.
    offline = _shown(phone)
    for part in online:
        assert offline[part] == online[part], part
    phone.locator("[data-role=offline-banner]").scroll_into_view_if_needed()
    screenshot(phone, "referral-offline.png")

    # A shareable link opened with no network shows its results.
    phone.goto(live_server + "/referral?place=2283016&need=shelter&age=12")
    _ready(phone)
    phone.wait_for_function("() => window.referral.searches >= 1", timeout=20_000)
    assert phone.locator(".rf-item .rf-name").first.inner_text() == ODIENNE_CHPM
    assert phone.locator("#rf-place").input_value() == "Odienné"
    assert phone.locator("[data-role=offline-banner]").count() == 1
    assert phone.evaluate("() => window.referral.markers") >= 1

    # The printable sheet, built on the device.
    with phone.context.expect_page() as opened:
        phone.locator('a[data-role="sheet"]').click()
    sheet = opened.value
    sheet.wait_for_function("() => document.querySelector('.rf-sheet[data-offline]') !== null", timeout=20_000)
    assert sheet.locator(".rf-sheet-list h2").first.inner_text() == ODIENNE_CHPM
    assert "Si personne ne répond" in sheet.locator(".rf-sheet").inner_text()
    assert sheet.locator(".rf-sheet-map circle").count() == sheet.locator(".rf-sheet-list > li").count() == 3
    screenshot(sheet, "referral-sheet-offline.png")


@pytest.fixture()
def changed_record(database_url):
    """A committed service the test renames, deleted afterwards."""
    engine = create_engine(database_url)
    with Session(engine) as session:
        org = Organization(name="ONG e2e hors ligne", source="tests-e2e")
        session.add(org)
        session.flush()
        service = Service(name="Cellule e2e hors ligne", name_key=fold("Cellule e2e hors ligne"), category="ngo",
                          organization=org, needs=[], source="tests-e2e")
        location = Location(organization=org, town="Man", precision="town", confidential=False, source="tests-e2e",
                            geom="SRID=4326;POINT(-7.55 7.41)")
        session.add_all([service, location])
        session.add(ServiceAtLocation(service=service, location=location))
        session.commit()
        ids = {"org": org.id, "service": service.id}
    try:
        yield engine, ids
    finally:
        with Session(engine) as session:
            purge(session, services=[ids["service"]], organizations=[ids["org"]])
            session.commit()
        engine.dispose()


def test_the_stored_data_refreshes_with_a_304_then_a_full_download(live_server, phone, changed_record):
    engine, ids = changed_record
    _first_visit(phone, live_server)
    statuses = []
    phone.on("response", lambda r: statuses.append(r.status) if r.url.endswith("/api/v1/offline") else None)
    before = phone.evaluate("() => WebmapOffline.info().then(i => i.version)")

    assert phone.evaluate("() => WebmapOffline.refresh()") == {"status": "unchanged", "version": before}
    assert statuses == [304]
    button = phone.get_by_role("button", name="Mettre à jour les données")
    assert button.is_visible()
    assert phone.locator("[data-role=offline-info]").inner_text().startswith("Données hors ligne\u00a0: ")

    with Session(engine) as session:
        session.execute(text("UPDATE service SET name = 'Cellule e2e renommée' WHERE id = :id"), {"id": ids["service"]})
        session.commit()
    button.click()
    phone.wait_for_function("() => document.querySelector('[data-role=offline-said]').textContent.length > 0 && "
                            "!document.querySelector('[data-role=offline-update]').disabled", timeout=20_000)
    assert phone.locator("[data-role=offline-said]").inner_text() == "Données mises à jour."
    assert statuses[-1] == 200
    after = phone.evaluate("() => WebmapOffline.info().then(i => i.version)")
    assert after != before
    assert "Cellule e2e renommée" in _stored_package_text(phone)

    phone.context.set_offline(True)
    assert phone.evaluate("() => WebmapOffline.refresh().then(o => o.status)") == "offline"


@pytest.fixture()
def staff_and_secret(database_url):
    """A referral officer, and a confidential shelter whose exact point only staff may see."""
    engine = create_engine(database_url)
    with Session(engine) as session:
        org = Organization(name="ONG e2e refuge", source="tests-e2e")
        session.add(org)
        session.flush()
        town = session.execute(text("SELECT id FROM place WHERE name = 'Bouaké' ORDER BY population DESC NULLS LAST "
                                    "LIMIT 1")).scalar_one()
        service = Service(name="Refuge e2e secret", name_key=fold("Refuge e2e secret"), category="chpm",
                          organization=org, needs=["shelter"], source="tests-e2e")
        location = Location(organization=org, town="Bouaké", place_id=town, precision="exact", confidential=True,
                            address="Lot 4417 e2e", public_contact="Centre social de Bouaké", source="tests-e2e",
                            geom=f"SRID=4326;POINT({SECRET[0]} {SECRET[1]})")
        session.add_all([service, location])
        session.add(ServiceAtLocation(service=service, location=location))
        user = create_user(session, STAFF_EMAIL, "Agent e2e hors ligne", "referral", PASSWORD)
        session.commit()
        ids = {"org": org.id, "service": service.id, "user": user.id}
    try:
        yield ids
    finally:
        with Session(engine) as session:
            purge(session, services=[ids["service"]], organizations=[ids["org"]], users=[ids["user"]],
                  emails=[STAFF_EMAIL])
            session.commit()
        engine.dispose()


def _cached(page) -> list[str]:
    return page.evaluate("""async () => {
        const found = [];
        for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) found.push(request.url);
        }
        return found;
    }""")


def _cached_text(page) -> str:
    return page.evaluate("""async () => {
        let all = "";
        for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) {
                const response = await cache.match(request);
                const type = response.headers.get("Content-Type") || "";
                if (/html|json|javascript/.test(type)) all += await response.text();
            }
        }
        return all;
    }""")


def _stored_point(page, name: str) -> list:
    return page.evaluate("""(name) => WebmapOffline.ready().then(pkg => {
        const f = pkg.services.fields, row = pkg.services.rows.find(r => r[f.indexOf("name")] === name);
        const location = row[f.indexOf("locations")][0];
        return [location[2], location[3], location[4]];
    })""", name)


def _bouake(page) -> list:
    """Bouaké's point in the stored gazetteer (the town a confidential shelter is shown at)."""
    return page.evaluate("""() => WebmapOffline.ready().then(pkg => {
        const f = pkg.places.fields;
        const towns = pkg.places.rows.filter(r => r[f.indexOf("name")] === "Bouaké")
            .sort((a, b) => b[f.indexOf("population")] - a[f.indexOf("population")]);
        return [towns[0][f.indexOf("lon")], towns[0][f.indexOf("lat")], 1];
    })""")


def test_staff_leave_nothing_confidential_or_signed_in_on_the_device(live_server, phone, staff_and_secret):
    # The gazetteer and the boundaries hold thousands of numbers: the exact point's 5 decimals,
    # and the shelter's own stored point, are what is checked.
    needles = [f"{v:.5f}" for v in SECRET] + ["Lot 4417 e2e"]
    sign_in(phone, live_server, STAFF_EMAIL)
    _first_visit(phone, live_server)
    # Staff see the exact point online; the stored package is the public one.
    phone.goto(live_server + f"/referral?lat={SECRET[1]}&lon={SECRET[0]}&need=shelter")
    _ready(phone)
    phone.wait_for_function("() => window.referral.offlineChecked === true", timeout=30_000)
    assert _stored_point(phone, "Refuge e2e secret") == _bouake(phone)
    phone.goto(live_server + "/directory/")
    phone.goto(live_server + "/api/v1/services?category=chpm")
    stored = _stored_package_text(phone)
    assert "Refuge e2e secret" in stored
    for needle in needles:
        assert needle not in stored, needle
    # The worker's cache: the anonymous shell only, never a signed-in page or the API.
    urls = _cached(phone)
    pages = [u for u in urls if "/static/" not in u]  # the app's own files are the same for all
    assert pages and not [u for u in pages if "/api/" in u or "/directory" in u or "/auth/" in u]
    cached = _cached_text(phone)
    assert "Agent e2e hors ligne" not in cached and STAFF_EMAIL not in cached
    for needle in needles:
        assert needle not in cached, needle

    phone.goto(live_server + "/referral")
    _ready(phone)
    phone.wait_for_function("() => window.referral.offlineChecked === true", timeout=30_000)
    cleared = []
    phone.on("request", lambda r: cleared.append(r.url) if r.url.endswith("/auth/logout") else None)
    phone.get_by_role("button", name="Se déconnecter").click()
    phone.wait_for_url(re.compile(r"^https?://[^/]+/$"))  # the map itself, after sign-out
    # Signing out emptied the store before the form was sent (the map page, where sign-out lands,
    # stores nothing by itself; a page that does later stores the public package).
    assert cleared and _stored_package_text(phone) == "[]"
    stored = _stored_package_text(phone)
    for needle in needles:
        assert needle not in stored, needle
    assert "Agent e2e hors ligne" not in _cached_text(phone)


def test_a_new_release_replaces_the_workers_cache(live_server, phone):
    _first_visit(phone, live_server)
    names = phone.evaluate("() => caches.keys()")
    assert len([n for n in names if n.startswith("webmap-shell-")]) == 1
    marker = STATIC / "offline" / f"release-{uuid.uuid4().hex[:8]}.txt"
    marker.write_text("a new release of the static files\n")
    try:
        phone.reload()
        _ready(phone)
        phone.wait_for_function("() => window.webmapApp.updated === true", timeout=30_000)
        assert phone.locator("#wm-update").is_visible()
        assert "Une nouvelle version de webmap est installée" in phone.locator("#wm-update").inner_text()
        phone.wait_for_function("async (old) => { const k = await caches.keys(); return "
                                "k.filter(n => n.startsWith('webmap-shell-')).length === 1 && !k.includes(old); }",
                                arg=names[0], timeout=30_000)
    finally:
        marker.unlink()
