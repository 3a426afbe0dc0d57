"""Thin views of the planning feature: parse parameters, call the Flask-free analysis, render.

* ``GET /planning`` — the page: map with overlays, coverage table and chart, priority list,
  service desert, methods
* ``GET /planning/coverage.csv`` — the coverage table as CSV
* ``GET /api/v1/campaigns``, ``/api/v1/risk-zones`` — GeoJSON; ``GET /api/v1/coverage`` — JSON rows
  (the three planning routes of the documented API, /openapi.json)
* ``GET /planning/priorities.json``, ``/planning/service-desert.geojson`` — the page's other data
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

import layers.planning as planning_layers

from ..api.params import parse_choice, parse_choices, parse_float, parse_int
from ..assets.routes import vendor_url
from ..directory.query import dumps, feature_collection
from ..errors import BadParameter
from ..extensions import db
from ..mapview import places
from ..viewer import current_viewer
from . import analysis, service, table_csv
from .chart import ChartLabels, coverage_svg
from .table_csv import Column
from .vocabulary import CHANNELS, DEMO_LABEL, RISK_KINDS, RISK_LEVELS, SHELTER_CATEGORIES, THEMES

bp = Blueprint("planning", __name__)

LEVEL_LABELS = {"region": _l("Regions"), "departement": _l("Départements")}
MAX_DESERT_KM = 500.0


# ------------------------------------------------------------------------------- parameters


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(args: Mapping[str, str], name: str) -> dt.date | None:
    """A date of the years 1900 to 2100: periods are computed from it (0001-01-01 minus a year
    is no date at all)."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        if not _ISO_DATE.fullmatch(raw):
            raise ValueError(raw)
        value = dt.date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(name, "expected a date YYYY-MM-DD") from None
    if not service.MIN_DATE <= value <= service.MAX_DATE:
        raise BadParameter(name, f"must lie between {service.MIN_DATE.isoformat()} and {service.MAX_DATE.isoformat()}")
    return value


def parse_period(args: Mapping[str, str], today: dt.date | None = None) -> analysis.Period:
    """``from``/``to`` (YYYY-MM-DD); missing ``to`` is today, missing ``from`` a year before ``to``."""
    start, end = parse_date(args, "from"), parse_date(args, "to")
    end = end or (today or dt.date.today())
    if start is None:
        return analysis.Period.default(end)
    return analysis.Period(start, end)  # raises BadParameter("from") when from > to


def parse_level(args: Mapping[str, str], default: str = "departement") -> str:
    raw = (args.get("level") or "").strip() or default
    if raw not in analysis.LEVELS:
        raise BadParameter("level", f"expected one of {', '.join(analysis.LEVELS)}")
    return raw


def parse_km(args: Mapping[str, str]) -> float:
    return parse_float(args, "km", analysis.DEFAULT_DESERT_KM, 1.0, MAX_DESERT_KM)


def _geojson(document: dict) -> Response:
    return Response(dumps(document), mimetype="application/geo+json")


# ---------------------------------------------------------------------------------------- API


@bp.get("/api/v1/campaigns")
def campaigns_api():
    args = request.args
    days = parse_int(args, "days", None, 1, service.MAX_CAMPAIGN_DAYS)
    if args.get("from") or args.get("to"):
        period = parse_period(args)
    elif days is not None:
        period = analysis.Period(dt.date.today() - dt.timedelta(days=days - 1), dt.date.today())
    else:
        period = None
    features, truncated = service.campaign_features(
        db.session,
        period=period,
        themes=tuple(parse_choices(args.getlist("theme"), "theme", THEMES)),
        channels=tuple(parse_choices(args.getlist("channel"), "channel", CHANNELS)),
        include_demo=parse_choice(args, "demo", ("1", "0"), default="1") == "1",
        limit=parse_int(args, "limit", service.DEFAULT_CAMPAIGN_LIMIT, 1, current_app.config["WEBMAP_API_MAX_LIMIT"]),
    )
    return _geojson(
        feature_collection(
            features,
            period=period.as_dict() if period else None,
            numberReturned=len(features),
            truncated=truncated,
            demo=any(f["properties"]["is_demo"] for f in features),
        )
    )


