"""What the page says when a search cannot run: one clear sentence per parameter, translated.

The API keeps its technical English ``detail``; the page shows these instead.
"""

from __future__ import annotations

from flask_babel import gettext as _

from ..errors import BadParameter, WebmapError
from .nearest import MAX_AGE, MAX_KM
from .origin import COUNTRY_MARGIN_KM, AmbiguousOrigin, UnknownOrigin


def _outside_message(origin) -> str:
    """The point given lies outside the country: name it, latitude first as it was read."""
    if origin is not None and origin.lat is not None and origin.lon is not None:
        return _(
            "The point %(lat)s, %(lon)s (latitude, longitude) is outside Côte d'Ivoire, more than %(km)s km "
            "from its borders. Type the latitude first, in decimal degrees.",
            lat=f"{origin.lat:.4f}", lon=f"{origin.lon:.4f}", km=f"{COUNTRY_MARGIN_KM:.0f}",
        )
    return _(
        "These coordinates are outside Côte d'Ivoire (more than %(km)s km from its borders). "
        "Type the latitude first, in decimal degrees.",
        km=f"{COUNTRY_MARGIN_KM:.0f}",
    )


def _parameter_message(parameter: str, origin=None) -> str:
    messages = {
        "lat": _outside_message(origin),
        "lon": _("The longitude is missing or not a number between -180 and 180."),
        "coords": _("Type the coordinates as latitude, longitude in decimal degrees, for example 9.5051, -7.5643."),
        "age": _("The age must be a whole number of years between 0 and %(max)s.", max=MAX_AGE),
        "max_km": _("The maximum distance must be a number of kilometres between 0.1 and %(max)s.", max=int(MAX_KM)),
        "sex": _("Choose girl, boy or either."),
        "need": _("Unknown need: choose among the needs listed."),
        "category": _("Unknown category: choose among the categories listed."),
        "limit": _("The number of results must lie between 1 and 50."),
        # "or click on the map" is added by the page where its map is shown (map_hint).
        "place": _("Say where the child is: type a town or village, or coordinates."),
        "pcode": _("Unknown administrative area code."),
    }
    return messages.get(parameter, _("Please check the search."))


def page_error(exc: WebmapError, origin=None) -> dict:
    """``{"message", "parameter", "suggestions", "map_hint", "question"}`` for the template;
    ``origin``: the origin as the request gave it (``params.OriginArgs``), to name a point outside
    the country; ``question``: the typed name fits several places, the page asks which one
    (“Did you mean … or … ?”)."""
    if isinstance(exc, AmbiguousOrigin):
        return {"message": _("Several places match “%(name)s”.", name=exc.value), "parameter": "place",
                "suggestions": exc.suggestions, "map_hint": False, "question": True}
    if isinstance(exc, UnknownOrigin):
        value = exc.value
        if exc.parameter == "place":
            message = (
                _("No town or village is called “%(name)s”. Did you mean:", name=value)
                if exc.suggestions
                else _("No town or village is called “%(name)s”, nor anything close. Check the spelling.", name=value)
            )
        else:
            message = _("No administrative area has the code “%(code)s”.", code=value)
        return {"message": message, "parameter": exc.parameter, "suggestions": exc.suggestions, "map_hint": False,
                "question": False}
    if isinstance(exc, BadParameter):
        return {
            "message": _parameter_message(exc.parameter, origin),
            "parameter": exc.parameter,
            "suggestions": [],
            "map_hint": exc.parameter == "place",
            "question": False,
        }
    return {"message": _("The search failed: please try again."), "parameter": None, "suggestions": [],
            "map_hint": False, "question": False}
