"""Draw the web app's PNG icons (192 and 512 px) from webmap/static/favicon.svg with Chromium.

Run once when the favicon changes: `PYTHONPATH=. .venv/bin/python scripts/offline_icons.py`; the PNGs are
committed (webmap/static/offline/icons/).
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "webmap" / "static" / "favicon.svg"
OUT = ROOT / "webmap" / "static" / "offline" / "icons"


def main() -> None:
    from tests.e2e.conftest import CHROMIUM_ARGS, chromium_path

    OUT.mkdir(parents=True, exist_ok=True)
    svg = SVG.read_text(encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        for size in (192, 512):
            page = browser.new_page(viewport={"width": size, "height": size})
            sized = svg.replace("<svg ", f'<svg width="{size}" height="{size}" ', 1)
            page.set_content(f"<html><body style='margin:0;background:transparent'>{sized}</body></html>")
            page.locator("svg").screenshot(path=str(OUT / f"icon-{size}.png"), omit_background=True)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
