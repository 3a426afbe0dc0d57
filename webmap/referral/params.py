"""Query parameters of a referral search, shared by the API, the page and the printable sheet.

Every failure names its parameter (``BadParameter``, 400), through ``webmap.api.params``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from ..api.params import PCODE_MAX_LENGTH, TEXT_MAX_LENGTH, parse_choices, parse_float, parse_int, parse_text
from ..directory.languages import LANGUAGES, find_language, matching_names
from ..errors import BadParameter
from ..taxonomy import CATEGORIES, NEEDS
from .nearest import DEFAULT_LIMIT, MAX_AGE, MAX_KM, MAX_LIMIT, MIN_KM, SEXES, Criteria

ANY_SEX = "any"  # or nothing: either sex


@dataclass(frozen=True)
class OriginArgs:
    lat: float | None = None
    lon: float | None = None
    place: str | None = None
    pcode: str | None = None

    @property
    def given(self) -> bool:
        return any(v is not None for v in (self.lat, self.lon, self.place, self.pcode))


def parse_origin(args: MultiDict) -> OriginArgs:
    """The origin exactly as given (the API refuses two origins at once)."""
    return OriginArgs(
        lat=parse_float(args, "lat", None, -90.0, 90.0),
        lon=parse_float(args, "lon", None, -180.0, 180.0),
        place=parse_text(args, "place", max_length=TEXT_MAX_LENGTH),
        pcode=parse_text(args, "pcode", max_length=PCODE_MAX_LENGTH),
    )


_COORDS = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)\s*[,;\s]\s*(-?\d+(?:[.,]\d+)?)\s*$")


def parse_coords(raw: str) -> tuple[float, float]:
    """``"9.5051, -7.5643"`` (latitude first; decimal comma accepted with a ``;`` or space)."""
    match = _COORDS.match(raw)
    if not match:
        raise BadParameter("coords", "expected latitude, longitude in decimal degrees, e.g. 9.5051, -7.5643")
    lat, lon = (float(part.replace(",", ".")) for part in match.groups())
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise BadParameter("coords", "latitude must lie between -90 and 90, longitude between -180 and 180")
    return lat, lon


def parse_page_origin(args: MultiDict) -> OriginArgs:
    """The page's form may carry several origins: a typed place wins over typed coordinates,
    which win over the point chosen on the map or by the device (``lat``/``lon``)."""
    place = parse_text(args, "place", max_length=200)
    if place:
        return OriginArgs(place=place)
    coords = parse_text(args, "coords", max_length=60)
    if coords:
        lat, lon = parse_coords(coords)
        return OriginArgs(lat=lat, lon=lon)
    pcode = parse_text(args, "pcode", max_length=16)
    if pcode:
        return OriginArgs(pcode=pcode)
    origin = parse_origin(args)
    return OriginArgs(lat=origin.lat, lon=origin.lon)


def parse_sex(args: MultiDict) -> str | None:
    raw = (args.get("sex") or "").strip()
    if raw in ("", ANY_SEX):
        return None
    if raw not in SEXES:
        raise BadParameter("sex", f"expected one of {', '.join(SEXES)} (or nothing for any)")
    return raw


TRUE_VALUES = ("1", "true", "on")  # "on": an HTML checkbox without a value
FALSE_VALUES = ("", "0", "false")
# What ``language`` accepts, as /openapi.json lists it (the search also reads other spellings).
LANGUAGE_VALUES = tuple(dict.fromkeys(
    value for language in LANGUAGES for value in (language.code, language.name) if value
))


def parse_flag(args: MultiDict, name: str) -> bool:
    raw = (args.get(name) or "").strip().lower()
    if raw in TRUE_VALUES:
        return True
    if raw in FALSE_VALUES:
        return False
    raise BadParameter(name, "expected 1 (yes) or 0 (no)")


def parse_language(args: MultiDict) -> tuple[str | None, tuple[str, ...]]:
    """The language asked for (its French name) and the stored names that match it."""
    raw = parse_text(args, "language", max_length=TEXT_MAX_LENGTH)
    if raw is None:
        return None, ()
    language = find_language(raw)
    if language is None:
        raise BadParameter("language", f"unknown language; known: {', '.join(LANGUAGE_VALUES)}")
    return language.name, tuple(matching_names(language))


def parse_criteria(args: MultiDict, limit: int | None = None, moment: dt.datetime | None = None) -> Criteria:
    """Filters and size of the search; ``limit`` overrides the parameter (printable sheet);
    ``moment`` is the app's clock (for ``open_now`` and every result's status)."""
    language, languages = parse_language(args)
    return Criteria(
        open_now=parse_flag(args, "open_now"),
        language=language,
        languages=languages,
        moment=moment,
        categories=tuple(dict.fromkeys(parse_choices(args.getlist("category"), "category", CATEGORIES))),
        needs=tuple(dict.fromkeys(parse_choices(args.getlist("need"), "need", NEEDS))),
        age=parse_int(args, "age", None, 0, MAX_AGE),
        sex=parse_sex(args),
        limit=limit if limit is not None else parse_int(args, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        max_km=parse_float(args, "max_km", None, MIN_KM, MAX_KM),
    )
