"""Planning overlays of the layer catalogue: campaign coverage, at-risk zones, service desert.

Plain data, like :mod:`layers.catalogue`: one colour per campaign channel (fill opacity grows
with recency), one hatch colour per risk level, one style for the service desert. Used by the
``/planning`` page (``webmap/static/planning/``) and by the catalogue's overlays on ``/``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from webmap.planning.vocabulary import CHANNELS, DEMO_LABEL, RISK_KINDS, RISK_LEVELS, THEMES

from .catalogue import (
    BOUNDARIES_ATTRIBUTION,
    DIRECTORY_ATTRIBUTION,
    PUBLIC,
    ApiSource,
    Attribution,
    Layer,
    LineStyle,
    attribution_dict,
)

NATURAL_EARTH_ATTRIBUTION = Attribution("Natural Earth", "https://www.naturalearthdata.com/")
CENSUS_ATTRIBUTION = Attribution("INS, RGPH 2014", short="INS 2014")
RISK_SOURCES_ATTRIBUTION = Attribution(
    _l("At-risk zones: the criterion and source of each zone are given in its popup"),
    short=_l("At-risk zones"),
)
CAMPAIGNS_ATTRIBUTION = Attribution(_l("Campaigns: source given for each campaign"), short=_l("Campaigns"))

# Campaign coverage: fill colour by channel (colour-blind-safe qualitative palette, Okabe–Ito).
CHANNEL_COLORS: dict[str, str] = {
    "radio": "#0072b2",
    "community_meetings": "#009e73",
    "schools": "#e69f00",
    "transport_hubs": "#cc79a7",
    "border_posts": "#d55e00",
    "markets": "#56b4e9",
}
# Opacity of a campaign's fill: MIN for the oldest campaign of the period, MAX for the latest.
CAMPAIGN_FILL_OPACITY = (0.12, 0.5)

# At-risk zones: hatched, one colour and hatch spacing per level (denser = higher).
RISK_LEVEL_COLORS: dict[int, str] = {1: "#b08900", 2: "#c2410c", 3: "#9f1239"}
RISK_HATCH_SPACING: dict[int, int] = {1: 10, 2: 7, 3: 4}  # px between hatch lines

DESERT_STYLE = LineStyle("#3b3b3b", 1.0, fill_color="#5c5c5c", fill_opacity=0.35, dash_array="4 3")

PLANNING_LAYERS: tuple[Layer, ...] = (
    Layer(
        id="service_desert",
        label=_l("Service desert"),
        kind="service_desert",
        source=ApiSource("planning.service_desert_api", {"km": "50"}),
        attributions=(BOUNDARIES_ATTRIBUTION, DIRECTORY_ATTRIBUTION, CENSUS_ATTRIBUTION),
        style=DESERT_STYLE,
        legend_label=_l("Farther than %(km)s km from any CHPM, reception/transit or social centre"),
        z_index=380,
        default_visible=False,
    ),
    Layer(
        id="risk_zones",
        label=_l("At-risk zones"),
        kind="risk_zones",
        source=ApiSource("planning.risk_zones_api"),
        attributions=(BOUNDARIES_ATTRIBUTION, NATURAL_EARTH_ATTRIBUTION, RISK_SOURCES_ATTRIBUTION),
        tooltip="name",
        z_index=390,
        default_visible=False,
    ),
    Layer(
        id="campaigns",
        label=_l("Prevention campaigns"),
        kind="campaigns",
        source=ApiSource("planning.campaigns_api", {"days": "365"}),
        attributions=(CAMPAIGNS_ATTRIBUTION, BOUNDARIES_ATTRIBUTION),
        tooltip="name",
        z_index=395,
        default_visible=False,
    ),
)


@dataclass(frozen=True)
class PlanningLegend:
    channels: list[dict]
    levels: list[dict]
    desert: dict


def _km_text(km: float) -> str:
    return f"{km:g}"


def legend(km: float = 50.0) -> PlanningLegend:
    """Legend entries in the current locale (render inside a request or ``force_locale``)."""
    return PlanningLegend(
        channels=[
            {"code": code, "label": str(label), "color": CHANNEL_COLORS[code]} for code, label in CHANNELS.items()
        ],
        levels=[
            {
                "level": level,
                "label": str(label),
                "color": RISK_LEVEL_COLORS[level],
                "spacing": RISK_HATCH_SPACING[level],
            }
            for level, label in RISK_LEVELS.items()
        ],
        desert={
            "label": str(PLANNING_LAYERS[0].legend_label) % {"km": _km_text(km)},
            "color": DESERT_STYLE.color,
            "fillColor": DESERT_STYLE.fill_color,
            "fillOpacity": DESERT_STYLE.fill_opacity,
            "dashArray": DESERT_STYLE.dash_array,
        },
    )


def overlay_texts() -> dict:
    """Labels and messages the overlays show in popups, in the current locale."""
    return {
        "labels": {
            "themes": {code: str(label) for code, label in THEMES.items()},
            "channels": {code: str(label) for code, label in CHANNELS.items()},
            "levels": {str(code): str(label) for code, label in RISK_LEVELS.items()},
        },
        "kinds": {code: str(label) for code, label in RISK_KINDS.items()},
        "messages": {
            "organization": str(_l("Organization")),
            "period": str(_l("Period")),
            "reached": str(_l("People reached")),
            "theme": str(_l("Theme")),
            "channel": str(_l("Channel")),
            "source": str(_l("Source")),
            "criterion": str(_l("Criterion")),
            "level": str(_l("Level")),
            "kind": str(_l("Kind")),
            "date": str(_l("Date")),
            "desert": str(_l("Service desert")),
            "population": str(_l("Population 2014 (apportioned)")),
            "area": str(_l("Area")),
            "demoNotice": str(_l("Demonstration data (fictitious)")),
        },
    }


SWATCH_COLORS = {"campaigns": CHANNEL_COLORS["radio"], "risk_zones": RISK_LEVEL_COLORS[2],
                 "service_desert": DESERT_STYLE.fill_color}


def client_layers(
    url_for: Callable[..., str],
    params: dict | None = None,
    audience: str = PUBLIC,
    lang: str | None = None,
    visible: bool | None = None,
) -> list[dict]:
    """The planning overlays as JSON-ready layer definitions, each carrying its style and texts.

    ``params`` (``from``/``to``, ``km``) go into the URLs of the layers they concern: without
    them, campaigns are those of the last 365 days and the desert is at 50 km. ``visible``
    overrides the catalogue's default visibility (the /planning page shows them all).
    """
    params = params or {}
    try:
        km = float(params.get("km", 50))
    except (TypeError, ValueError):
        km = 50.0
    lgd = legend(km)
    shared = {
        **overlay_texts(),
        "lang": lang or str(get_locale() or "fr"),
        "demoLabel": DEMO_LABEL,
        "channels": {item["code"]: item for item in lgd.channels},
        "levels": {str(item["level"]): item for item in lgd.levels},
        "desert": lgd.desert,
        "campaignOpacity": list(CAMPAIGN_FILL_OPACITY),
        "script": url_for("static", filename="planning/overlays.js"),
    }
    out = []
    for lyr in sorted((x for x in PLANNING_LAYERS if x.audience == audience), key=lambda x: x.z_index):
        query = dict(lyr.source.params)
        if lyr.kind == "campaigns" and ("from" in params or "to" in params):
            query.pop("days", None)
            query.update({k: v for k, v in params.items() if k in ("from", "to")})
        elif lyr.kind == "service_desert" and "km" in params:
            query["km"] = params["km"]
        out.append(
            {
                **shared,
                "id": lyr.id,
                "label": str(lyr.label),
                "kind": lyr.kind,
                "visible": lyr.default_visible if visible is None else visible,
                "zIndex": lyr.z_index,
                "url": url_for(lyr.source.endpoint, **query),
                "tooltip": lyr.tooltip,
                "attributions": [attribution_dict(a) for a in lyr.attributions],
                "legendLabel": str(lyr.legend_label) % {"km": _km_text(km)} if lyr.legend_label else None,
                "swatchColor": SWATCH_COLORS[lyr.kind],
            }
        )
    return out
