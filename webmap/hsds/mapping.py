"""Our records as Open Referral HSDS 3.0 objects: one mapping for the HSDS API (``/hsds``) and
the tabular package (``/export/hsds.zip``).

Flask-free. Each function maps one record to the flat HSDS object of its table (the package's
rows); :mod:`webmap.hsds.query` nests them into the API's full objects. Locations are mapped
from the rows of :func:`webmap.directory.query.located_select`, so the confidentiality rules
are those of every other output: a confidential location is its town's public point, without
address, and its description says so.

Required HSDS fields are never empty: an organization without a description gets one built
from facts we publish (the kinds of its structures and their towns); an address is published
only when its street address is known and may be shown. Côte d'Ivoire has no postal codes:
``postal_code`` is the empty string (the one required field left empty, because any value
would be invented).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from functools import lru_cache

from flask import has_app_context
from flask_babel import force_locale

from ..models import Organization, Phone, Service
from ..taxonomy import CATEGORIES, NEEDS, SEXES

HSDS_VERSION = "3.0"
NAMESPACE = uuid.UUID("0b7f4a55-6f0e-4c8e-9a3c-5d1f2e9a7c11")  # ids of rows we derive
COUNTRY = "CI"
NO_POSTAL_CODE = ""  # Côte d'Ivoire has no postal codes
STATUS = {"active": "active", "inactive": "inactive", "planned": "inactive"}
PLANNED_NOTE = "Service prévu, pas encore ouvert."
MASKED_NOTE = "Lieu confidentiel (adresse masquée)\u00a0: position donnée au centre de {town}, sans adresse."
CONTACT_NOTE = "Point de contact public\u00a0: {contact}"
NO_ADDRESS_NOTE = "Adresse à vérifier."
TOWN_NOTE = "Ville\u00a0: {town}."

VOCABULARIES = {
    "category": ("webmap — catégories de structures", CATEGORIES),
    "need": ("webmap — besoins couverts", NEEDS),
}


def derived_id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts)))


def timestamp(moment: dt.datetime | None) -> str | None:
    """HSDS datetime: UTC with milliseconds (``2026-12-04T18:02:11.123Z``)."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def website(url: str | None) -> str | None:
    value = (url or "").strip()
    if not value or " " in value:
        return None
    if "://" not in value:
        value = "http://" + value
    return value


def labels(locale: str = "fr") -> dict[str, dict[str, str]]:
    """Our vocabularies' labels in ``locale`` (vocabulary → code → label), read once per process:
    switching the locale reloads every catalogue, too slow to do per record."""
    if not has_app_context():
        return _read_labels(locale)
    return _cached_labels(locale)


def _read_labels(locale: str) -> dict[str, dict[str, str]]:
    with force_locale(locale):
        return {name: {code: str(label) for code, label in vocabulary.items()}
                for name, vocabulary in (("category", CATEGORIES), ("need", NEEDS), ("sex", SEXES))}


_cached_labels = lru_cache(maxsize=4)(_read_labels)


def eligibility(service: Service) -> str | None:
    parts = []
    if service.sexes:
        parts.append(labels("fr")["sex"][service.sexes])
    low, high = service.minimum_age, service.maximum_age
    if low is not None and high is not None:
        parts.append(f"{low} à {high} ans")
    elif low is not None:
        parts.append(f"à partir de {low} ans")
    elif high is not None:
        parts.append(f"jusqu'à {high} ans")
    return ", ".join(parts) or None


def term_id(kind: str, code: str) -> str:
    return derived_id("term", kind, code)


def taxonomy_id(kind: str) -> str:
    return derived_id("taxonomy", kind)


def terms_by_id() -> dict[str, tuple[str, str]]:
    """taxonomy_term id → (kind, code) for every term we publish."""
    return {term_id(kind, code): (kind, code) for kind, (_t, vocabulary) in VOCABULARIES.items() for code in vocabulary}


def service_record(service: Service) -> dict:
    description = service.description
    if service.status == "planned":
        description = f"{description}\n({PLANNED_NOTE})" if description else PLANNED_NOTE
    eligibility_text = eligibility(service)
    return {
        "id": str(service.id), "organization_id": str(service.organization_id),
        "name": service.name, "alternate_name": service.alternate_name,
        "description": description, "url": website(service.url), "email": service.email,
        "status": STATUS[service.status], "eligibility_description": eligibility_text,
        "minimum_age": service.minimum_age, "maximum_age": service.maximum_age,
        "assured_date": service.assured_date.isoformat() if service.assured_date else None,
        "last_modified": timestamp(service.updated_at),
    }


