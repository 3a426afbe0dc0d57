"""Thin views: ``/api/v1/nearest`` (JSON), the page ``/referral``, its results fragment and the
printable referral sheet. Parsing is in ``params``, the search in ``nearest``, the sheet's map
in ``sheet``."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

from flask import Response, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

import layers

from .. import clock, dataversion, taxonomy
from ..assets.routes import vendor_url
from ..directory.languages import LANGUAGES
from ..errors import BadParameter, WebmapError
from ..extensions import db
from ..jsonio import dumps_bytes
from ..mapview import places as map_places
from ..offline.messages import page_messages as offline_messages
from ..viewer import current_viewer
from . import bp, fallback, nearest, sheet
from .messages import page_error
from .params import parse_criteria, parse_origin, parse_page_origin

SHEET_MATCHES = 3


def _json(document: dict, status: int = 200) -> Response:
    body = dumps_bytes(document)
    if body is None:  # a value orjson refuses: the standard library, as before
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, mimetype="application/json")


@bp.get("/api/v1/nearest")
def api_nearest():
    args = request.args
    criteria = parse_criteria(args, moment=clock.now())  # all checked before the origin is resolved
    result = _find(parse_origin(args), criteria)
    return _json(result.as_dict())


def _find(origin_args, criteria: nearest.Criteria) -> nearest.NearestResult:
    """Resolve the origin (gazetteer, on ``db.session``), then search on the lookup pool."""
    origin = nearest.resolve_origin(db.session, **origin_args.__dict__)
    db.end_read()
    viewer = current_viewer()

    def work(connection) -> nearest.NearestResult:
        result = nearest.find_nearest(connection, origin, criteria, viewer)
        # The version is read before the cached parts (see webmap.dataversion): with the search's
        # rows, or on its own when nothing was found.
        version = result.data_version or dataversion.current(connection)
        result.fallback = fallback.fallback_contacts(connection, version)
        fallback.ask_instead(connection, result.results, result.fallback, version)
        return result

    return db.lookup(work)


# The page's form sends these (empty when not filled in): their presence means a search was asked.
_FORM_KEYS = ("place", "coords", "lat", "lon", "pcode", "need", "category", "age", "sex", "max_km", "limit",
              "open_now", "language")


# --- the page -------------------------------------------------------------------------------------


def _search(limit: int | None = None) -> tuple[dict, int]:
    """Run the search the query string describes, for the page or the sheet: (context, status)."""
    args = request.args
    context: dict = {"result": None, "error": None, "origin": None, "fallback": []}
    origin_args = None
    try:
        criteria = parse_criteria(args, limit=limit, moment=clock.now())
        context["criteria"] = criteria
        origin_args = parse_page_origin(args)
        if not origin_args.given:
            if not any(key in args for key in _FORM_KEYS):
                return context, 200  # the page opened: nothing asked yet
            raise BadParameter("place", "say where the child is: a place, coordinates or a point")
        result = _find(origin_args, criteria)
        context["origin"] = result.origin
        context["result"] = result
        context["fallback"] = result.fallback
    except WebmapError as exc:
        context["error"] = page_error(exc, origin_args)
        for suggestion in context["error"]["suggestions"]:
            suggestion["url"] = _search_from(suggestion)
        if exc.status < 500:  # the database answers: still say whom to call
            db.end_read()
            context["fallback"] = db.lookup(
                lambda connection: fallback.fallback_contacts(connection, dataversion.current(connection))
            )
        # The question "did you mean…?" is an ordinary page (the API answers 300).
        return context, 200 if context["error"]["question"] else exc.status
    return context, 200


def _search_from(suggestion: dict) -> str:
    """The same search from a suggested place (its id) or area (its P-code): a plain link."""
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in ("place", "coords", "lat", "lon", "pcode")]
    origin = ("place", suggestion["id"]) if "id" in suggestion else ("pcode", suggestion["pcode"])
    return url_for("referral.index") + "?" + urlencode([origin, *kept])


def _query_string(result: nearest.NearestResult | None) -> str:
    """The canonical query of a search: what the shareable URL and the sheet link carry."""
    if result is None:
        return ""
    origin, criteria = result.origin, result.criteria
    pairs: list[tuple[str, object]] = []
    if origin.place_id is not None:
        pairs.append(("place", origin.place_id))
    elif origin.pcode:
        pairs.append(("pcode", origin.pcode))
    else:
        pairs += [("lat", f"{origin.lat:.5f}"), ("lon", f"{origin.lon:.5f}")]
    pairs += [("need", need) for need in criteria.needs]
    pairs += [("category", code) for code in criteria.categories]
    if criteria.age is not None:
        pairs.append(("age", criteria.age))
    if criteria.sex:
        pairs.append(("sex", criteria.sex))
    if criteria.max_km is not None:
        pairs.append(("max_km", f"{criteria.max_km:g}"))
    if criteria.limit != nearest.DEFAULT_LIMIT:
        pairs.append(("limit", criteria.limit))
    if criteria.open_now:
        pairs.append(("open_now", 1))
    if criteria.language:
        pairs.append(("language", criteria.language))
    return urlencode(pairs)


def _map_data(result: nearest.NearestResult | None) -> dict | None:
    """What the page's map draws: the origin, and each result at its displayed point."""
    if result is None:
        return None
    return {
        "origin": {"lat": result.origin.lat, "lon": result.origin.lon, "name": result.origin.name},
        "results": [
            {
                "rank": r["rank"],
                "name": r["name"],
                "lat": r["lat"],
                "lon": r["lon"],
                "color": layers.CATEGORY_STYLES[r["category"]].color,
                "full": r["full"],
                "masked": r["masked"],
            }
            for r in result.results
        ],
    }


