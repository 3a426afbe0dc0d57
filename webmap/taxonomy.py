"""The fixed vocabularies of the directory: codes stored in the database, labels translated.

Codes are stable English identifiers (used in the API and in files); labels go through
Flask-Babel so the interface shows them in French by default.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

CATEGORIES: dict[str, object] = {
    "social_centre": _l("Social centre"),
    "reception_transit": _l("Reception and transit centre"),
    "chpm": _l("Accommodation centre for minors (CHPM)"),
    "reintegration": _l("Reintegration centre"),
    "private_care": _l("Private care centre"),
    "ngo": _l("NGO / civil society organisation"),
    "police": _l("Police unit"),
    "labour_inspectorate": _l("Labour inspectorate"),
    "justice": _l("Justice"),
    "health": _l("Health"),
    "helpline": _l("Helpline"),
    "coordination": _l("Coordination body"),
}

NEEDS: dict[str, object] = {
    "shelter": _l("Shelter"),
    "psychosocial": _l("Psychosocial support"),
    "medical": _l("Medical care"),
    "legal": _l("Legal assistance"),
    "family_tracing": _l("Family tracing"),
    "reintegration": _l("Reintegration"),
    "case_management": _l("Case management"),
    "reporting": _l("Reporting"),
}

SEXES: dict[str, object] = {
    "all": _l("Girls and boys"),
    "female": _l("Girls"),
    "male": _l("Boys"),
}

SERVICE_STATUSES: dict[str, object] = {
    "active": _l("Active"),
    "inactive": _l("Inactive"),
    "planned": _l("Planned"),
}

VERIFICATION_STATUSES: dict[str, object] = {
    "to_verify": _l("To be verified"),
    "verified": _l("Verified"),
}

LOCATION_PRECISIONS: dict[str, object] = {
    "exact": _l("Exact"),
    "approximate": _l("Approximate"),
    "town": _l("Town"),
}

# Administrative levels as stored in ``admin_area.level``; the API also accepts 0..3.
ADMIN_LEVELS: dict[str, object] = {
    "adm0": _l("Country"),
    "district": _l("District"),
    "adm1": _l("Region"),
    "adm2": _l("Département"),
    "adm3": _l("Sous-préfecture"),
}


def labels(vocabulary: dict[str, object]) -> dict[str, str]:
    """The vocabulary's labels rendered in the current locale (for templates and JSON)."""
    return {code: str(label) for code, label in vocabulary.items()}


def vocabulary_labels() -> dict[str, dict[str, str]]:
    """Every vocabulary shown in pages and popups, rendered in the current locale."""
    return {
        "categories": labels(CATEGORIES),
        "needs": labels(NEEDS),
        "sexes": labels(SEXES),
        "statuses": labels(SERVICE_STATUSES),
        "verification": labels(VERIFICATION_STATUSES),
        "precisions": labels(LOCATION_PRECISIONS),
    }
