"""Options of the printed map, parsed and checked; each failure names its parameter (400).

Flask-free: :func:`parse_print_options` takes any mapping with ``get`` (and ``getlist`` for
repeated parameters, as Werkzeug's ``MultiDict``).

====================  =====================================================================
parameter             values
====================  =====================================================================
``extent``            ``country`` (default), a region P-code (``CI28``) or a département
                      P-code (``CI2802``); ``region=`` and ``departement=`` are aliases
``category``          category codes, repeated or comma-separated (default: all)
``paper``             ``a4`` (default) or ``a3``; ``size=a4|a3`` is accepted as an alias
``orientation``       ``landscape`` (default) or ``portrait``
``lang``              ``fr`` or ``en`` (default: the page language, French unless chosen)
``table``             ``1`` (default) / ``0``: the directory table after the map (PDF)
``width``, ``height`` PNG size in pixels (default: the paper at 150 dpi; one given: the other
                      follows the paper's proportions)
====================  =====================================================================
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

from ..api.params import parse_choices, parse_int
from ..errors import BadParameter
from ..taxonomy import CATEGORIES

PAPERS_MM: dict[str, tuple[float, float]] = {"a4": (210.0, 297.0), "a3": (297.0, 420.0)}
ORIENTATIONS = ("landscape", "portrait")
LANGUAGES = ("fr", "en")
COUNTRY = "country"
PNG_DEFAULT_DPI = 150
PNG_MIN_PX, PNG_MAX_PX = 200, 4000  # the largest side: the app's WEBMAP_PNG_MAX_PX

_PCODE = re.compile(r"^CI\d{2}(\d{2})?$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class PrintOptions:
    extent: str = COUNTRY  # "country" or an ADM1 (CIxx) / ADM2 (CIxxxx) P-code
    categories: tuple[str, ...] = ()  # empty: every category
    paper: str = "a4"
    orientation: str = "landscape"
    lang: str = "fr"
    table: bool = True
    width: int | None = None  # PNG pixels
    height: int | None = None

    @property
    def extent_level(self) -> str:
        if self.extent == COUNTRY:
            return "adm0"
        return "adm1" if len(self.extent) == 4 else "adm2"

    @property
    def page_mm(self) -> tuple[float, float]:
        """(width, height) of the page in millimetres."""
        short, long = PAPERS_MM[self.paper]
        return (long, short) if self.orientation == "landscape" else (short, long)

    def png_size(self) -> tuple[int, int]:
        """(width, height) in pixels of the PNG."""
        page_w, page_h = self.page_mm
        if self.width and self.height:
            return self.width, self.height
        if self.width:
            return self.width, max(1, round(self.width * page_h / page_w))
        if self.height:
            return max(1, round(self.height * page_w / page_h)), self.height
        return round(page_w / 25.4 * PNG_DEFAULT_DPI), round(page_h / 25.4 * PNG_DEFAULT_DPI)

    def with_(self, **changes) -> PrintOptions:
        return replace(self, **changes)


def _choice(args: Mapping, name: str, allowed: tuple[str, ...], default: str, alias: str | None = None) -> str:
    raw = args.get(name)
    used = name
    if (raw is None or raw == "") and alias is not None:
        raw, used = args.get(alias), alias
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value not in allowed:
        raise BadParameter(used, f"expected one of {', '.join(allowed)}")
    return value


def _flag(args: Mapping, name: str, default: bool) -> bool:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise BadParameter(name, "expected 1 or 0")


def _extent(args: Mapping) -> str:
    given = [(name, args.get(name)) for name in ("extent", "region", "departement") if args.get(name)]
    if not given:
        return COUNTRY
    if len(given) > 1:
        raise BadParameter(given[1][0], f"give only one of extent, region, departement (got {given[0][0]} too)")
    name, raw = given[0]
    value = raw.strip()
    if name == "extent" and value.lower() == COUNTRY:
        return COUNTRY
    value = value.upper()
    if not _PCODE.match(value):
        expected = {
            "extent": "'country', a region P-code (CI28) or a département P-code (CI2802)",
            "region": "a region P-code such as CI28",
            "departement": "a département P-code such as CI2802",
        }[name]
        raise BadParameter(name, f"expected {expected}")
    if name == "region" and len(value) != 4:
        raise BadParameter(name, "expected a region P-code such as CI28")
    if name == "departement" and len(value) != 6:
        raise BadParameter(name, "expected a département P-code such as CI2802")
    return value


def _paper(args: Mapping) -> str:
    size = (args.get("size") or "").strip().lower()
    if not args.get("paper") and size:
        if size not in PAPERS_MM:
            raise BadParameter("size", "expected a4 or a3 (the paper size; PNG pixels are width and height)")
        return size
    return _choice(args, "paper", tuple(PAPERS_MM), "a4")


def _png_size(args: Mapping, max_px: int) -> tuple[int | None, int | None]:
    """``width`` and ``height`` (each PNG_MIN_PX to ``max_px``); the side that follows from one of
    them and the paper's proportions must fit too (the memory of a PNG grows with its area)."""
    width = parse_int(args, "width", None, PNG_MIN_PX, max_px)
    height = parse_int(args, "height", None, PNG_MIN_PX, max_px)
    if (width is None) != (height is None):
        paper = _paper(args)
        orientation = _choice(args, "orientation", ORIENTATIONS, "landscape")
        w, h = PrintOptions(paper=paper, orientation=orientation, width=width, height=height).png_size()
        if max(w, h) > max_px:
            given = "width" if width is not None else "height"
            raise BadParameter(given, f"gives a {w} x {h} image; at most {max_px} pixels a side")
    return width, height


def parse_print_options(args: Mapping, default_lang: str = "fr", max_png_px: int = PNG_MAX_PX) -> PrintOptions:
    """Read and check every option; raise :class:`~webmap.errors.BadParameter` on the first bad one."""
    getlist = getattr(args, "getlist", None)
    raw_categories = getlist("category") if getlist else ([args["category"]] if args.get("category") else [])
    categories = parse_choices(raw_categories, "category", CATEGORIES)
    width, height = _png_size(args, max_png_px)
    return PrintOptions(
        extent=_extent(args),
        categories=tuple(sorted(set(categories), key=list(CATEGORIES).index)),
        paper=_paper(args),
        orientation=_choice(args, "orientation", ORIENTATIONS, "landscape"),
        lang=_choice(args, "lang", LANGUAGES, default_lang if default_lang in LANGUAGES else "fr"),
        table=_flag(args, "table", True),
        width=width,
        height=height,
    )


def extent_parameter(args: Mapping) -> str:
    """The name under which the extent was given (for error messages)."""
    for name in ("extent", "region", "departement"):
        if args.get(name):
            return name
    return "extent"
