#!/usr/bin/env python3
"""Regenerate the screenshots of the guides (docs/images/*.png) from a running webmap.

    .venv/bin/python scripts/docs_screenshots.py                      # http://127.0.0.1:5000
    .venv/bin/python scripts/docs_screenshots.py --base-url http://127.0.0.1:5100 --only referral
    WEBMAP_DOCS_EMAIL=admin@example.org WEBMAP_DOCS_PASSWORD=… .venv/bin/python scripts/docs_screenshots.py

Start the app first (`make run`). Pages for signed-in staff (the service form, the import, the
moderation queue) are taken only when an account is given through WEBMAP_DOCS_EMAIL and
WEBMAP_DOCS_PASSWORD; the others need no account. Chromium is Debian's (/usr/bin/chromium, or
WEBMAP_CHROMIUM), driven by Playwright, as in the browser tests. Each shot waits for the page's
own "ready" signal, not for a fixed time, and the script prints one line per file it wrote.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images"
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1366, "height": 800}
MAP_READY = "() => window.webmap && window.webmap.ready === true"
PLANNING_READY = "() => window.webmapPlanning && window.webmapPlanning.ready === true"
PREVIEW_READY = "() => document.getElementById('print-options').dataset.previewReady === 'true'"


@dataclass(frozen=True)
class Shot:
    name: str  # file name under docs/images, without .png
    path: str
    viewport: dict
    ready: str | None = None  # a JavaScript condition to wait for
    staff: bool = False  # needs a signed-in account
    full_page: bool = False
    guide: str = ""  # the guide that shows it


SHOTS = (
    Shot("carte", "/", DESKTOP, MAP_READY, guide="README"),
    Shot("orienter-formulaire", "/referral", PHONE, guide="orienter-un-enfant"),
    Shot("orienter-resultats", "/referral?place=Odienn%C3%A9&need=shelter&age=12", PHONE,
         "() => document.querySelector('#rf-results-inner[data-status=results]') !== null", full_page=True,
         guide="orienter-un-enfant"),
    Shot("orienter-fiche", "/referral/sheet?place=Odienn%C3%A9&need=shelter&age=12", DESKTOP,
         guide="orienter-un-enfant"),
    Shot("annuaire-liste", "/directory/", DESKTOP, guide="tenir-l-annuaire"),
    Shot("annuaire-connexion", "/auth/login", PHONE, guide="tenir-l-annuaire"),
    Shot("annuaire-formulaire", "/directory/services/new", DESKTOP, staff=True, full_page=True,
         guide="tenir-l-annuaire"),
    Shot("annuaire-import", "/directory/import", DESKTOP, staff=True, guide="tenir-l-annuaire"),
    Shot("annuaire-a-verifier", "/directory/to-verify", DESKTOP, staff=True, guide="tenir-l-annuaire"),
    Shot("planifier", "/planning", DESKTOP, PLANNING_READY, full_page=True, guide="planifier"),
    Shot("imprimer", "/print", DESKTOP, PREVIEW_READY, guide="imprimer"),
)


def chromium_path() -> str:
    path = os.environ.get("WEBMAP_CHROMIUM", "/usr/bin/chromium")
    if not Path(path).exists():
        sys.exit(f"Chromium not found at {path}: install Debian's chromium (make test does) or set WEBMAP_CHROMIUM")
    return path


def sign_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(base_url + "/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    if "/auth/login" in page.url:
        sys.exit("sign-in failed: check WEBMAP_DOCS_EMAIL and WEBMAP_DOCS_PASSWORD")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:5000")
    parser.add_argument("--only", help="a name prefix (e.g. 'orienter') to take only those shots")
    args = parser.parse_args()
    base = args.base_url.rstrip("/")
    email, password = os.environ.get("WEBMAP_DOCS_EMAIL"), os.environ.get("WEBMAP_DOCS_PASSWORD")
    shots = [s for s in SHOTS if not args.only or s.name.startswith(args.only)]
    OUT.mkdir(parents=True, exist_ok=True)
    written = skipped = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        for staff in (False, True):
            group = [s for s in shots if s.staff == staff]
            if not group:
                continue
            if staff and not (email and password):
                for shot in group:
                    print(f"skipped {shot.name}.png (needs WEBMAP_DOCS_EMAIL and WEBMAP_DOCS_PASSWORD)")
                    skipped += 1
                continue
            context = browser.new_context(locale="fr-FR", viewport=DESKTOP)
            page = context.new_page()
            if staff:
                sign_in(page, base, email, password)
            for shot in group:
                page.set_viewport_size(shot.viewport)
                response = page.goto(base + shot.path, wait_until="networkidle")
                if response is None or response.status >= 400:
                    print(f"FAILED {shot.name}.png: {shot.path} answered {response.status if response else 'nothing'}")
                    return 1
                if shot.ready:
                    page.wait_for_function(shot.ready, timeout=60_000)
                target = OUT / f"{shot.name}.png"
                page.screenshot(path=str(target), full_page=shot.full_page)
                print(f"wrote {target.relative_to(ROOT)} ({shot.viewport['width']} px, {shot.path})")
                written += 1
            context.close()
        browser.close()
    print(f"{written} screenshots written, {skipped} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
