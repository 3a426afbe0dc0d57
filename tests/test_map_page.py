"""The map page ``/``: languages, assets served locally, the folium shell, the layer catalogue."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import folium
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

import layers
from webmap.config import PROJECT_ROOT
from webmap.mapview import builder
from webmap.taxonomy import CATEGORIES

CONFIG_ISLAND = re.compile(
    r'<script type="application/json" id="webmap-config">(.*?)</script>', re.DOTALL
)
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")


class _Assets(HTMLParser):
    """Collects every URL the page would load: scripts, stylesheets, icons, images, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.stylesheets: list[str] = []
        self.other: list[str] = []
        self.inline_styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])
        elif tag == "link" and attrs.get("href"):
            rel = (attrs.get("rel") or "").lower()
            (self.stylesheets if "stylesheet" in rel else self.other).append(attrs["href"])
        elif tag in ("img", "iframe", "source", "audio", "video", "embed") and attrs.get("src"):
            self.other.append(attrs["src"])
        elif tag == "style":
            self._in_style = True

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.inline_styles.append(data)


def _assets(html: str) -> _Assets:
    parser = _Assets()
    parser.feed(html)
    return parser


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if not parts.scheme and not parts.netloc:
        return True  # relative to the app
    return parts.scheme in ("http", "https") and parts.hostname == "127.0.0.1"


def _config(html: str) -> dict:
    match = CONFIG_ISLAND.search(html)
    assert match, "the page embeds its client configuration"
    return json.loads(match.group(1))


# --- languages --------------------------------------------------------------------------------


def test_page_is_french_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "<title>Carte des structures de prise en charge pour la protection de l&#39;enfant" in html
    assert "Structures de prise en charge pour la protection de l'enfant en Côte d'Ivoire" in html
    assert 'aria-label="Langue"' in html
    config = _config(html)
    assert config["lang"] == "fr"
    assert config["messages"]["legend"] == "Légende"
    assert config["messages"]["loading"] == "Chargement…"
    assert config["messages"]["empty"] == "Aucune structure dans cette zone"
    assert config["categories"]["chpm"]["label"] == "Centre d'hébergement pour mineurs (CHPM)"
    assert config["labels"]["verification"] == {"to_verify": "À vérifier", "verified": "Vérifié"}
    labels = {layer["id"]: layer["label"] for layer in config["layers"]}
    assert labels["regions"] == "Régions"
    assert labels["services"] == "Structures de prise en charge"
    assert labels["osm"] == "OpenStreetMap (en ligne)"


def test_page_is_english_with_lang_en_and_remembers_it(client):
    response = client.get("/?lang=en")
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "<title>Map of child protection assistance structures" in html
    config = _config(html)
    assert config["messages"]["legend"] == "Legend"
    assert config["categories"]["chpm"]["label"] == "Accommodation centre for minors (CHPM)"
    assert "webmap_lang=en" in response.headers["Set-Cookie"]
    # The cookie keeps English; ?lang=fr switches back.
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in client.get("/?lang=fr").get_data(as_text=True)


def test_language_switch_is_visible_with_both_languages(client):
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<a href="\?lang=fr"[^>]*aria-current="true"[^>]*>FR</a>', html)
    assert re.search(r'<a href="\?lang=en"[^>]*>EN</a>', html)


# --- assets: everything from the app ----------------------------------------------------------


def test_page_loads_no_script_or_stylesheet_from_outside(client):
    html = client.get("/").get_data(as_text=True)
    found = _assets(html)
    assert found.scripts and found.stylesheets
    for url in found.scripts + found.stylesheets + found.other:
        assert _is_local(url), url
    for css in found.inline_styles:
        assert "@import" not in css
        for url in CSS_URL.findall(css):
            assert _is_local(url), url
    # Nothing folium would take from a CDN by default.
    for name in ("cdn.jsdelivr", "code.jquery", "cdnjs", "bootstrapcdn", "bootstrap", "awesome-markers"):
        assert name not in html


def _get(client, url: str):
    """GET ``url`` and close the response (file responses hold the file open until then)."""
    with client.get(url) as response:
        response.get_data()
    return response


def _check_asset(client, url: str, expected_type: str) -> bytes:
    response = _get(client, url)
    assert response.status_code == 200, url
    assert response.mimetype == expected_type, (url, response.mimetype)
    return response.get_data()


