"""Every map layer, defined once: source, style, legend, attribution, audience, default visibility.

Styles are plain data (hex colours, line widths, Font Awesome icon names and code points) so the
web map (``webmap/static/map.js``) and the printed map (matplotlib) draw the same symbols:

* a service is a circle filled with its category's ``color`` carrying the Font Awesome Free
  *solid* glyph ``icon`` (code point ``glyph``, e.g. ``chr(0xE065)`` in ``fa-solid-900.ttf``)
  in ``icon_color``; :mod:`layers.symbols` turns it into the web map's inline SVG and
  :mod:`layers.print_symbols` into matplotlib markers, both from that one font file;
* a boundary is a line of ``color``/``weight`` (CSS pixels; 1 px = 0.75 pt in print).

Labels are lazy: render them inside a request or ``force_locale``. No Flask import here beyond
Flask-Babel's lazy strings, so print code can use this module from a CLI command.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from webmap.taxonomy import CATEGORIES

SYMBOL_ID_PREFIX = "wm-symbol-"  # id of a category's <symbol> in the map page (layers.symbols)
FALLBACK_SYMBOL = "fallback"

PUBLIC = "public"

# Where the map opens: Côte d'Ivoire, and its bounding box (lat/lon, Leaflet order).
INITIAL_VIEW = {
    "center": (7.6, -5.5),
    "zoom": 7,
    "min_zoom": 5,
    "max_zoom": 18,
    "bounds": ((4.34, -8.61), (10.74, -2.49)),
}


@dataclass(frozen=True)
class Attribution:
    """A source to credit: ``text`` in full (print footers, the web map's "Sources" panel) and
    ``short``, the few words the web map's one-line credit shows (defaults to ``text``)."""

    text: object  # str or lazy string
    url: str | None = None
    short: object | None = None


BOUNDARIES_ATTRIBUTION = Attribution(
    "OCHA ROWCA / CNTIG, COD-AB Côte d'Ivoire (CC BY-IGO)",
    "https://data.humdata.org/dataset/cod-ab-civ",
    short="OCHA COD-AB",
)
PLACES_ATTRIBUTION = Attribution("GeoNames (CC BY 4.0)", "https://www.geonames.org/", short="GeoNames")
DIRECTORY_ATTRIBUTION = Attribution("Child Protection Compact Partnership, Annex A (2022)", short="CPC 2022")
OSM_ATTRIBUTION = Attribution(
    _l("© OpenStreetMap contributors"), "https://www.openstreetmap.org/copyright", short="© OpenStreetMap"
)


@dataclass(frozen=True)
class CategoryStyle:
    """How one service category is drawn: fill colour, Font Awesome solid icon, icon colour."""

    color: str
    icon: str  # Font Awesome 6 Free solid icon name (CSS class ``fa-<icon>``)
    glyph: int  # its code point in fa-solid-900, for printing with matplotlib
    icon_color: str = "#ffffff"


# One colour and one symbol per category of ``webmap.taxonomy.CATEGORIES`` (same keys).
CATEGORY_STYLES: dict[str, CategoryStyle] = {
    "social_centre": CategoryStyle("#1f78b4", "people-roof", 0xE537),
    "reception_transit": CategoryStyle("#0f8b8d", "door-open", 0xF52B),
    "chpm": CategoryStyle("#d7191c", "house-chimney-user", 0xE065),
    "reintegration": CategoryStyle("#d95f02", "hands-holding-child", 0xE4FA),
    "private_care": CategoryStyle("#7b3294", "hand-holding-heart", 0xF4BE),
    "ngo": CategoryStyle("#2b8a2b", "handshake-angle", 0xF4C4),
    "police": CategoryStyle("#253494", "shield-halved", 0xF3ED),
    "labour_inspectorate": CategoryStyle("#8c6d1f", "helmet-safety", 0xF807),
    "justice": CategoryStyle("#7f7f7f", "scale-balanced", 0xF24E),
    "health": CategoryStyle("#c51b7d", "kit-medical", 0xF479),
    "helpline": CategoryStyle("#f1c40f", "phone-volume", 0xF2A0, icon_color="#1a1a1a"),
    "coordination": CategoryStyle("#1a1a1a", "sitemap", 0xF0E8),
}

# A category missing from the catalogue (an old record) is still drawn, in grey.
FALLBACK_CATEGORY_STYLE = CategoryStyle("#555555", "location-dot", 0xF3C5)


@dataclass(frozen=True)
class LineStyle:
    """A polygon layer drawn as lines; ``fill_opacity`` 0 means not filled."""

    color: str
    weight: float
    opacity: float = 1.0
    fill_color: str | None = None
    fill_opacity: float = 0.0
    dash_array: str | None = None  # SVG/matplotlib-style dash pattern in px, e.g. "4 3"


@dataclass(frozen=True)
class ApiSource:
    """GeoJSON read from one of our endpoints (Flask endpoint name) with fixed query parameters."""

    endpoint: str
    params: dict[str, str] = field(default_factory=dict)
    by_bbox: bool = False  # the client adds ``bbox=minlon,minlat,maxlon,maxlat`` of the view


@dataclass(frozen=True)
class TileSource:
    url: str  # XYZ template
    max_zoom: int = 19


@dataclass(frozen=True)
class Layer:
    id: str
    label: object  # lazy string
    kind: str  # "tiles" | "boundaries" | "services"
    source: ApiSource | TileSource
    attributions: tuple[Attribution, ...]
    style: LineStyle | None = None  # None for tiles; services use CATEGORY_STYLES
    legend_label: object | None = None  # the legend line for a boundary layer
    tooltip: str | None = None  # feature property shown on hover
    z_index: int = 400  # drawing order (Leaflet pane z-index; matplotlib zorder)
    audience: str = PUBLIC
    default_visible: bool = True
    online_only: bool = False  # needs the internet (tiles)
    # Served to the web map as a fingerprinted file of its source's answer, kept by browsers for
    # good (webmap/mapview/boundaries.py): data that changes only with the reference data.
    static_file: bool = False


@dataclass(frozen=True)
class LegendEntry:
    kind: str  # "symbol" (a service category) | "line" (a boundary layer)
    label: str
    layer: str
    color: str
    code: str | None = None  # category code for "symbol"
    icon: str | None = None
    glyph: int | None = None
    icon_color: str | None = None
    weight: float | None = None
    dash_array: str | None = None


LAYERS: tuple[Layer, ...] = (
    Layer(
        id="osm",
        label=_l("OpenStreetMap (online)"),
        kind="tiles",
        source=TileSource("https://tile.openstreetmap.org/{z}/{x}/{y}.png", max_zoom=19),
        attributions=(OSM_ATTRIBUTION,),
        z_index=200,
        default_visible=False,
        online_only=True,
    ),
    Layer(
        id="regions",
        label=_l("Regions"),
        kind="boundaries",
        source=ApiSource("api.admin_areas", {"level": "1", "simplify": "0.005"}),
        attributions=(BOUNDARIES_ATTRIBUTION,),
        style=LineStyle("#8c8c8c", 1.0, fill_color="#fbf9f3", fill_opacity=1.0),
        legend_label=_l("Region boundary"),
        tooltip="name",
        z_index=350,
        static_file=True,
    ),
    Layer(
        id="departements",
        label=_l("Départements"),
        kind="boundaries",
        source=ApiSource("api.admin_areas", {"level": "2", "simplify": "0.005"}),
        attributions=(BOUNDARIES_ATTRIBUTION,),
        style=LineStyle("#a6a6a6", 0.6, dash_array="3 3"),
        legend_label=_l("Département boundary"),
        tooltip="name",
        z_index=360,
        default_visible=False,
        static_file=True,
    ),
    Layer(
        id="country",
        label=_l("Country outline"),
        kind="boundaries",
        source=ApiSource("api.admin_areas", {"level": "0", "simplify": "0.005"}),
        attributions=(BOUNDARIES_ATTRIBUTION,),
        style=LineStyle("#3d3d3d", 2.0),
        legend_label=_l("National border"),
        z_index=370,
        static_file=True,
    ),
    Layer(
        id="services",
        label=_l("Assistance structures"),
        kind="services",
        # One by one or as the server's clusters, by the view's zoom and number of services.
        source=ApiSource("api.service_clusters", by_bbox=True),
        attributions=(DIRECTORY_ATTRIBUTION, PLACES_ATTRIBUTION),
        z_index=600,
    ),
)


def layers(audience: str = PUBLIC) -> list[Layer]:
    """The layers ``audience`` may see, in drawing order (lowest first)."""
    return sorted((lyr for lyr in LAYERS if lyr.audience == audience), key=lambda lyr: lyr.z_index)


def layer(layer_id: str) -> Layer:
    for candidate in LAYERS:
        if candidate.id == layer_id:
            return candidate
    raise KeyError(layer_id)


def category_legend(categories: Iterable[str] | None = None) -> list[LegendEntry]:
    """One symbol entry per category (all, or those given), in taxonomy order."""
    wanted = set(CATEGORIES if categories is None else categories)
    entries = []
    for code, label in CATEGORIES.items():
        if code in wanted:
            style = CATEGORY_STYLES[code]
            entries.append(
                LegendEntry(
                    kind="symbol",
                    label=str(label),
                    layer="services",
                    color=style.color,
                    code=code,
                    icon=style.icon,
                    glyph=style.glyph,
                    icon_color=style.icon_color,
                )
            )
    return entries


def legend(
    layer_ids: Iterable[str] | None = None, categories: Iterable[str] | None = None
) -> list[LegendEntry]:
    """The legend of the given layers (default: those shown by default), symbols first.

    ``categories`` restricts the service symbols to the categories actually drawn.
    """
    wanted = None if layer_ids is None else set(layer_ids)
    chosen = [
        lyr for lyr in layers() if (lyr.default_visible if wanted is None else lyr.id in wanted)
    ]
    entries: list[LegendEntry] = []
    if any(lyr.kind == "services" for lyr in chosen):
        entries.extend(category_legend(categories))
    for lyr in sorted(chosen, key=lambda lyr: -lyr.z_index):
        if lyr.kind == "boundaries" and lyr.style is not None:
            entries.append(
                LegendEntry(
                    kind="line",
                    label=str(lyr.legend_label or lyr.label),
                    layer=lyr.id,
                    color=lyr.style.color,
                    weight=lyr.style.weight,
                    dash_array=lyr.style.dash_array,
                )
            )
    return entries


def attributions(layer_ids: Iterable[str]) -> list[Attribution]:
    """The distinct attributions of the given layers, in catalogue order (for print footers)."""
    wanted = set(layer_ids)
    seen: list[Attribution] = []
    for lyr in LAYERS:
        if lyr.id in wanted:
            for attribution in lyr.attributions:
                if attribution not in seen:
                    seen.append(attribution)
    return seen


def attribution_dict(attribution: Attribution) -> dict:
    """An attribution for the browser: full ``text``, ``short`` form, ``url`` (or None)."""
    short = attribution.short if attribution.short is not None else attribution.text
    return {"text": str(attribution.text), "short": str(short), "url": attribution.url}


def client_config(
    url_for: Callable[..., str],
    audience: str = PUBLIC,
    file_url: Callable[[Layer], str] | None = None,
) -> dict:
    """The layer list as JSON-ready data for the browser, labels in the current locale.

    ``url_for(endpoint, **params)`` turns an :class:`ApiSource` into a URL (Flask's ``url_for``);
    ``file_url(layer)`` gives a ``static_file`` layer's fingerprinted file (without it, such a
    layer is read from its API source).
    """
    out = []
    for lyr in layers(audience):
        item: dict = {
            "id": lyr.id,
            "label": str(lyr.label),
            "kind": lyr.kind,
            "visible": lyr.default_visible,
            "zIndex": lyr.z_index,
            "onlineOnly": lyr.online_only,
            "tooltip": lyr.tooltip,
            "attributions": [attribution_dict(a) for a in lyr.attributions],
        }
        if isinstance(lyr.source, TileSource):
            item["tiles"] = {"url": lyr.source.url, "maxZoom": lyr.source.max_zoom}
        else:
            if lyr.static_file and file_url is not None:
                item["url"] = file_url(lyr)
            else:
                item["url"] = url_for(lyr.source.endpoint, **lyr.source.params)
            item["byBbox"] = lyr.source.by_bbox
        if lyr.style is not None:
            item["style"] = {
                "color": lyr.style.color,
                "weight": lyr.style.weight,
                "opacity": lyr.style.opacity,
                "fill": lyr.style.fill_opacity > 0,
                "fillColor": lyr.style.fill_color or lyr.style.color,
                "fillOpacity": lyr.style.fill_opacity,
                "dashArray": lyr.style.dash_array,
            }
        if lyr.legend_label is not None:
            item["legendLabel"] = str(lyr.legend_label)
        out.append(item)
    # --- planning overlays (layers/planning.py): campaigns, at-risk zones, service desert; off by
    # default here, drawn by webmap/static/planning/overlays.js, which map.js loads on demand ---
    from .planning import client_layers as planning_overlays

    out.extend(planning_overlays(url_for, audience=audience))
    # --- end of the planning overlays ---
    return {
        "view": INITIAL_VIEW,
        "layers": out,
        "categories": {
            code: {
                "label": str(CATEGORIES[code]),
                "color": style.color,
                "symbol": SYMBOL_ID_PREFIX + code,  # the page's inline SVG <symbol> (layers.symbols)
            }
            for code, style in CATEGORY_STYLES.items()
        },
        "fallbackSymbol": SYMBOL_ID_PREFIX + FALLBACK_SYMBOL,
    }
