"""Every string the map's JavaScript shows, translated on the server and injected as JSON.

``%(name)s`` placeholders are filled in by ``map.js``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

MESSAGES: dict[str, object] = {
    "loading": _l("Loading…"),
    "empty": _l("No structure in this area"),
    "loadError": _l("The structures could not be loaded. Move the map to try again."),
    "boundariesError": _l("The boundaries could not be loaded."),
    "truncated": _l("Only the first %(count)s structures are shown: zoom in to see the others."),
    "legend": _l("Legend"),
    "boundaries": _l("Boundaries"),
    "structures": _l("Assistance structures"),
    "noneInView": _l("No structure in view"),
    "category": _l("Category"),
    "organization": _l("Organisation"),
    "town": _l("Locality"),
    "phones": _l("Phone"),
    "publicContact": _l("Public contact point"),
    "needs": _l("Needs covered"),
    "children": _l("Children received"),
    "ageRange": _l("%(min)s to %(max)s years"),
    "ageFrom": _l("from %(min)s years"),
    "ageUpTo": _l("up to %(max)s years"),
    "status": _l("Status"),
    "verification": _l("Verification"),
    "lastVerified": _l("Last verified"),
    "stale": _l("Not verified for over 180 days"),
    "notRecorded": _l("Not recorded"),
    "precision": _l("Location precision"),
    "masked": _l("Confidential place: shown at town level only."),
    "clusterTitle": _l("%(count)s structures: zoom in to see them"),
    "reportError": _l("Report an error"),
    "seeRecord": _l("See the record"),
    "sources": _l("Sources"),
    "proposeStructure": _l("Propose a structure"),
    # Offline (the package stored on the device, static/offline/store.js)
    "offlineBanner": _l("Offline — data of %(date)s"),
    "offlineStored": _l("Offline data: %(date)s, %(size)s"),
    "offlineNoData": _l("No connection, and no data stored on this device: open the map once online."),
    "unavailableOffline": _l("Unavailable offline"),
    "layerUnavailableOffline": _l("%(layer)s: unavailable offline"),
    "kilobytes": _l("%(size)s kB"),
}


def rendered() -> dict[str, str]:
    """The messages in the current locale."""
    return {key: str(text) for key, text in MESSAGES.items()}