def organization_description(categories: Iterable[str], towns: Iterable[str]) -> str:
    """What we publish about an organization's structures, when it has no description."""
    french = labels("fr")["category"]
    kinds = sorted({french[c] for c in categories if c in french})
    places = sorted({t for t in towns if t})
    text = "Organisation de l'annuaire webmap (description à compléter)."
    if kinds:
        text += " Structures\u00a0: " + ", ".join(kinds)
        text += (" à " + ", ".join(places) + ".") if places else "."
    return text


def organization_record(
    organization: Organization, categories: Iterable[str] = (), towns: Iterable[str] = ()
) -> dict:
    """``categories`` and ``towns``: of its published structures (the facts of a built description)."""
    return {
        "id": str(organization.id), "name": organization.name,
        "alternate_name": organization.alternate_name,
        "description": (organization.description or "").strip() or organization_description(categories, towns),
        "email": organization.email, "website": website(organization.website),
    }


def service_at_location_record(link_id: object, service_id: object, location_id: object) -> dict:
    return {"id": str(link_id), "service_id": str(service_id), "location_id": str(location_id), "description": None}


def location_record(feature: dict, organization_id: object) -> dict:
    """The location of a located feature (``webmap.directory.query.located_feature``)."""
    p = feature["properties"]
    notes = []
    if p["masked"]:
        notes.append(MASKED_NOTE.format(town=p["town"] or "sa ville"))
    elif not p["address"]:
        notes.append(NO_ADDRESS_NOTE + (" " + TOWN_NOTE.format(town=p["town"]) if p["town"] else ""))
    if p["public_contact"]:
        notes.append(CONTACT_NOTE.format(contact=p["public_contact"]))
    lon, lat = feature["geometry"]["coordinates"]
    return {
        "id": p["location_id"], "location_type": "physical",
        "organization_id": str(organization_id) if organization_id else None,
        "name": p["name"], "description": " ".join(notes) or None,
        "latitude": lat, "longitude": lon,
    }


def address_record(feature: dict, area_names: dict[str, str]) -> dict | None:
    """The street address of a located feature, when known and not masked (``area_names``:
    P-code → name of the regions and départements)."""
    p = feature["properties"]
    if p["masked"] or not p["address"]:
        return None
    return {
        "id": derived_id("address", p["location_id"]), "location_id": p["location_id"],
        "address_1": p["address"], "city": p["town"] or area_names.get(p["adm2_pcode"]) or "",
        "region": area_names.get(p["adm2_pcode"]),
        "state_province": area_names.get(p["adm1_pcode"]) or "",
        "postal_code": NO_POSTAL_CODE, "country": COUNTRY, "address_type": "physical",
    }


def phone_record(phone: Phone) -> dict:
    return {
        "id": str(phone.id), "service_id": str(phone.service_id) if phone.service_id else None,
        "location_id": str(phone.location_id) if phone.location_id else None,
        "number": phone.number, "type": phone.type, "description": phone.description,
    }


def attribute_records(service: Service) -> list[dict]:
    """The service's category and needs as links to our taxonomy terms."""
    records = []
    for kind, codes in (("category", [service.category]), ("need", service.needs or [])):
        for code in codes:
            records.append({
                "id": derived_id("attribute", service.id, kind, code),
                "link_id": str(service.id), "taxonomy_term_id": term_id(kind, code),
                "link_type": f"service_{kind}", "link_entity": "service", "value": code,
            })
    return records


def taxonomy_records() -> list[dict]:
    return [{
        "id": taxonomy_id(kind), "name": title, "version": "1",
        "description": f"Vocabulaire fixe de webmap ({kind})\u00a0; codes stables en anglais.",
    } for kind, (title, _vocabulary) in VOCABULARIES.items()]


def taxonomy_term_records() -> list[dict]:
    french, english = labels("fr"), labels("en")
    return [{
        "id": term_id(kind, code), "code": code, "name": french[kind][code], "description": english[kind][code],
        "taxonomy_id": taxonomy_id(kind), "language": "fr",
    } for kind, (_title, vocabulary) in VOCABULARIES.items() for code in vocabulary]
