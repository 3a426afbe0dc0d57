"""The directory list's filters: accent-blind order, départements of the chosen région, export of the
selection; the confirmation before « Désactiver »; the towns that label the small maps."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from webmap.directory.service import admin_choices
from webmap.text import fold

from .factories import sign_in


def _options(page: str, select_id: str) -> list[tuple[str, str]]:
    block = re.search(rf'<select id="{select_id}".*?</select>', page, re.S).group(0)
    return [(v, html.unescape(t)) for v, t in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', block)]


def test_regions_and_departements_are_sorted_ignoring_accents(db_session):
    regions, grouped = admin_choices(db_session)
    names = [name for _code, name in regions]
    assert names == sorted(names, key=fold)
    assert names.index("Bélier") < names.index("Bounkani")  # a byte order puts « é » after « o »
    assert names.index("Gôh") < names.index("Guémon")
    for _code, _region, departements in grouped:
        assert [n for _c, n in departements] == sorted((n for _c, n in departements), key=fold)


def test_the_page_lists_regions_in_that_order(client):
    page = client.get("/directory/").get_data(as_text=True)
    names = [name for code, name in _options(page, "region") if code]
    assert names == sorted(names, key=fold) and len(names) == 33


def test_the_departement_menu_is_narrowed_to_the_chosen_region(client, db_session):
    regions, grouped = admin_choices(db_session)
    gbeke = next(code for code, name in regions if name == "Gbêkê")
    own = {code for region, _n, group in grouped if region == gbeke for code, _name in group}
    page = client.get(f"/directory/?region={gbeke}").get_data(as_text=True)
    listed = {code for code, _name in _options(page, "departement") if code}
    assert listed == own and len(own) >= 2
    everything = {code for code, _name in _options(client.get("/directory/").get_data(as_text=True), "departement")}
    assert len(everything - {""}) > len(own)
    # the full list stays in the page (inert) for the script that narrows it as the région changes
    assert page.count('<template id="wd-departements">') == 1 and "directory/filters.js" in page


def test_export_this_selection_carries_the_filters(client):
    page = client.get("/directory/?category=chpm&q=bouake&status=all&page=1").get_data(as_text=True)
    block = re.search(r'<p class="wd-export-selection".*?</p>', page, re.S).group(0)
    assert "Exporter cette sélection" in block
    links = dict((fmt, html.unescape(href)) for href, fmt in re.findall(r'href="([^"]+)" data-format="([^"]+)"', block))
    assert set(links) >= {"CSV", "GeoJSON", "GeoPackage", "Shapefile", "HSDS"}
    csv = urlsplit(links["CSV"])
    assert csv.path == "/export/services.csv"
    assert parse_qs(csv.query) == {"category": ["chpm"], "q": ["bouake"], "status": ["all"]}
    exported = client.get(links["CSV"]).get_data(as_text=True)
    listed = client.get("/directory/?category=chpm&q=bouake&status=all").get_data(as_text=True)
    assert exported.count("\n") - 1 == listed.count("data-service-id=")


def test_deactivate_asks_for_a_confirmation_without_script(client, make):
    organization = make.organization()
    service = make.service("Centre à désactiver", organization=organization)
    sign_in(client, make.user(role="editor", organizations=[organization]))
    page = client.get(f"/directory/services/{service.id}").get_data(as_text=True)
    box = re.search(r'<details class="wd-confirm".*?</details>', page, re.S).group(0)
    assert "<summary" in box and "Désactiver…" in box
    assert "Désactiver «\u00a0Centre à désactiver\u00a0»\u00a0?" in html.unescape(box)
    assert re.search(r'<button[^>]*type="submit"[^>]*data-action="deactivate"', box)  # sending is inside
    assert " on" not in re.sub(r'\s(class|type|data-[a-z-]+|id|role|aria-[a-z]+)="[^"]*"', "", box).lower()


def test_towns_are_the_largest_places_first(client):
    everywhere = client.get("/api/v1/towns?limit=5").get_json()
    names = [f["properties"]["name"] for f in everywhere["features"]]
    assert names[0] == "Abidjan" and "Bouaké" in names
    populations = [f["properties"]["population"] for f in everywhere["features"]]
    assert populations == sorted(populations, reverse=True)
    around = client.get("/api/v1/towns?bbox=-5.2,7.5,-4.8,7.9&limit=3").get_json()
    assert around["features"][0]["properties"]["name"] == "Bouaké"
    for feature in around["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert -5.2 <= lon <= -4.8 and 7.5 <= lat <= 7.9
    assert client.get("/api/v1/towns?limit=0").status_code == 400
    assert client.get("/api/v1/towns?bbox=1,2,3").status_code == 400