def _form_state(context: dict) -> dict:
    """What the form shows: the request's values, with the resolved place's name."""
    args = request.args
    origin: nearest.Origin | None = context.get("origin")
    place_text = args.get("place", "")
    if origin is not None and origin.kind == "place":
        place_text = origin.name or place_text  # the name found, accents and all
    return {
        "place": place_text,
        "place_id": origin.place_id if origin is not None and origin.kind == "place" else None,
        "coords": args.get("coords", ""),
        "lat": args.get("lat", "") if not args.get("place") else "",
        "lon": args.get("lon", "") if not args.get("place") else "",
        "needs": args.getlist("need"),
        "categories": args.getlist("category"),
        "age": args.get("age", ""),
        "sex": args.get("sex", ""),
        "max_km": args.get("max_km", ""),
        "limit": args.get("limit", ""),
        "open_now": args.get("open_now", "") in ("1", "true", "on"),
        # The language found (its French name: the list's value), or what was typed.
        "language": getattr(context.get("criteria"), "language", None) or args.get("language", ""),
    }


def _render_context(context: dict) -> dict:
    result = context.get("result")
    query = _query_string(result)
    return {
        **context,
        "form": _form_state(context),
        "query": query,
        "share_url": url_for("referral.index", _external=True) + ("?" + query if query else ""),
        "sheet_url": url_for("referral.sheet_page") + ("?" + query if query else ""),
        "map_data": _map_data(result),
        "needs": taxonomy.labels(taxonomy.NEEDS),
        "categories": taxonomy.labels(taxonomy.CATEGORIES),
        "sexes_labels": taxonomy.labels(taxonomy.SEXES),
        "category_colors": {code: style.color for code, style in layers.CATEGORY_STYLES.items()},
        "ask_labels": {
            "organization": _("Ask its organisation:"),
            "social_centre": _("Ask the social centre of the region:"),
            "helpline": _("Ask the child helpline:"),
        },
        "max_km_choices": (10, 25, 50, 100, 200),
        "limit_choices": (3, 5, 10, 20),
        "languages": [language.name for language in LANGUAGES],
        "method": {"detour": nearest.DETOUR_FACTOR, "speed": nearest.AVERAGE_SPEED_KMH},
    }


def _line_style(layer_id: str) -> dict:
    """A boundary layer's style from the one catalogue, as Leaflet path options."""
    style = layers.layer(layer_id).style
    return {
        "color": style.color,
        "weight": style.weight,
        "opacity": style.opacity,
        "fill": style.fill_opacity > 0,
        "fillColor": style.fill_color or style.color,
        "fillOpacity": style.fill_opacity,
        "dashArray": style.dash_array,
    }


@bp.get("/referral")
def index():
    context, status = _search()
    client = {
        "lang": str(get_locale()),
        "placesUrl": url_for("api.places"),
        "resultsUrl": url_for("referral.results"),
        "pageUrl": url_for("referral.index"),
        "sheetUrl": url_for("referral.sheet_page"),
        "regionsUrl": url_for("api.admin_areas", level="1", simplify="0.01"),
        "countryUrl": url_for("api.admin_areas", level="0", simplify="0.01"),
        # The gazetteer's town names (one cached file, kept offline by the service worker).
        "townLabelsUrl": url_for("map.places_file", v=map_places.places_file(db.session).fingerprint),
        "styles": {name: _line_style(name) for name in ("regions", "country")},
        "attributions": [
            {"text": str(a.text), "url": a.url} for a in layers.attributions(["country", "regions", "services"])
        ],
        "view": layers.INITIAL_VIEW,
        "categoryColors": {code: style.color for code, style in layers.CATEGORY_STYLES.items()},
        "messages": {
            "noPlace": _("No town or village found"),
            "searching": _("Searching…"),
            "locating": _("Locating…"),
            "locationFailed": _("Your location could not be obtained: type a town or click on the map."),
            "locationFailedNoMap": _("Your location could not be obtained: type a town or coordinates."),
            "mapPoint": _("Point chosen on the map"),
            "myLocation": _("My location"),
            "origin": _("Origin"),
            "originNamed": _("Origin: %(name)s"),  # filled by the page
            "loadError": _("The search failed: check the connection and try again."),
            "copied": _("Link copied"),
            **offline_messages(),
        },
    }
    html = render_template(
        "referral/index.html",
        title=_("Refer a child"),
        client=client,
        leaflet_js=vendor_url("leaflet", "leaflet.js"),
        leaflet_css=vendor_url("leaflet", "leaflet.css"),
        **_render_context(context),
    )
    return html, status


@bp.get("/referral/results")
def results():
    """The results fragment alone, for the page's script (same template as the page)."""
    context, status = _search()
    return render_template("referral/_results.html", **_render_context(context)), status


@bp.get("/referral/sheet")
def sheet_page():
    """A one-page printable referral sheet: origin, needs, the three best matches, a small map.

    No personal data about the child: neither the age nor the sex used for the search is printed.
    """
    context, status = _search(limit=SHEET_MATCHES)
    result = context.get("result")
    svg = None
    if result is not None and context.get("error") is None:
        svg = sheet.small_map(db.session, result.origin, result.results)
    return (
        render_template(
            "referral/sheet.html",
            title=_("Referral sheet"),
            printed_on=dt.date.today(),
            map_svg=svg,
            **_render_context(context),
        ),
        status,
    )
