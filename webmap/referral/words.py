"""Distances in words and rough travel estimates, in the request's language (Flask-Babel's
lazy strings only; English outside a request)."""

from __future__ import annotations

import functools
import math

from babel import Locale
from babel.numbers import parse_pattern
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..taxonomy import CATEGORIES

# Documented, with their sources, in docs/reference.md ("Estimates of road distance and travel time").
DETOUR_FACTOR = 1.3  # road km per straight km: "1.3 ± 0.1" (Wang et al. 2024, npj Complexity 1:22)
AVERAGE_SPEED_KMH = 40.0  # door to door; IMF WP/22/095 mean speeds between cities: 38-107 km/h
TRAVEL_MINUTES_STEP = 5  # travel times are rounded up to this many minutes

_DIRECTIONS = (
    _l("%(distance)s km north"),
    _l("%(distance)s km north-east"),
    _l("%(distance)s km east"),
    _l("%(distance)s km south-east"),
    _l("%(distance)s km south"),
    _l("%(distance)s km south-west"),
    _l("%(distance)s km west"),
    _l("%(distance)s km north-west"),
)
_COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
_NEAR = _l("less than 1 km away")


_ENGLISH = Locale.parse("en")


def _locale() -> Locale:
    """The request's language (Flask-Babel), English outside a request."""
    return get_locale() or _ENGLISH


_KM_PATTERN = parse_pattern("#,##0.#")


def format_km(km: float, locale: Locale | None = None) -> str:
    """Whole kilometres from 10 km, one decimal below, in the language's number format."""
    value = round(km) if km >= 10 else round(km, 1)
    return _formatted_km(value, locale or _locale())


@functools.lru_cache(maxsize=8192)
def _formatted_km(value: float, locale: Locale) -> str:
    """Babel's formatting costs ~0.1 ms a call; the rounded values of a country are few."""
    return _KM_PATTERN.apply(value, locale)


def compass_point(azimuth_deg: float) -> int:
    """Index in N, NE, E, SE, S, SW, W, NW of a bearing in degrees clockwise from north."""
    return int(((azimuth_deg % 360) + 22.5) // 45) % 8


def compass_code(km: float, azimuth_deg: float | None) -> str | None:
    """``"NW"`` and the like; None under 1 km (no direction worth giving)."""
    if km < 1 or azimuth_deg is None:
        return None
    return _COMPASS[compass_point(azimuth_deg)]


class _Words:
    """The phrases of a search in the request's language.

    Each lazy string costs a catalogue lookup through Flask-Babel's context (about 0.1 ms, a
    dozen per search), and catalogues do not change while the process runs: the phrases are
    translated once per language and process, then shared by every search (``_phrases``).
    """

    def __init__(self) -> None:
        self.locale = _locale()
        self.directions, self.near, self.categories = _phrases(self.locale)

    def direction(self, km: float, azimuth_deg: float | None) -> str:
        if km < 1 or azimuth_deg is None:
            return self.near
        return self.directions[compass_point(azimuth_deg)] % {"distance": format_km(km, self.locale)}

    def category(self, code: str) -> str:
        return self.categories.get(code, code)


@functools.lru_cache(maxsize=8)
def _phrases(locale: Locale) -> tuple[tuple[str, ...], str, dict[str, str]]:
    """Directions, "less than 1 km" and category labels, translated into ``locale``.

    Called with the current request's locale, so the lazy strings render in that language.
    """
    return (
        tuple(str(phrase) for phrase in _DIRECTIONS),
        str(_NEAR),
        {code: str(label) for code, label in CATEGORIES.items()},
    )


def direction_words(km: float, azimuth_deg: float | None) -> str:
    """'12 km au nord-ouest' / '12 km north-west' in the current language."""
    return _Words().direction(km, azimuth_deg)


def road_estimate(km: float) -> tuple[int, int]:
    """(road km, travel minutes): straight km × detour factor, at the average speed, rounded up."""
    road_km = km * DETOUR_FACTOR
    minutes = road_km / AVERAGE_SPEED_KMH * 60
    step = TRAVEL_MINUTES_STEP
    return max(1, math.ceil(road_km)), max(step, math.ceil(minutes / step) * step)
