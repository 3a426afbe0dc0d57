"""Parsing and validation of query parameters; every failure names its parameter (400)."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable, Mapping

from werkzeug.datastructures import MultiDict

from ..errors import BadParameter, NotFound

# Côte d'Ivoire lies within about -8.6..-2.5 E and 4.3..10.8 N; bboxes may be anywhere on Earth.
WORLD = (-180.0, -90.0, 180.0, 90.0)
TEXT_MAX_LENGTH = 200
PCODE_MAX_LENGTH = 16
PLACE_QUERY_MAX_LENGTH = 100
PLACES_DEFAULT_LIMIT = 10
PLACES_MAX_LIMIT = 50
MAX_SIMPLIFY = 1.0  # degrees
# A bbox's numbers are decimal degrees (no exponent, no spaces): the format /openapi.json declares.
_DECIMAL = r"-?[0-9]+(\.[0-9]+)?"
_BBOX_NUMBERS = re.compile(",".join([_DECIMAL] * 4))
_INTEGER = re.compile(r"-?[0-9]+")  # ASCII digits only (``int`` takes " 5", "+5", "5_0", "٥")


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    """``minlon,minlat,maxlon,maxlat`` in WGS 84, or None when absent."""
    if raw is None or raw == "":
        return None
    if not _BBOX_NUMBERS.fullmatch(raw):
        raise BadParameter("bbox", "expected four decimal numbers: minlon,minlat,maxlon,maxlat")
    minlon, minlat, maxlon, maxlat = (float(p) for p in raw.split(","))
    values = (minlon, minlat, maxlon, maxlat)
    if not all(math.isfinite(v) for v in values):
        raise BadParameter("bbox", "coordinates must be finite numbers")
    if not (-180 <= minlon <= 180 and -180 <= maxlon <= 180):
        raise BadParameter("bbox", "longitudes must lie between -180 and 180")
    if not (-90 <= minlat <= 90 and -90 <= maxlat <= 90):
        raise BadParameter("bbox", "latitudes must lie between -90 and 90")
    if minlon > maxlon or minlat > maxlat:
        raise BadParameter("bbox", "minimum must not exceed maximum")
    return values


def parse_int(
    args: Mapping[str, str], name: str, default: int | None, minimum: int, maximum: int
) -> int | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not _INTEGER.fullmatch(raw):
        raise BadParameter(name, "expected a whole number")
    value = int(raw)
    if not minimum <= value <= maximum:
        raise BadParameter(name, f"must be between {minimum} and {maximum}")
    return value


def parse_float(
    args: Mapping[str, str], name: str, default: float | None, minimum: float, maximum: float
) -> float | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadParameter(name, "expected a number") from None
    if not (math.isfinite(value) and minimum <= value <= maximum):
        raise BadParameter(name, f"must be between {minimum} and {maximum}")
    return value


def parse_choices(values: Iterable[str], name: str, allowed: Iterable[str]) -> list[str]:
    """Repeated and/or comma-separated codes (``category=chpm,reintegration``), each checked."""
    allowed = list(allowed)
    codes = [code.strip() for value in values for code in value.split(",") if code.strip()]
    unknown = [code for code in codes if code not in allowed]
    if unknown:
        raise BadParameter(name, f"unknown value(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")
    return codes


def parse_choice(args: Mapping[str, str], name: str, allowed: Iterable[str], default: str) -> str:
    """One code among ``allowed`` (``default`` when absent)."""
    raw = args.get(name)
    if raw is None:
        return default
    allowed = list(allowed)
    if raw not in allowed:
        raise BadParameter(name, f"expected one of {', '.join(allowed)}")
    return raw


def parse_text(args: Mapping[str, str], name: str, max_length: int = TEXT_MAX_LENGTH) -> str | None:
    """The text stripped of surrounding white space, or None when blank; at most ``max_length``
    characters as given."""
    raw = args.get(name) or ""
    if len(raw) > max_length:
        raise BadParameter(name, f"at most {max_length} characters")
    return raw.strip() or None


def reject_blank(args: MultiDict, names: Iterable[str]) -> None:
    """The API refuses a typed parameter (number, code, date…) given with an empty value."""
    for name in names:
        if name in args and any(not value.strip() for value in args.getlist(name)):
            raise BadParameter(name, "must not be empty")


def parse_uuid(raw: str, what: str = "service") -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound(f"{what} not found", {"id": raw}) from None