def test_every_asset_of_the_page_is_served_with_its_content_type(client):
    found = _assets(client.get("/").get_data(as_text=True))
    for url in found.scripts:
        _check_asset(client, url, "text/javascript")
    for url in found.other:
        assert _get(client, url).status_code == 200, url
    css_refs = 0
    for url in found.stylesheets:
        css = _check_asset(client, url, "text/css").decode("utf-8")
        # Fonts and images referenced by the stylesheets resolve under our routes too.
        for ref in CSS_URL.findall(css):
            if ref.startswith(("#", "data:")):
                continue
            target = urljoin(url, ref)
            assert _is_local(target), (url, ref)
            response = _get(client, urlsplit(target).path)
            assert response.status_code == 200, (url, ref, target)
            css_refs += 1
    assert css_refs >= 1  # MarkerCluster's and Leaflet's images
    # No icon font, no jQuery: the symbols are inline SVG (layers/symbols.py).
    for url in found.scripts + found.stylesheets:
        assert "font-awesome" not in url and "jquery" not in url, url


def test_vendored_files_are_cached_for_a_year(client):
    response = _get(client, "/static/vendor/leaflet/1.9.3/leaflet.js")
    assert response.status_code == 200
    cache = response.cache_control
    assert cache.public and cache.max_age == 365 * 24 * 3600 and cache.immutable


@pytest.mark.parametrize(
    "url",
    [
        "/static/vendor/bootstrap/5.2.2/bootstrap.min.js",  # not whitelisted
        "/static/vendor/leaflet/1.9.2/leaflet.js",  # wrong version
        "/static/vendor/leaflet/1.9.3/package.json",  # type not served
        "/static/vendor/font-awesome/6.2.1/webfonts/fa-solid-900.woff2",  # no longer served
        "/static/vendor/jquery/3.7.1/jquery.min.js",  # no longer served
        "/static/vendor/leaflet/1.9.3/../../jquery/3.7.1/jquery.js",
        "/static/vendor/leaflet/1.9.3/%2e%2e/%2e%2e/%2e%2e/config.py",
        "/static/vendor/leaflet/1.9.3/missing.js",
    ],
)
def test_vendor_route_serves_only_whitelisted_files(client, url):
    assert _get(client, url).status_code == 404


# --- the folium shell -------------------------------------------------------------------------


def _urls(package: str, filename: str) -> str:
    return f"/v/{package}/{filename}"


def test_builder_localises_assets_per_instance_without_touching_folium_classes():
    map_js_before = list(folium.Map.default_js)
    map_css_before = list(folium.Map.default_css)
    fmap = builder.build_map(layers.INITIAL_VIEW, _urls, lambda name: f"/s/{name}")
    parts = builder.render_parts(fmap)
    assert folium.Map.default_js == map_js_before and folium.Map.default_css == map_css_before
    assert "default_js" in vars(fmap) and "default_css" in vars(fmap)
    assert '<script src="/v/leaflet/leaflet.js"></script>' in parts.header
    assert '<script src="/v/leaflet-markercluster/leaflet.markercluster.js"></script>' in parts.header
    assert "font-awesome" not in parts.header and "jquery" not in parts.header
    assert '<script src="/s/map.js"></script>' in parts.header
    assert "http" not in parts.header.replace('http-equiv="content-type"', "")
    assert "bootstrap" not in parts.header and "awesome-markers" not in parts.header
    assert f'id="{parts.map_name}"' in parts.html
    assert f'webmap.start({parts.map_name}, "webmap-config")' in parts.script
    assert "L.tileLayer" not in parts.script  # no tiles: the boundaries are the basemap
    # A second map is built from the same, untouched defaults.
    other = builder.build_map(layers.INITIAL_VIEW, _urls, lambda name: f"/s/{name}")
    assert other.default_js == fmap.default_js and other.default_js is not fmap.default_js


def test_builder_refuses_a_map_script_that_needs_jquery():
    fmap = builder.build_map(layers.INITIAL_VIEW, _urls, lambda name: f"/s/{name}")
    group = folium.FeatureGroup().add_to(fmap)
    fmap.keep_in_front(group)  # folium's keep_in_front runs on $(document).ready
    with pytest.raises(ValueError, match="jQuery"):
        builder.render_parts(fmap)


