"""axe-core in Chromium on the pages people use, in French and in English: no serious or critical
violation (WCAG 2.1 A and AA rules, plus axe's best practices).

axe-core comes from npm at the version pinned in tests/e2e/package-lock.json (`make test` runs
`npm ci` there); it is a test tool, never served by the app. It is injected through the DevTools
protocol (``page.evaluate``), which the page's CSP does not govern, so the pages are tested with
their real CSP on.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from webmap.auth.service import create_user
from webmap.models import AppUser, Service

from .conftest import PASSWORD, purge, recording_page, sign_in, wait_for_map

pytestmark = pytest.mark.e2e

AXE = Path(__file__).with_name("node_modules") / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
EMAIL = "e2e-a11y@example.org"
RUN = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    resultTypes: ["violations"],
  });
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " — " + n.failureSummary.split("\\n")[1])}));
}"""


def _axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: `make test` installs it (npm ci in tests/e2e)")
    return AXE.read_text(encoding="utf-8")


def blocking_violations(page) -> list[dict]:
    page.evaluate(_axe_source())
    found = page.evaluate(RUN)
    return [v for v in found if v["impact"] in BLOCKING]


def _report(violations: list[dict]) -> str:
    return json.dumps(violations, ensure_ascii=False, indent=1)


@pytest.fixture()
def editor(database_url):
    engine = create_engine(database_url)
    with Session(engine) as session:
        user = create_user(session, EMAIL, "Accessibilité (e2e)", "admin", PASSWORD)
        session.commit()
        user_id = user.id
    try:
        yield EMAIL
    finally:
        with Session(engine) as session:
            purge(session, users=[user_id], emails=[EMAIL])
            session.commit()
        engine.dispose()


def _a_detail_path(database_url) -> str:
    engine = create_engine(database_url)
    with Session(engine) as session:
        service_id = session.scalars(
            select(Service.id).where(Service.status == "active").order_by(Service.name)).first()
    engine.dispose()
    return f"/directory/services/{service_id}"


PUBLIC_PAGES = [
    ("map", "/"),
    ("referral", "/referral"),
    ("referral-results", "/referral?place=Odienn%C3%A9&need=shelter&age=12"),
    ("directory", "/directory/"),
    ("planning", "/planning"),
    ("print", "/print"),
    ("login", "/auth/login"),
]


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize(("name", "path"), PUBLIC_PAGES, ids=[name for name, _ in PUBLIC_PAGES])
def test_public_pages_have_no_serious_violation(browser, live_server, name, path, lang):
    for page in recording_page(browser, viewport={"width": 1280, "height": 800}):
        separator = "&" if "?" in path else "?"
        page.goto(f"{live_server}{path}{separator}lang={lang}", wait_until="networkidle")
        if name == "map":
            wait_for_map(page)
        assert page.locator("html").get_attribute("lang") == lang
        violations = blocking_violations(page)
        assert not violations, f"{path} ({lang}):\n{_report(violations)}"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_detail_page_and_service_form_have_no_serious_violation(browser, live_server, database_url, editor, lang):
    for page in recording_page(browser, viewport={"width": 1280, "height": 800}):
        detail = _a_detail_path(database_url)
        page.goto(f"{live_server}{detail}?lang={lang}", wait_until="networkidle")
        violations = blocking_violations(page)
        assert not violations, f"{detail} ({lang}, public):\n{_report(violations)}"
        page.goto(f"{live_server}/?lang=fr")
        sign_in(page, live_server, editor)
        for path in ("/directory/services/new", detail):
            page.goto(f"{live_server}{path}?lang={lang}", wait_until="networkidle")
            violations = blocking_violations(page)
            assert not violations, f"{path} ({lang}, signed in):\n{_report(violations)}"


def test_the_check_can_fail(browser, live_server):
    """A page with an unlabelled field and an image without text is reported."""
    for page in recording_page(browser):
        page.goto(live_server + "/auth/login")
        page.evaluate("""() => {
          const input = document.createElement('input'); input.type = 'text';
          document.querySelector('main').appendChild(input);
          const img = document.createElement('img'); img.src = '/static/favicon.svg';
          document.querySelector('main').appendChild(img);
        }""")
        ids = {v["id"] for v in blocking_violations(page)}
        assert {"label", "image-alt"} <= ids


def test_no_account_left_behind(database_url):
    engine = create_engine(database_url)
    with Session(engine) as session:
        assert session.scalar(select(AppUser.id).where(AppUser.email == EMAIL)) is None
    engine.dispose()


def test_skip_link_and_focus_ring(browser, live_server):
    for page in recording_page(browser, viewport={"width": 1280, "height": 800}):
        page.goto(live_server + "/referral")
        page.keyboard.press("Tab")
        skip = page.locator(":focus")
        assert skip.inner_text() == "Aller au contenu"
        box = skip.bounding_box()
        assert box and box["y"] >= 0, "the skip link shows when focused"
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "wm-content"
        # The next Tab lands inside the page's content, with a visible ring.
        page.keyboard.press("Tab")
        ring = page.evaluate("""() => {
          const el = document.activeElement, style = getComputedStyle(el);
          return {inMain: !!el.closest('main'), outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
                  halo: style.boxShadow};
        }""")
        assert ring["inMain"] and ring["outline"] != "none" and ring["width"] >= 2, ring