@bp.get("/api/v1/risk-zones")
def risk_zones_api():
    kinds = tuple(parse_choices(request.args.getlist("kind"), "kind", RISK_KINDS))
    return _geojson(feature_collection(service.risk_zone_features(db.session, kinds)))


@bp.get("/api/v1/coverage")
def coverage_api():
    level = parse_level(request.args)
    period = parse_period(request.args)
    table = analysis.coverage_table(db.session, level, period, current_viewer(), DEMO_LABEL)
    return jsonify(table.as_dict())


@bp.get("/planning/priorities.json")
def priorities_api():
    period = parse_period(request.args)
    threshold = parse_float(request.args, "threshold", analysis.WEAK_COVERAGE, 0.0, 1.0)
    zones = analysis.priority_list(db.session, period, current_viewer(), threshold, demo_label=DEMO_LABEL)
    return jsonify(
        period=period.as_dict(),
        threshold=threshold,
        score=_score_text(),
        zones=[zone.as_dict() for zone in zones],
    )


@bp.get("/planning/service-desert.geojson")
def service_desert_api():
    desert = analysis.service_desert(db.session, parse_km(request.args), current_viewer())
    feature = desert.feature()
    feature["properties"]["method"] = _desert_method_text()
    return _geojson(feature_collection([feature] if desert.geometry else [], **feature["properties"]))


# ---------------------------------------------------------------------------------------- CSV


def _csv_columns() -> list[Column]:
    return [Column(key, str(heading)) for key, heading in (
        ("pcode", _("P-code")),
        ("name", _("Name")),
        ("parent", _("Parent")),
        ("population_2014", _("Population 2014")),
        ("risk_zones", _("At-risk zones")),
        ("risk_area_km2", _("At-risk area (km²)")),
        ("covered_km2", _("Covered at-risk area (km²)")),
        ("covered_share", _("Share covered")),
        ("campaigns", _("Campaigns")),
        ("demo_campaigns", _("Demonstration campaigns")),
        ("people_reached", _("People reached")),
        ("reached_per_1000", _("Reached per 1,000 inhabitants")),
        ("shelter_km", _("Nearest shelter-type service (km)")),
        ("social_centre_km", _("Nearest social centre (km)")),
        ("demo", _("Demonstration data")),
    )]


@bp.get("/planning/coverage.csv")
def coverage_csv():
    """``format=excel-fr`` (default: opens in French Excel) or ``csv-en`` (for machines)."""
    level = parse_level(request.args)
    period = parse_period(request.args)
    fmt = parse_choice(request.args, "format", table_csv.FORMATS, table_csv.DEFAULT_FORMAT)
    table = analysis.coverage_table(db.session, level, period, current_viewer(), DEMO_LABEL)
    body = table_csv.coverage_csv(table, _csv_columns(), (_("Period from"), _("Period to")), fmt)
    suffix = "" if fmt == table_csv.DEFAULT_FORMAT else f"_{fmt}"
    filename = f"couverture_{level}_{period.start.isoformat()}_{period.end.isoformat()}{suffix}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# ---------------------------------------------------------------------------------------- page


def _score_text() -> str:
    return _(
        "Score (0–100) = 100 × (1 − share covered) × (level ÷ 3) × (0.5 + 0.5 × remoteness), where "
        "remoteness is the distance to the nearest shelter-type service divided by %(cap)s km (at most 1; "
        "1 when there is none). Zones covered below %(threshold)s %% are listed.",
        cap=f"{analysis.REMOTENESS_CAP_KM:g}",
        threshold=f"{analysis.WEAK_COVERAGE * 100:g}",
    )


def _desert_method_text() -> str:
    return _(
        "Discs of the chosen distance (geodesic) are drawn around every active CHPM, reception and "
        "transit centre and social centre, at the position the public sees (a confidential centre at "
        "its town); the desert is the country outside them. The 2014 census gives population by "
        "département only: each sous-préfecture receives its département's population in proportion "
        "to its area, then counts in the desert in proportion to the share of its area lying there. "
        "This assumes an even density within each département."
    )


