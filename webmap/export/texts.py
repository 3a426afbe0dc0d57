"""Every word of a printed sheet, in the sheet's language: title, subtitle, legend, sources.

Built with Flask-Babel's ``gettext`` inside ``force_locale(lang)``; the renderers (HTML for the
PDF, matplotlib for the PNG) receive plain strings and stay free of translation machinery.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from babel.dates import format_date
from flask_babel import gettext as _
from flask_babel import ngettext

import layers
from layers import print_symbols as sym

from ..taxonomy import CATEGORIES
from ..text import fold
from .mapfigure import MapTexts
from .scene import Scene

# Natural Earth names of the neighbours (English in the file), translated here.
NEIGHBOUR_NAMES = {
    "BEN": lambda: _("Benin"),
    "BFA": lambda: _("Burkina Faso"),
    "GHA": lambda: _("Ghana"),
    "GIN": lambda: _("Guinea"),
    "GNB": lambda: _("Guinea-Bissau"),
    "LBR": lambda: _("Liberia"),
    "MLI": lambda: _("Mali"),
    "NER": lambda: _("Niger"),
    "SEN": lambda: _("Senegal"),
    "SLE": lambda: _("Sierra Leone"),
    "TGO": lambda: _("Togo"),
}

# Licence names of the manifest that read differently in French.
LICENCES = {"public domain": lambda: _("public domain")}


@dataclass(frozen=True)
class LegendItem:
    kind: str  # "symbol" | "ring" | "line" | "town"
    label: str
    category: str | None = None
    verified: bool | None = None
    color: str | None = None
    width_pt: float | None = None
    dashes: tuple[float, ...] | None = None  # on/off in points
    count: int | None = None


@dataclass(frozen=True)
class SheetTexts:
    lang: str
    title: str
    subtitle: str
    produced: str  # "Produced on 22 November 2026"
    legend_title: str
    structures_heading: str
    verification_heading: str
    boundaries_heading: str
    symbols: tuple[LegendItem, ...]
    rings: tuple[LegendItem, ...]
    lines: tuple[LegendItem, ...]
    notes: tuple[str, ...]  # confidentiality, demonstration data, truncation
    empty: str | None  # set when the sheet shows no structure
    nearby: tuple[str, ...]  # then: the nearest structures outside, with distance and direction
    sources_label: str
    sources: tuple[str, ...]
    projection: str
    map: MapTexts


def format_day(day: dt.date, lang: str) -> str:
    return format_date(day, format="long", locale=lang)


def map_texts(lang: str) -> MapTexts:
    return MapTexts(
        neighbours={iso3: name() for iso3, name in NEIGHBOUR_NAMES.items()},
        sea=_("Gulf of Guinea"),
        north=_("N"),
        km=_("km"),
        locale=lang,
    )


def place_name(scene: Scene) -> str:
    if scene.level == "adm0":
        return "Côte d'Ivoire"
    return scene.focus.name


def extent_description(scene: Scene) -> str:
    if scene.level == "adm0":
        return _("Whole country")
    if scene.level == "adm1":
        if scene.focus.name.lower().startswith("district autonome"):
            return _("Autonomous district")
        return _("Region")
    if scene.parent_name:
        return _("Département, %(region)s region", region=scene.parent_name)
    return _("Département")


def categories_description(categories: tuple[str, ...]) -> str:
    if not categories:
        return _("all categories")
    return ", ".join(str(CATEGORIES[c]) for c in categories)


def sources(scene: Scene) -> tuple[str, ...]:
    """Attribution lines of every layer drawn (catalogue), plus Natural Earth when read."""
    lines = [
        _("Administrative boundaries: %(source)s", source=str(layers.catalogue.BOUNDARIES_ATTRIBUTION.text)),
        _("Towns: %(source)s", source=str(layers.catalogue.PLACES_ATTRIBUTION.text)),
    ]
    basemap = scene.basemap
    if basemap.neighbours and basemap.neighbours_attribution:
        name, licence = basemap.neighbours_attribution
        licence = LICENCES.get(licence, lambda: licence)()
        lines.append(_("Neighbouring countries: %(source)s", source=f"{name} ({licence})"))
    lines.append(_("Directory: %(source)s", source=str(layers.catalogue.DIRECTORY_ATTRIBUTION.text)))
    return tuple(lines)


def legend_items(scene: Scene) -> tuple[tuple[LegendItem, ...], tuple[LegendItem, ...], tuple[LegendItem, ...]]:
    counts: dict[str, int] = {}
    for point in scene.points:
        counts[point.category] = counts.get(point.category, 0) + 1
    shown = scene.categories_drawn or scene.categories
    symbols = tuple(
        LegendItem("symbol", str(CATEGORIES[code]), category=code, color=sym.category_style(code).color,
                   count=counts.get(code, 0))
        for code in CATEGORIES
        if code in shown
    )
    rings = (
        LegendItem("ring", _("Verified"), verified=True),
        LegendItem("ring", _("To be verified"), verified=False),
    )
    lines = []
    for layer_id, width_scale in (("country", 1.0), ("regions", 1.0), ("departements", 1.0)):
        entry = layers.layer(layer_id)
        kwargs = sym.line_kwargs(layer_id, width_scale)
        dashes = None
        if isinstance(kwargs.get("linestyle"), tuple):
            dashes = tuple(d * kwargs["linewidth"] for d in kwargs["linestyle"][1])
        lines.append(LegendItem("line", str(entry.legend_label or entry.label), color=kwargs["color"],
                                width_pt=kwargs["linewidth"], dashes=dashes))
    lines.append(LegendItem("town", _("Town")))
    return symbols, rings, tuple(lines)


def sheet_texts(scene: Scene, lang: str, produced_on: dt.date, atlas: bool = False) -> SheetTexts:
    """The words of one map sheet (a map page, a PNG, an atlas page)."""
    place = place_name(scene)
    base_title = _("Child protection assistance structures")
    title = f"{base_title} — {place}"
    if atlas and scene.level == "adm0":
        title = _("Atlas of child protection assistance structures — Côte d'Ivoire")
    count = ngettext("%(num)d structure", "%(num)d structures", scene.count)
    parts = [extent_description(scene), _("Categories: %(list)s", list=categories_description(scene.categories)),
             count]
    notes = []
    if scene.has_confidential:
        notes.append(_("Confidential places are shown at the position of their town, without their address."))
    if scene.demo:
        notes.append(_("Includes synthetic demonstration records (source marked DEMO): not real structures."))
    if scene.truncated:
        notes.append(_("Too many structures: only the first %(count)s are shown.", count=len(scene.points)))
    empty = None
    if not scene.points:
        if scene.level == "adm0":
            empty = _("No structure matches these criteria.")
        elif scene.level == "adm1":
            empty = _("No structure listed in this region for the chosen categories.")
        else:
            empty = _("No structure listed in this département for the chosen categories.")
    symbols, rings, lines = legend_items(scene)
    nearby = tuple(nearby_text(item) for item in scene.nearby)
    if nearby:
        empty = f"{empty} {_('Nearest structures outside it:')}"
    return SheetTexts(
        lang=lang,
        title=title,
        subtitle=" · ".join(parts),
        produced=_("Produced on %(date)s", date=format_day(produced_on, lang)),
        legend_title=_("Legend"),
        structures_heading=_("Assistance structures"),
        verification_heading=_("Information"),
        boundaries_heading=_("Boundaries and towns"),
        symbols=symbols,
        rings=rings,
        lines=lines,
        notes=tuple(notes),
        empty=empty,
        nearby=nearby,
        sources_label=_("Sources"),
        sources=sources(scene),
        projection=_("Transverse Mercator projection centred on 5.5° W (WGS 84); scale true in km."),
        map=map_texts(lang),
    )


def direction_text(direction: str, km: float) -> str:
    """"42 km au nord-est": the distance and the way to go, in the sheet's language."""
    km_text = f"{km:.0f}"
    phrases = {
        "n": lambda: _("%(km)s km to the north", km=km_text),
        "ne": lambda: _("%(km)s km to the north-east", km=km_text),
        "e": lambda: _("%(km)s km to the east", km=km_text),
        "se": lambda: _("%(km)s km to the south-east", km=km_text),
        "s": lambda: _("%(km)s km to the south", km=km_text),
        "sw": lambda: _("%(km)s km to the south-west", km=km_text),
        "w": lambda: _("%(km)s km to the west", km=km_text),
        "nw": lambda: _("%(km)s km to the north-west", km=km_text),
    }
    return phrases[direction]()


def nearby_text(item) -> str:
    """One nearby structure: name (town) — category, distance and direction."""
    town = f" ({item.town})" if item.town and fold(item.town) not in fold(item.name) else ""
    category = str(CATEGORIES.get(item.category, item.category))
    kind = "" if fold(item.name).startswith(fold(category).split(" (")[0]) else f" — {category}"
    return f"{item.name}{town}{kind}, {direction_text(item.direction, item.km)}"


def table_labels() -> dict:
    """Column headers and phrases of the directory table and the page furniture."""
    return {
        "category": _("Category"),
        "structure": _("Structure"),
        "phones": _("Phones"),
        "email": _("Email"),
        "needs": _("Services offered"),
        "ages": _("Ages"),
        "last_verified": _("Last verified"),
        "confidential": _("Confidential address: shown at town level."),
        "public_contact": _("Public contact point:"),
        "demo": _("Demonstration record (synthetic)"),
        "count": lambda n: ngettext("%(num)d structure", "%(num)d structures", n),
    }
