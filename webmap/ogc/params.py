"""Query parameters of the OGC API – Features (Part 1 core), parsed and checked (400 naming them)."""

from __future__ import annotations

import datetime as dt
import math
import re

from werkzeug.datastructures import MultiDict

from ..api.params import parse_choices, parse_int
from ..errors import BadParameter
from .collections import CRS84, Collection, ItemQuery, Period

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000_000
COMMON = ("f", "lang")  # every resource: the format, the language of its texts
ITEMS = ("limit", "offset", "bbox", "bbox-crs", "crs")
_NUMBER = r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?"
_BBOX = re.compile(rf"{_NUMBER}(,{_NUMBER}){{3}}|{_NUMBER}(,{_NUMBER}){{5}}")
_INSTANT = re.compile(r"(\d{4}-\d\d-\d\d)(T\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?)?")
FORMATS = ("json", "html")


def reject_unknown(args: MultiDict, allowed: tuple[str, ...]) -> None:
    """Part 1 core: a parameter the API does not define is refused (400)."""
    for name in args:
        if name not in allowed:
            raise BadParameter(name, f"unknown parameter; this resource accepts: {', '.join(allowed) or 'none'}")


def parse_f(args: MultiDict) -> str | None:
    raw = args.get("f")
    if raw is None:
        return None
    if raw not in FORMATS:
        raise BadParameter("f", "expected json or html")
    return raw


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    """``minlon,minlat,maxlon,maxlat`` (or six numbers with heights, ignored), CRS84. A box across
    the antimeridian (west edge east of the east edge) is refused: Côte d'Ivoire is far from it."""
    if raw is None or raw == "":
        return None
    if not _BBOX.fullmatch(raw):
        raise BadParameter("bbox", "expected four numbers: minlon,minlat,maxlon,maxlat (WGS 84)")
    numbers = [float(n) for n in raw.split(",")]
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    minlon, minlat, maxlon, maxlat = numbers
    if not all(math.isfinite(n) for n in numbers):
        raise BadParameter("bbox", "coordinates must be finite numbers")
    if not (-180 <= minlon <= 180 and -180 <= maxlon <= 180 and -90 <= minlat <= 90 and -90 <= maxlat <= 90):
        raise BadParameter("bbox", "longitudes must lie within -180..180 and latitudes within -90..90")
    if minlat > maxlat:
        raise BadParameter("bbox", "the south edge must not be north of the north edge")
    if minlon > maxlon:
        raise BadParameter("bbox", "boxes across the antimeridian are not supported: split it in two")
    return minlon, minlat, maxlon, maxlat


def _crs(args: MultiDict, name: str) -> None:
    raw = args.get(name)
    if raw is not None and raw != CRS84:
        raise BadParameter(name, f"only {CRS84} is supported")


def _instant(raw: str) -> dt.date | None:
    if raw in ("", ".."):
        return None
    match = _INSTANT.fullmatch(raw)
    if not match:
        raise BadParameter("datetime", "expected an RFC 3339 date or date-time, or an interval start/end")
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        raise BadParameter("datetime", "not a valid date") from None


def parse_datetime(raw: str | None) -> Period | None:
    """``2026-01-31``, ``2026-01-01T00:00:00Z``, ``2026-01-01/2026-06-30``, ``../2026-06-30``, ``2026-01-01/..``."""
    if raw is None or raw == "":
        return None
    if "/" in raw:
        start_raw, _slash, end_raw = raw.partition("/")
        start, end = _instant(start_raw), _instant(end_raw)
        if start and end and start > end:
            raise BadParameter("datetime", "the start must not be after the end")
        return Period(start, end)
    day = _instant(raw)
    if day is None:
        raise BadParameter("datetime", "expected a date, a date-time or an interval")
    return Period(day, day)


def parse_items(args: MultiDict, collection: Collection) -> ItemQuery:
    allowed = COMMON + ITEMS + tuple(collection.filters) + (("datetime",) if collection.period else ())
    reject_unknown(args, allowed)
    _crs(args, "bbox-crs")
    _crs(args, "crs")
    filters = []
    for name, (vocabulary, _condition) in collection.filters.items():
        values = args.getlist(name)
        if not values:
            continue
        if vocabulary is None:
            codes = [code.strip() for value in values for code in value.split(",") if code.strip()]
        else:
            codes = parse_choices(values, name, vocabulary)
        if codes:
            filters.append((name, tuple(codes)))
    return ItemQuery(
        limit=parse_int(args, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        offset=parse_int(args, "offset", 0, 0, MAX_OFFSET),
        bbox=parse_bbox(args.get("bbox")),
        period=parse_datetime(args.get("datetime")) if collection.period else None,
        filters=tuple(filters),
    )
