"""The lighter map page: inline SVG symbols from the catalogue, boundaries as fingerprinted files,
no icon font or jQuery, pinch-zoom allowed."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest
from fontTools.pens.recordingPen import RecordingPen
from fontTools.svgLib.path import parse_path
from matplotlib.path import Path as MplPath
from sqlalchemy import text

import layers
from layers import print_symbols, symbols
from webmap.mapview import boundaries
from webmap.taxonomy import CATEGORIES

CONFIG_ISLAND = re.compile(r'<script type="application/json" id="webmap-config">(.*?)</script>', re.DOTALL)


class _Symbols(HTMLParser):
    """The page's ``<symbol>`` elements: id → {attributes, circle, path}."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, dict] = {}
        self._current: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "symbol":
            self._current = {"attrs": attrs}
            self.found[attrs["id"]] = self._current
        elif self._current is not None and tag in ("circle", "path"):
            self._current[tag] = attrs

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "symbol":
            self._current = None


def _page_symbols(html: str) -> dict[str, dict]:
    parser = _Symbols()
    parser.feed(html)
    return parser.found


def _points(d: str) -> np.ndarray:
    """Every point of SVG path data (on and off the curve), y upwards, as print draws it."""
    pen = RecordingPen()
    parse_path(d, pen)
    points = [pt for _op, args in pen.value for pt in args]
    return np.array(points, dtype=float) * (1, -1)


