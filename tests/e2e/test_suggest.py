"""An anonymous visitor on a phone (375 px) reports a wrong number from a directory record, in
headless Chromium: the form is readable, warns about children, hides its honeypot, and the
report lands in the moderation queue without changing the record."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from webmap.models import ChangeProposal, Location, Organization, Phone, Service, ServiceAtLocation
from webmap.text import fold

from .conftest import purge, recording_page, screenshot, wait_for_map
from .test_csp import WATCH

pytestmark = pytest.mark.e2e

NAME = "CHPM e2e de Daloa"


@pytest.fixture()
def chpm(database_url):
    engine = create_engine(database_url)
    with Session(engine) as session:
        ministry = Organization(name="Ministère e2e suggestions", source="tests-e2e")
        service = Service(name=NAME, name_key=fold(NAME), category="chpm", organization=ministry, needs=[],
                          source="tests-e2e")
        location = Location(organization=ministry, town="Daloa", precision="town", confidential=False,
                            source="tests-e2e", geom="SRID=4326;POINT(-6.45 6.88)")
        session.add_all([ministry, service, location])
        session.add(ServiceAtLocation(service=service, location=location))
        session.add(Phone(service=service, number="+225 07 07 00 00 01", type="voice"))
        session.commit()
        ids = {"organization": ministry.id, "service": service.id}
    try:
        yield ids
    finally:
        with Session(engine) as session:
            purge(session, services=[ids["service"]], organizations=[ids["organization"]])
            session.commit()
        engine.dispose()


@pytest.fixture()
def phone_page(browser):
    for page in recording_page(browser, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True):
        page.add_init_script(WATCH)  # Content-Security-Policy violations, in window.__csp
        yield page


def test_a_visitor_reports_a_wrong_phone_from_the_record_on_a_phone(live_server, phone_page, chpm, database_url):
    page = phone_page
    page.goto(f"{live_server}/directory/services/{chpm['service']}")
    page.get_by_role("link", name="Signaler une erreur").click()
    page.wait_for_url(re.compile(r"/suggest\?service="))
    assert page.locator("h1").inner_text() == "Signaler une erreur"
    notice = page.locator("[data-role=child-notice]")
    assert notice.is_visible() and "aucune information sur un enfant" in notice.inner_text()
    box = page.locator("#website").bounding_box()  # the honeypot: off screen, out of the tab order
    assert box["x"] + box["width"] <= 0 and page.locator("#website").get_attribute("tabindex") == "-1"
    # Nothing sticks out of the phone's width.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    page.get_by_label("Ce qui est faux ou manque").fill("Le numéro ne répond plus depuis un mois.")
    page.get_by_label("Téléphone", exact=True).fill("07 08 09 10 11")
    page.get_by_label("D'où vient cette information\u00a0?").fill("J'ai appelé le 2 décembre")
    screenshot(page, "suggest-375.png")
    assert page.evaluate("() => window.__csp") == []
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_function("() => document.querySelector('[data-role=sent]') !== null")
    assert "Merci" in page.locator("[data-role=sent]").inner_text()
    screenshot(page, "suggest-sent-375.png")

    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            proposal = session.scalars(select(ChangeProposal).where(
                ChangeProposal.service_id == chpm["service"])).one()
            assert proposal.kind == "report" and proposal.status == "pending"
            assert proposal.payload["phone"] == "+225 07 08 09 10 11"
            assert session.scalars(select(Phone.number).where(Phone.service_id == chpm["service"])).all() == [
                "+225 07 07 00 00 01"]
    finally:
        engine.dispose()


def test_the_map_popup_links_to_the_form(live_server, page, chpm):
    page.goto(live_server + "/")
    wait_for_map(page)
    service_id = str(chpm["service"])
    assert page.evaluate("(id) => webmap.showService(id)", service_id)
    popup = page.locator(f'.wm-popup[data-service-id="{service_id}"]')
    popup.wait_for(state="visible")
    report = popup.get_by_role("link", name="Signaler une erreur")
    assert report.get_attribute("href") == f"/suggest?service={service_id}"
    assert popup.get_by_role("link", name="Proposer une structure").get_attribute("href") == "/suggest"
    report.click()
    page.wait_for_url(re.compile(r"/suggest\?service="))
    assert NAME in page.locator("[data-about]").inner_text()