def test_builder_refuses_an_unknown_cdn_link():
    fmap = folium.Map(tiles=None)
    fmap.default_js = [*fmap.default_js, ("newlib", "https://cdn.example.org/newlib.js")]
    with pytest.raises(ValueError, match="newlib"):
        builder.localise_assets(fmap.get_root(), _urls, lambda name: f"/s/{name}")


# --- the layer catalogue ----------------------------------------------------------------------


def test_catalogue_styles_every_category_with_a_free_solid_icon():
    import xstatic.pkg.font_awesome as fa

    icons = json.loads((Path(fa.BASE_DIR) / "metadata" / "icons.json").read_text())
    assert set(layers.CATEGORY_STYLES) == set(CATEGORIES)
    colours = [style.color for style in layers.CATEGORY_STYLES.values()]
    assert len(set(colours)) == len(colours)
    for code, style in layers.CATEGORY_STYLES.items():
        assert re.fullmatch(r"#[0-9a-f]{6}", style.color), code
        icon = icons[style.icon]
        assert "solid" in icon["free"], code
        assert int(icon["unicode"], 16) == style.glyph, code


def test_catalogue_layers_sources_and_attributions():
    by_id = {layer.id: layer for layer in layers.layers()}
    assert set(by_id) == {"osm", "regions", "departements", "country", "services"}
    assert all(layer.audience == layers.PUBLIC for layer in by_id.values())
    assert by_id["osm"].default_visible is False and by_id["departements"].default_visible is False
    assert by_id["regions"].default_visible and by_id["country"].default_visible
    assert by_id["services"].source.by_bbox and by_id["services"].source.endpoint == "api.service_clusters"
    for layer_id, level in (("country", "0"), ("regions", "1"), ("departements", "2")):
        assert by_id[layer_id].source.params == {"level": level, "simplify": "0.005"}
    texts = [str(a.text) for a in layers.attributions(by_id)]
    assert "OCHA ROWCA / CNTIG, COD-AB Côte d'Ivoire (CC BY-IGO)" in texts
    assert "GeoNames (CC BY 4.0)" in texts
    assert "Child Protection Compact Partnership, Annex A (2022)" in texts
    assert "© OpenStreetMap contributors" in texts


def test_legend_lists_the_categories_shown_and_the_boundaries(app):
    with app.test_request_context("/?lang=fr"):
        entries = layers.legend(categories=["reintegration", "chpm"])
    symbols = [e for e in entries if e.kind == "symbol"]
    lines = [e for e in entries if e.kind == "line"]
    assert [e.code for e in symbols] == ["chpm", "reintegration"]  # taxonomy order
    assert symbols[0].label == "Centre d'hébergement pour mineurs (CHPM)"
    assert symbols[0].color == layers.CATEGORY_STYLES["chpm"].color
    assert [e.layer for e in lines] == ["country", "regions"]  # default layers, top first
    assert lines[0].label == "Frontière nationale"
    with app.test_request_context("/?lang=en"):
        everything = layers.legend(["services", "regions", "departements"])
    assert len([e for e in everything if e.kind == "symbol"]) == len(CATEGORIES)
    assert [e.layer for e in everything if e.kind == "line"] == ["departements", "regions"]


# --- translations -----------------------------------------------------------------------------


def _catalogue(lang: str) -> list:
    """Every message of every feature catalogue (``webmap/**/translations``) for ``lang``."""
    messages = []
    for path in sorted((PROJECT_ROOT / "webmap").glob(f"**/translations/{lang}/LC_MESSAGES/messages.po")):
        with path.open("rb") as handle:
            messages.extend(read_po(handle, locale=lang))
    return messages


def _extracted_msgids() -> set[str]:
    with (PROJECT_ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(PROJECT_ROOT), method_map, options_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_french_catalogues_translate_every_string_of_the_code():
    """Msgids are English, so English needs no catalogue entry; French must have them all."""
    lang = "fr"
    catalogue = _catalogue(lang)

    def is_translated(message) -> bool:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        return all(strings) and not message.fuzzy

    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id) for m in catalogue if m.id and is_translated(m)
    }
    missing = _extracted_msgids() - translated
    assert not missing, f"untranslated in {lang} (run pybabel extract/update): {sorted(missing)}"
    assert not [m.id for m in catalogue if m.id and m.fuzzy]
