"""Fixed vocabularies of the planning feature: codes stored in the database, labels translated."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

THEMES: dict[str, object] = {
    "child_trafficking": _l("Child trafficking awareness"),
    "birth_registration": _l("Birth registration"),
    "child_labour": _l("Child labour"),
    "other": _l("Other"),
}

CHANNELS: dict[str, object] = {
    "radio": _l("Radio"),
    "community_meetings": _l("Community meetings"),
    "schools": _l("Schools"),
    "transport_hubs": _l("Transport hubs"),
    "border_posts": _l("Border posts"),
    "markets": _l("Markets"),
}

RISK_KINDS: dict[str, object] = {
    "cocoa_production": _l("Cocoa production"),
    "mining": _l("Mining"),
    "border_crossing": _l("Border crossing"),
    "transport_hub": _l("Transport hub"),
    "urban_hotspot": _l("Urban hotspot"),
    "other": _l("Other"),
}

# Risk level of a zone: 1 = watch, 2 = elevated, 3 = high.
RISK_LEVELS: dict[int, object] = {
    1: _l("Level 1 — watch"),
    2: _l("Level 2 — elevated"),
    3: _l("Level 3 — high"),
}

# "Shelter-type" services: the categories of the directory taxonomy that accommodate children
# (webmap.taxonomy.CATEGORIES). Reintegration and private care centres are not counted: the
# taxonomy does not say that they take children in at night on referral.
SHELTER_CATEGORIES: tuple[str, ...] = ("chpm", "reception_transit")
SOCIAL_CENTRE_CATEGORIES: tuple[str, ...] = ("social_centre",)
# The service desert counts both: any CHPM, reception/transit centre or social centre.
DESERT_CATEGORIES: tuple[str, ...] = SHELTER_CATEGORIES + SOCIAL_CENTRE_CATEGORIES

DEMO_LABEL = "DÉMO"