def _normalised(points: np.ndarray) -> np.ndarray:
    """Centred on the points' bounding box, the larger side 1 (as ``glyph_marker``)."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    return (points - (lo + hi) / 2) / max(hi - lo)


def _print_points(code_point: int) -> np.ndarray:
    path = print_symbols.glyph_marker(code_point).get_path()
    keep = path.codes != MplPath.CLOSEPOLY if path.codes is not None else slice(None)
    return np.asarray(path.vertices)[keep]


def test_web_and_print_symbols_come_from_the_same_catalogue_entry(client):
    """For every category: the page's SVG symbol has the catalogue colours and the very glyph
    outline the printed map draws (same points, within the SVG's 0.1 px rounding)."""
    html = client.get("/").get_data(as_text=True)
    config = json.loads(CONFIG_ISLAND.search(html).group(1))
    sprite = client.get(config["symbolsUrl"])
    assert sprite.mimetype == "image/svg+xml"
    found = _page_symbols(sprite.get_data(as_text=True))
    assert set(layers.CATEGORY_STYLES) == set(CATEGORIES)
    for code, style in [*layers.CATEGORY_STYLES.items(), ("fallback", layers.catalogue.FALLBACK_CATEGORY_STYLE)]:
        symbol_id = "wm-symbol-" + code
        assert symbol_id in found, code
        web = found[symbol_id]
        if code != "fallback":
            assert config["categories"][code]["symbol"] == symbol_id
        assert int(web["attrs"]["data-glyph"], 16) == style.glyph
        assert web["circle"]["fill"] == style.color and web["circle"]["stroke"] == symbols.RIM_COLOR
        assert web["path"]["fill"] == style.icon_color
        # The glyph: the print marker's outline, point for point.
        web_points = _normalised(_points(web["path"]["d"]))
        print_points = _print_points(style.glyph)
        assert len(web_points) > 8, code
        for ours, theirs in ((web_points, print_points), (print_points, web_points)):
            nearest = np.min(np.linalg.norm(ours[:, None, :] - theirs[None, :, :], axis=2), axis=1)
            assert nearest.max() < 0.01, (code, nearest.max())
        # Centred in the 30 px disc, its larger side 14 px (the print's proportions).
        raw = _points(web["path"]["d"]) * (1, -1)
        size = (raw.max(axis=0) - raw.min(axis=0)).max()
        assert size == pytest.approx(print_symbols.GLYPH_RATIO * symbols.DISC_PX, abs=0.15)
        assert (raw.max(axis=0) + raw.min(axis=0)) / 2 == pytest.approx((15, 15), abs=0.1)
    assert config["fallbackSymbol"] == "wm-symbol-fallback"


def test_the_symbols_file_is_kept_for_good(client):
    config = json.loads(CONFIG_ISLAND.search(client.get("/").get_data(as_text=True)).group(1))
    assert re.fullmatch(r"/map/symbols\.svg\?v=[0-9a-f]{12}", config["symbolsUrl"])
    cache = client.get(config["symbolsUrl"]).cache_control
    assert cache.public and cache.immutable and cache.max_age == 365 * 24 * 3600
    assert not client.get("/map/symbols.svg?v=000000000000").cache_control.immutable
    assert len(symbols.sprite().encode()) < 16_000  # 13 symbols; the icon font was 151 KB


def test_every_category_has_its_own_glyph():
    paths = {symbols.glyph_path(style.glyph) for style in layers.CATEGORY_STYLES.values()}
    assert len(paths) == len(layers.CATEGORY_STYLES)
    with pytest.raises(KeyError):
        symbols.glyph_path(0x4E00)  # no CJK ideograph in the icon font


def test_map_page_loads_no_icon_font_nor_jquery(client):
    html = client.get("/").get_data(as_text=True)
    assert "font-awesome" not in html and "fa-solid" not in html
    assert "jquery" not in html.lower()
    with client.get("/map/shell.js") as response:
        assert "$(" not in response.get_data(as_text=True)


def _boundary_urls(client) -> dict[str, str]:
    html = client.get("/").get_data(as_text=True)
    config = json.loads(CONFIG_ISLAND.search(html).group(1))
    return {layer["id"]: layer["url"] for layer in config["layers"] if layer["kind"] == "boundaries"}


def test_boundaries_are_fingerprinted_files_kept_for_good(client):
    urls = _boundary_urls(client)
    assert set(urls) == {"regions", "departements", "country"}
    for layer_id, url in urls.items():
        assert re.fullmatch(rf"/map/boundaries/{layer_id}\.geojson\?v=[0-9a-f]{{12}}", url), url
        response = client.get(url)
        assert response.status_code == 200
        assert response.mimetype == "application/geo+json"
        cache = response.cache_control
        assert cache.public and cache.immutable and cache.max_age == 365 * 24 * 3600
        assert response.get_etag()[0] == url.rsplit("=", 1)[1]
        # The public form: exactly what the layer's API source answers.
        source = layers.layer(layer_id).source
        api = client.get("/api/v1/admin-areas", query_string=source.params)
        assert response.get_json() == api.get_json()
    regions = client.get(urls["regions"]).get_json()
    assert len(regions["features"]) >= 31
    assert {"name", "pcode"} <= set(regions["features"][0]["properties"])


def test_a_stale_or_missing_fingerprint_is_revalidated(client):
    url = _boundary_urls(client)["regions"]
    fingerprint = url.rsplit("=", 1)[1]
    for stale in ("/map/boundaries/regions.geojson", "/map/boundaries/regions.geojson?v=000000000000"):
        response = client.get(stale)
        assert response.status_code == 200
        assert not response.cache_control.immutable and response.cache_control.no_cache
    again = client.get("/map/boundaries/regions.geojson", headers={"If-None-Match": f'"{fingerprint}"'})
    assert again.status_code == 304
    for unknown in ("/map/boundaries/services.geojson", "/map/boundaries/osm.geojson",
                    "/map/boundaries/nowhere.geojson"):
        assert client.get(unknown).status_code == 404


def test_new_reference_data_gives_a_new_file(client, db_session):
    before = _boundary_urls(client)["country"]
    # A reload of the reference data (webmap geodata) that changed the country outline.
    db_session.execute(text(
        "UPDATE admin_area SET geom = ST_Multi(ST_Translate(geom, 0.01, 0)) WHERE level = 'adm0'"))
    db_session.execute(text(
        "UPDATE reference_dataset SET sha256 = md5(random()::text), loaded_at = now() "
        "WHERE layer LIKE 'admin_area.%'"))
    after = _boundary_urls(client)["country"]
    assert after != before
    assert client.get(after).get_json() == client.get(
        "/api/v1/admin-areas?level=0&simplify=0.005").get_json()
    boundaries.clear_cache()


VIEWPORT = re.compile(r'<meta name="viewport" content="([^"]*)"')


@pytest.mark.parametrize("url", ["/", "/?lang=en", "/referral", "/directory/", "/auth/login"])
def test_pages_allow_pinch_zoom(client, url):
    html = client.get(url, follow_redirects=True).get_data(as_text=True)
    viewports = VIEWPORT.findall(html)
    assert len(viewports) == 1, url
    assert "user-scalable" not in viewports[0] and "maximum-scale" not in viewports[0], viewports


# --- place labels (issue 15): the gazetteer's towns as one fingerprinted file -------------------

def test_place_labels_are_ranked_towns_with_accents_kept_for_good(client, db_session):
    html = client.get("/").get_data(as_text=True)
    url = json.loads(CONFIG_ISLAND.search(html).group(1))["placesUrl"]
    assert re.fullmatch(r"/map/places\.geojson\?v=[0-9a-f]{12}", url), url
    assert f'href="{url}"' in html  # preloaded with the page (and kept offline by the worker)
    response = client.get(url)
    assert response.mimetype == "application/geo+json"
    assert response.cache_control.immutable and response.get_etag()[0] == url.rsplit("=", 1)[1]
    features = response.get_json()["features"]
    ranks = [f["properties"]["rank"] for f in features]
    assert ranks == list(range(len(features)))
    populations = [f["properties"]["population"] for f in features]
    assert populations == sorted(populations, reverse=True)
    # The same order as the gazetteer, so the first 25 are the main towns, French names intact.
    largest = db_session.execute(text(
        "SELECT name FROM place WHERE population IS NOT NULL ORDER BY population DESC, id LIMIT 25")).scalars().all()
    top = [f["properties"]["name"] for f in features[:25]]
    assert set(top) == set(largest)
    for town in ("Abidjan", "Bouaké", "Korhogo", "San-Pédro", "Yamoussoukro"):
        assert town in top
    stale = client.get("/map/places.geojson")
    assert stale.cache_control.no_cache and not stale.cache_control.immutable


def test_every_map_credit_has_a_short_form_and_names_no_file():
    from layers import planning
    credits = [*layers.attributions(layer.id for layer in layers.layers()),
               planning.CENSUS_ATTRIBUTION, planning.RISK_SOURCES_ATTRIBUTION, planning.CAMPAIGNS_ATTRIBUTION]
    for credit in credits:
        shown = layers.catalogue.attribution_dict(credit)
        assert shown["short"] and len(shown["short"]) <= 22, shown
        assert ".toml" not in shown["text"] and "data/" not in shown["text"], shown
