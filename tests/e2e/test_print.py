"""/print in headless Chromium, against the live app and the loaded database: a person chooses
the area, the categories and the language on the page, the preview follows, and the page's own
"Download" links give the PDF and the PNG. Everything comes from the app itself (offline first).

The files are taken from the browser's own request: each link is followed by a click, and a route
hands the response on to the browser unchanged while keeping a copy of its bytes (Chromium shows
the PDF in its viewer, whose page is not the file).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urljoin, urlsplit

import pypdf
import pytest
from PIL import Image

from .conftest import screenshot

pytestmark = pytest.mark.e2e

# Schemes of the browser's own pages (Chromium's PDF viewer), which never reach the network.
BROWSER_SCHEMES = ("chrome", "chrome-extension", "data", "blob", "about")


@dataclass
class Download:
    url: str
    status: int
    headers: dict
    body: bytes


def _keep_files(page, path: str) -> list[Download]:
    """Record every response of ``path`` (e.g. ``/export/map.pdf``) the page receives."""
    files: list[Download] = []

    def keep(route):
        response = route.fetch()
        files.append(Download(route.request.url, response.status, response.headers, response.body()))
        route.fulfill(response=response)

    page.route(re.compile(re.escape(path) + r"(\?.*)?$"), keep)
    return files


def _follow(page, link, files: list[Download]) -> Download:
    """Click ``link`` and return the file the browser received for it."""
    href = link.get_attribute("href")
    if link.get_attribute("download") is not None:
        # "Télécharger": the browser saves the file (a download is not a page response). The
        # saved bytes are the body; the same request again shows the headers it came with.
        with page.expect_download() as saved:
            link.click()
        url = urljoin(page.url, href)
        again = page.request.get(url)
        with open(saved.value.path(), "rb") as file:
            body = file.read()
        assert saved.value.url == url and body == again.body()
        return Download(url, again.status, again.headers, body)
    else:
        with page.expect_response(lambda response: urlsplit(response.url).path == urlsplit(href).path):
            link.click()
    assert urlsplit(files[-1].url).query == urlsplit(href).query
    return files[-1]


def _wait_for_preview(page, **expected: str) -> None:
    """Wait until the preview is the map of these options, drawn and no longer dimmed."""
    page.wait_for_function(
        """(expected) => {
            const img = document.getElementById('print-preview');
            const query = new URL(img.src).searchParams;
            return Object.entries(expected).every(([name, value]) => query.get(name) === value)
                && img.complete && img.naturalWidth > 0
                && !img.classList.contains('wm-loading') && getComputedStyle(img).opacity === '1';
        }""",
        arg=expected,
        timeout=30_000,
    )
    assert page.locator("#print-status").inner_text() == ""


def _pdf_text(body: bytes) -> tuple[pypdf.PdfReader, str]:
    reader = pypdf.PdfReader(io.BytesIO(body))
    return reader, "\n".join(page.extract_text() for page in reader.pages).replace("\n", " ")


def _outside(page, base: str) -> list[str]:
    """Requests to anything but the live server (the browser's internal pages excepted)."""
    return [url for url in page.requests
            if urlsplit(url).scheme not in BROWSER_SCHEMES and not url.startswith(base + "/")]


def test_region_and_category_chosen_on_the_page_give_the_pdf(live_server, page):
    files = _keep_files(page, "/export/map.pdf")
    page.goto(live_server + "/print")
    page.wait_for_function("() => document.getElementById('print-options').dataset.previewReady === 'true'",
                           timeout=30_000)
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text() == "Imprimer la carte"
    assert page.get_by_label("Français", exact=True).is_checked()

    # The Tonkpi region (Man), reintegration centres only.
    page.get_by_label("Zone couverte", exact=True).select_option(label="Tonkpi — toute la région")
    page.get_by_label("Centre de réinsertion", exact=True).check()
    _wait_for_preview(page, extent="CI32", category="reintegration", lang="fr", width="900")
    assert page.evaluate("document.getElementById('print-preview').naturalWidth") == 900
    # The address bar and the links follow the options.
    assert parse_qs(urlsplit(page.url).query) == {
        "extent": ["CI32"], "category": ["reintegration"], "paper": ["a4"], "orientation": ["landscape"],
        "lang": ["fr"], "table": ["1"],
    }
    atlas = page.locator("#print-atlas-download").get_attribute("href")
    assert "extent=" not in atlas and "category=reintegration" in atlas
    screenshot(page, "print-tonkpi-reintegration.png")
    assert _outside(page, live_server) == []

    # Each file: "Ouvrir" shows it in a new tab, "Télécharger" saves it.
    group = page.get_by_role("group", name="La carte (PDF)")
    opened = group.get_by_role("link", name="Ouvrir")
    assert opened.get_attribute("target") == "_blank" and "download=" not in opened.get_attribute("href")
    shown = page.request.get(live_server + opened.get_attribute("href"))
    assert re.fullmatch(r'inline; filename="webmap-map-CI32-a4-fr-\d{4}-\d{2}-\d{2}\.pdf"',
                        shown.headers["content-disposition"])
    pdf = _follow(page, group.get_by_role("link", name="Télécharger"), files)
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    # a public print: kept by caches a while (webmap.httpcache), the same for every visitor
    assert pdf.headers["cache-control"].startswith("public, max-age=")
    assert re.fullmatch(r'attachment; filename="webmap-map-CI32-a4-fr-\d{4}-\d{2}-\d{2}\.pdf"',
                        pdf.headers["content-disposition"])
    assert pdf.body.startswith(b"%PDF-") and len(pdf.body) > 50_000
    reader, text = _pdf_text(pdf.body)
    assert len(reader.pages) == 2  # the map, then the directory table
    for expected in (
        "Structures de prise en charge pour la protection de l'enfant — Tonkpi",
        "Région · Catégories : Centre de réinsertion · 1 structure",
        "Légende",
        "Vérifié",
        "À vérifier",
        "Limite de région",
        "Produit le",
        "Sources",
        "Annuaire des structures — Tonkpi",
        "Centre de réinsertion pour mineurs de Man",
    ):
        assert expected in text, expected
    assert "Legend" not in text
    assert "CHPM) de Man" not in text  # the other category of the region is left out
    assert _outside(page, live_server) == []


def test_english_map_png_from_the_french_page_keeps_the_site_in_french(live_server, page):
    files = _keep_files(page, "/export/map.png")
    page.goto(live_server + "/print")
    page.wait_for_function("() => document.getElementById('print-options').dataset.previewReady === 'true'",
                           timeout=30_000)
    page.get_by_label("Portrait", exact=True).check()
    page.get_by_label("English", exact=True).check()
    _wait_for_preview(page, extent="country", orientation="portrait", lang="en")
    assert page.evaluate("[document.getElementById('print-preview').naturalWidth,"
                         " document.getElementById('print-preview').naturalHeight]") == [900, 1273]
    assert page.locator("h1").inner_text() == "Imprimer la carte"  # the map's language, not the page's
    screenshot(page, "print-english-portrait.png")

    png = _follow(page, page.locator("#print-png-download"), files)
    assert png.status == 200
    assert png.headers["content-type"] == "image/png"
    assert re.fullmatch(r'attachment; filename="webmap-map-CI-a4-en-\d{4}-\d{2}-\d{2}\.png"',
                        png.headers["content-disposition"])
    assert png.body.startswith(b"\x89PNG\r\n\x1a\n") and len(png.body) > 100_000
    with Image.open(io.BytesIO(png.body)) as image:
        assert image.size == (1240, 1754)  # A4 portrait at 150 dpi
        # Not a blank sheet: the map has many colours (regions, symbols, sea, text).
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 20)) > 50

    # Printing a map in English did not switch the site itself to English.
    page.goto(live_server + "/directory/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text() == "Annuaire des structures"
    assert _outside(page, live_server) == []


def test_the_page_in_english_gives_an_english_departement_map(live_server, page):
    files = _keep_files(page, "/export/map.pdf")
    page.goto(live_server + "/print?lang=en")
    page.wait_for_function("() => document.getElementById('print-options').dataset.previewReady === 'true'",
                           timeout=30_000)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Print the map"
    assert page.get_by_label("English", exact=True).is_checked()  # the map follows the page's language

    page.get_by_label("Area of the map", exact=True).select_option(label="Korhogo (département)")
    page.get_by_role("group", name="List the structures after the map (PDF)").get_by_label("No").check()
    _wait_for_preview(page, extent="CI2802", lang="en", table="0")
    screenshot(page, "print-english-korhogo.png")

    pdf = _follow(page, page.get_by_role("group", name="The map (PDF)").get_by_role("link", name="Download"), files)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "webmap-map-CI2802-a4-en-" in pdf.headers["content-disposition"]
    assert pdf.body.startswith(b"%PDF-") and len(pdf.body) > 50_000
    reader, text = _pdf_text(pdf.body)
    assert len(reader.pages) == 1  # no table asked for
    for expected in ("Child protection assistance structures — Korhogo",
                     "Département, Poro region · Categories: all categories · 1 structure",
                     "Legend", "Reintegration centre (1)", "To be verified", "Produced on",
                     "Sources — Administrative boundaries: OCHA ROWCA"):
        assert expected in text, expected
    assert "Légende" not in text
    assert _outside(page, live_server) == []