def _page_params(args: Mapping[str, str]) -> tuple[dict, str | None]:
    """Valid page settings, falling back to defaults (with the error shown) when a value is bad."""
    error = None
    try:
        period = parse_period(args)
    except BadParameter as exc:
        error = _("Invalid period (%(param)s): the default period is shown.", param=exc.parameter)
        period = analysis.Period.default()
    try:
        level = parse_level(args, default="region")
    except BadParameter:
        error, level = _("Unknown level: regions are shown."), "region"
    try:
        km = parse_km(args)
    except BadParameter:
        error = _("Invalid distance: %(km)s km is used.", km=f"{analysis.DEFAULT_DESERT_KM:g}")
        km = analysis.DEFAULT_DESERT_KM
    return {"period": period, "level": level, "km": km}, error


def fmt_number(value: float, digits: int = 0) -> str:
    """A number in the current locale (French: 12 345,6)."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(round(value, digits) if digits else int(round(value)), format=pattern)


def _attributions(config: dict) -> list[str]:
    seen: list[str] = []
    for lyr in config["layers"]:
        for attribution in lyr["attributions"]:
            if attribution["text"] not in seen:
                seen.append(attribution["text"])
    return seen


@bp.get("/planning")
def index():
    params, error = _page_params(request.args)
    period, level, km = params["period"], params["level"], params["km"]
    session, viewer = db.session, current_viewer()
    table = analysis.coverage_table(session, level, period, viewer, DEMO_LABEL)
    priorities = analysis.priority_list(session, period, viewer, demo_label=DEMO_LABEL)
    desert = analysis.service_desert(session, km, viewer)
    has_demo = service.has_demo_campaigns(session)
    query = {"from": period.start.isoformat(), "to": period.end.isoformat(), "km": f"{km:g}"}
    config = {"layers": planning_layers.client_layers(url_for, query, lang=str(get_locale()), visible=True)}
    config.update(
        view={"bounds": [[4.34, -8.61], [10.74, -2.49]]},
        boundariesUrl=url_for("api.admin_areas", level="1", simplify="0.005"),
        loadError=_("A layer could not be loaded."),
        sourcesLabel=_("Sources"),
        placesUrl=url_for("map.places_file", v=places.places_file(db.session).fingerprint),
    )
    chart = coverage_svg(
        table.rows,
        ChartLabels(
            title=_("Share of the at-risk area covered by at least one campaign, %(level)s",
                    level=str(LEVEL_LABELS[level]).lower()),
            axis=_("Share of the at-risk area covered"),
            empty=_("No at-risk zone is recorded."),
            demo=DEMO_LABEL,
            row=_("%(name)s: %(value)s"),  # filled by the chart
        ),
    )
    csv_url = url_for("planning.coverage_csv", level=level, **{"from": query["from"], "to": query["to"]})
    csv_en_url = url_for("planning.coverage_csv", level=level, format="csv-en",
                         **{"from": query["from"], "to": query["to"]})
    status = 400 if error else 200
    return render_template(
        "planning/index.html",
        title=_("Planning: prevention campaigns, at-risk zones and coverage gaps"),
        table=table,
        priorities=priorities,
        desert=desert,
        has_demo=has_demo,
        demo_label=DEMO_LABEL,
        period=period,
        level=level,
        km=km,
        error=error,
        chart=chart,
        csv_url=csv_url,
        csv_en_url=csv_en_url,
        config=config,
        level_labels={code: str(label) for code, label in LEVEL_LABELS.items()},
        kinds={code: str(label) for code, label in RISK_KINDS.items()},
        risk_levels={code: str(label) for code, label in RISK_LEVELS.items()},
        legend=planning_layers.legend(km),
        score_text=_score_text(),
        desert_method=_desert_method_text(),
        shelter_categories=SHELTER_CATEGORIES,
        attributions=_attributions(config),
        fmt_number=fmt_number,
        leaflet_js=vendor_url("leaflet", "leaflet.js"),
        leaflet_css=vendor_url("leaflet", "leaflet.css"),
    ), status


from . import editing  # noqa: E402,F401  (the editing pages register on the same blueprint)
