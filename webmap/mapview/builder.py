"""The folium shell of the map page, with every asset served by the app (Flask-free).

folium's classes list CDN URLs (``Map.default_js``/``default_css``; plugins carry their own).
We never touch those class-level lists (``add_js_link`` would mutate them for every map of the
worker): after building the tree, :func:`localise_assets` walks it and gives every element
that links assets its own instance lists pointing at our URLs, and refuses any link it does
not know, so a new folium release cannot bring a CDN back unnoticed.

The page runs under a "self only" Content-Security-Policy (``webmap.security``): no inline
script or ``<style>`` element. So the page takes from folium only its asset links (rebuilt from
the same walked lists), the map ``<div>`` and the script creating the map, which the app serves
as a file (``/map/shell.js``). folium's inline ``<style>`` rules are in ``static/map.css``; its
``L_NO_TOUCH``/``L_DISABLE_3D`` script only set Leaflet's defaults and are left out.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import escape

import folium
from branca.element import Element, Figure
from folium.elements import JSCSSMixin
from folium.template import Template

# folium's link name → (XStatic package served by webmap.assets, file), or None: not loaded.
VENDOR_LINKS: dict[str, tuple[str, str] | None] = {
    # folium.Map
    "leaflet": ("leaflet", "leaflet.js"),
    "jquery": None,  # no script of ours uses it; render_parts refuses a folium script that would
    "bootstrap": None,
    "awesome_markers": None,
    "leaflet_css": ("leaflet", "leaflet.css"),
    "bootstrap_css": None,
    "glyphicons_css": None,
    "awesome_markers_font_css": None,  # no icon font: the symbols are inline SVG (layers.symbols)
    "awesome_markers_css": None,
    "awesome_rotate_css": None,
    # folium.plugins.MarkerCluster (and our client, which clusters in the browser)
    "markerclusterjs": ("leaflet-markercluster", "leaflet.markercluster.js"),
    "markerclustercss": ("leaflet-markercluster", "MarkerCluster.css"),
    "markerclusterdefaultcss": ("leaflet-markercluster", "MarkerCluster.Default.css"),
}

MAP_ID = "webmap"
AssetUrl = Callable[[str, str], str]  # (package, file) → URL
StaticUrl = Callable[[str], str]  # our own file under webmap/static → URL


class WebmapClient(JSCSSMixin):
    """Loads our client (``map.js``) and starts it on the map.

    The client's configuration (layer catalogue, labels, messages) is a JSON data island
    ``<script type="application/json" id="{config_id}">`` placed by the page template.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            webmap.start({{ this._parent.get_name() }}, {{ this.config_id|tojson }});
        {% endmacro %}
        """
    )
    default_js = [
        ("markerclusterjs", "vendor:markerclusterjs"),
        ("webmap_sources_js", "static:map-sources.js"),  # the one-line credits and "Sources"
        ("webmap_places_js", "static:map-places.js"),  # the gazetteer's place labels
        ("webmap_state_js", "static:map-state.js"),  # view and layers in the address
        ("webmap_clusters_js", "static:map-clusters.js"),  # the server's clusters, read by map.js
        ("webmap_js", "static:map.js"),
    ]
    default_css = [
        ("markerclustercss", "vendor:markerclustercss"),
        ("markerclusterdefaultcss", "vendor:markerclusterdefaultcss"),
        ("webmap_controls_css", "static:map-controls.css"),
        ("webmap_css", "static:map.css"),
    ]

    def __init__(self, config_id: str) -> None:
        super().__init__()
        self._name = "WebmapClient"
        self.config_id = config_id


def walk(element: Element) -> Iterator[Element]:
    """The element and all its descendants."""
    yield element
    for child in element._children.values():
        yield from walk(child)


def _local(name: str, url: str, asset_url: AssetUrl, static_url: StaticUrl) -> str | None:
    if url.startswith("static:"):
        return static_url(url.removeprefix("static:"))
    if name not in VENDOR_LINKS:
        raise ValueError(f"no local copy known for asset {name!r} ({url}); add it to VENDOR_LINKS")
    target = VENDOR_LINKS[name]
    return None if target is None else asset_url(*target)


def localise_assets(root: Element, asset_url: AssetUrl, static_url: StaticUrl) -> None:
    """Point every element's JS/CSS links at the app's copies (instance attributes only)."""
    for element in walk(root):
        if not isinstance(element, JSCSSMixin):
            continue
        for attr in ("default_js", "default_css"):
            links = []
            for name, url in getattr(element, attr):
                local = _local(name, url, asset_url, static_url)
                if local is not None:
                    links.append((name, local))
            setattr(element, attr, links)


def build_map(
    view: dict, asset_url: AssetUrl, static_url: StaticUrl, config_id: str = "webmap-config"
) -> folium.Map:
    """The map shell: no tiles (the boundaries are the offline basemap), our client attached.

    ``view`` is ``layers.INITIAL_VIEW`` (centre as lat/lon, zoom).
    """
    fmap = folium.Map(
        location=list(view["center"]),
        zoom_start=view["zoom"],
        tiles=None,
        control_scale=True,
    )
    fmap._id = MAP_ID  # a fixed name: the shell script is the same file for every page
    WebmapClient(config_id).add_to(fmap)
    localise_assets(fmap.get_root(), asset_url, static_url)
    return fmap


@dataclass(frozen=True)
class MapParts:
    """The pieces of folium's document placed in our own template."""

    header: str  # <script src>/<link rel="stylesheet"> for <head>, nothing inline
    html: str  # the map <div>
    script: str  # JavaScript creating the map, served as a file after the div and the head scripts
    map_name: str  # the map's JavaScript variable and element id

    @property
    def script_version(self) -> str:
        """12 hex digits of the script's SHA-256 (its URL's ``v``, as the static files)."""
        return hashlib.sha256(self.script.encode("utf-8")).hexdigest()[:12]


def asset_links(root: Element) -> str:
    """The ``<script src>`` and stylesheet links of every element, in folium's order."""
    tags = []
    for element in walk(root):
        if isinstance(element, JSCSSMixin):
            tags += [f'<script src="{escape(url)}"></script>' for _name, url in element.default_js]
            tags += [f'<link rel="stylesheet" href="{escape(url)}"/>' for _name, url in element.default_css]
    return "\n".join(tags)


JQUERY_CALL = re.compile(r"(?<![\w$])(?:\$|jQuery)\s*\(")


def render_parts(fmap: folium.Map) -> MapParts:
    """folium's document in pieces; refuses a script calling jQuery, which the page does not load
    (folium uses it for ``keep_in_front`` and HTML popups, neither of which the map uses)."""
    figure: Figure = fmap.get_root()
    figure.render()  # renders children into the html/script parts
    script = figure.script.render()
    if JQUERY_CALL.search(script):
        raise ValueError("folium's map script calls jQuery, which the map page does not load")
    return MapParts(
        header=asset_links(figure),
        html=figure.html.render(),
        script=script,
        map_name=fmap.get_name(),
    )
