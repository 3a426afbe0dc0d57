"""Which column of a file feeds which directory field: automatic for common French and English
headers (and for our own exports, Shapefile short names included), overridable by the person.

The OpenStreetMap profile is here too: files with ``osm_node_id`` (or ``@id``) and ``amenity``
columns become unverified candidates, named honestly, with the OSM attribution kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..text import fold
from .limits import ImportRejected

IGNORE = ""  # a column mapped to this is read but not used


@dataclass(frozen=True)
class Field:
    code: str
    label: object  # lazy string
    synonyms: tuple[str, ...]
    multiple: bool = False  # several columns may feed it (their values are joined)


FIELDS: dict[str, Field] = {
    f.code: f
    for f in (
        Field("name", _l("Name"), ("nom", "name", "nom de la structure", "nom structure", "structure",
                                   "denomination", "intitule", "libelle", "nom du service")),
        Field("category", _l("Category"), ("categorie", "category", "type de structure", "type",
                                           "categ")),
        Field("organization", _l("Organization"), ("organisation", "organization", "organisme",
                                                   "structure de tutelle", "tutelle", "ong", "org")),
        Field("source", _l("Source"), ("source", "sources", "origine")),
        Field("longitude", _l("Longitude"), ("longitude", "lon", "lng", "long", "x")),
        Field("latitude", _l("Latitude"), ("latitude", "lat", "y")),
        Field("precision", _l("Position precision"), ("precision", "precis", "precision position")),
        Field("confidential", _l("Confidential"), ("confidentiel", "confidential", "confid",
                                                   "confidentielle", "lieu confidentiel")),
        Field("public_contact", _l("Public contact point"), ("contact public", "public contact",
                                                             "point de contact", "pub contact")),
        Field("address", _l("Address"), ("adresse", "address", "addr")),
        Field("fallback_contact", _l("Fallback contact"), ("contact de secours", "si personne ne repond",
                                                           "fallback contact", "fallback")),
        Field("town", _l("Town"), ("ville", "localite", "town", "commune", "city", "village")),
        Field("description", _l("Description"), ("description", "descr", "observations")),
        Field("alternate_name", _l("Other name or acronym"), ("sigle", "acronyme", "alternate name",
                                                             "autre nom", "alt name")),
        Field("needs", _l("Needs covered"), ("besoins", "needs", "prestations", "services offerts")),
        Field("minimum_age", _l("Minimum age"), ("age minimum", "age min", "minimum age", "min age")),
        Field("maximum_age", _l("Maximum age"), ("age maximum", "age max", "maximum age", "max age")),
        Field("sexes", _l("Children received"), ("sexe", "sexes", "sex", "genre", "public accueilli")),
        Field("capacity", _l("Capacity"), ("capacite", "capacity", "places", "nombre de places",
                                           "capacite d accueil")),
        Field("capacity_updated", _l("Capacity date"), ("capacite mise a jour", "capacity updated",
                                                        "cap date", "date capacite")),
        Field("status", _l("Status"), ("statut", "status", "etat")),
        Field("hours", _l("Opening hours"), ("horaires", "horaire", "heures d ouverture",
                                             "horaires d ouverture", "opening hours", "hours")),
        Field("languages", _l("Languages"), ("langues", "langue", "languages", "language",
                                             "langues parlees")),
        Field("duplicate_ok", _l("Confirmed second record"), ("doublon confirme", "doublon voulu",
                                                              "pas un doublon", "autre structure",
                                                              "duplicate ok", "not a duplicate")),
        Field("email", _l("E-mail"), ("email", "e mail", "courriel", "mail", "adresse email")),
        Field("url", _l("Website"), ("site web", "site internet", "website", "url", "site")),
        Field("phones", _l("Phone numbers"), ("telephone", "telephones", "tel", "phone", "phones",
                                             "numero", "numero de telephone", "contact telephonique",
                                             "portable", "mobile", "tel 1", "tel 2", "telephone 1",
                                             "telephone 2"), multiple=True),
    )
}

# Columns our own exports write but an import never uses (shown as "ignored", not as unknown).
EXPORT_ONLY = ("id", "location_id", "loc_id", "adm1_pcode", "adm2_pcode", "verification", "verif",
               "assured_date", "assured", "stale", "masked")

# Shapefile fields have at most 10 characters: the exporter writes these names, the importer
# recognises them (they are also listed as synonyms above once folded).
SHAPEFILE_NAMES = {
    "location_id": "loc_id",
    "organization": "org",
    "public_contact": "pub_contac",
    "verification": "verif",
    "assured_date": "assured",
    "confidential": "confid",
    "minimum_age": "age_min",
    "maximum_age": "age_max",
    "alternate_name": "alt_name",
    "description": "descr",
    "capacity_updated": "cap_date",
    "adm1_pcode": "adm1_pcode",
    "adm2_pcode": "adm2_pcode",
    "longitude": "longitude",
    "latitude": "latitude",
}

_SYNONYMS = {fold(s): f.code for f in FIELDS.values() for s in (f.code, *f.synonyms)}
_SYNONYMS.update({fold(short): code for code, short in SHAPEFILE_NAMES.items() if code in FIELDS})

REQUIRED = ("name", "category", "position", "source")


def field_label(code: str) -> str:
    if code == "position":
        return str(_l("Position (geometry, longitude/latitude or town)"))
    return str(FIELDS[code].label) if code in FIELDS else code


def auto_mapping(columns: Iterable[str]) -> dict[str, str]:
    """column → field code (``IGNORE`` for the columns recognised nowhere)."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        code = _SYNONYMS.get(fold(column), IGNORE) or _truncated(column)
        if code and code in taken and not FIELDS[code].multiple:
            code = IGNORE  # the first column named like this wins
        mapping[column] = code
        if code:
            taken.add(code)
    return mapping


def _truncated(column: str) -> str:
    """A Shapefile field name cut at 10 characters ("organisati" for "organisation")."""
    if len(column) != 10:
        return IGNORE
    key = fold(column)
    matches = {code for synonym, code in _SYNONYMS.items() if len(synonym) > 10 and synonym[:10] == key}
    return matches.pop() if len(matches) == 1 else IGNORE


def parse_mapping_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """``["Nom de la structure=name", "Remarques="]`` as given on the command line."""
    result: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            raise ImportRejected(
                _("Column mapping %(pair)s: expected COLUMN=FIELD.", pair=pair)
            )
        column, code = pair.rsplit("=", 1)
        result[column.strip()] = code.strip()
    return result


def resolve_mapping(columns: list[str], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The automatic mapping with the person's choices applied; unknown columns or fields refused."""
    mapping = auto_mapping(columns)
    for column, code in (overrides or {}).items():
        if column not in mapping:
            raise ImportRejected(
                _("Column mapping: the file has no column %(column)s (columns: %(columns)s).",
                  column=column, columns=", ".join(columns))
            )
        if code and code not in FIELDS:
            raise ImportRejected(
                _("Column mapping: unknown field %(field)s (fields: %(fields)s).",
                  field=code, fields=", ".join(FIELDS))
            )
        if code and not FIELDS[code].multiple:
            for other, other_code in mapping.items():
                if other != column and other_code == code and other not in (overrides or {}):
                    mapping[other] = IGNORE
        mapping[column] = code
    return mapping


def columns_by_field(mapping: Mapping[str, str]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for column, code in mapping.items():
        if code:
            result.setdefault(code, []).append(column)
    return result


# --- OpenStreetMap ------------------------------------------------------------------------------

OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL"


@dataclass(frozen=True)
class OsmAmenity:
    category: str | None  # None: not imported
    unnamed: str | None = None  # honest name pattern for a node without a name
    reason: str | None = None  # why a skipped amenity is not child protection


# Decided once and documented in docs/reference.md.
OSM_AMENITIES: dict[str, OsmAmenity] = {
    "police": OsmAmenity("police", unnamed="Poste de police (OSM {id})"),
    "courthouse": OsmAmenity("justice", unnamed="Tribunal (OSM {id})"),
    "social_facility": OsmAmenity("social_centre", unnamed="Structure sociale (OSM {id})"),
    "kindergarten": OsmAmenity(None, reason="école maternelle"),
    "childcare": OsmAmenity(None, reason="garderie / crèche"),
    "townhall": OsmAmenity(None, reason="mairie"),
    "community_centre": OsmAmenity(None, reason="centre communautaire ou culturel"),
    "social_centre": OsmAmenity(None, reason="lieu associatif (club, foyer), au sens d'OSM"),
    "shelter": OsmAmenity(None, reason="abri contre les intempéries, au sens d'OSM"),
}


@dataclass(frozen=True)
class OsmProfile:
    id_column: str
    amenity_column: str
    name_column: str | None

    def node_id(self, values: Mapping[str, object]) -> str | None:
        raw = values.get(self.id_column)
        if raw is None:
            return None
        text = str(raw).strip()
        if text.startswith("node/"):
            text = text[5:]
        if text.endswith(".0"):
            text = text[:-2]
        return text if text.isdigit() else None


def detect_osm(columns: Iterable[str]) -> OsmProfile | None:
    """The OSM profile when the file looks like an OpenStreetMap extract."""
    folded = {fold(c): c for c in columns}
    id_column = folded.get("osm node id") or folded.get("osm id") or folded.get("@id")
    amenity = folded.get("amenity")
    if id_column and amenity:
        return OsmProfile(id_column, amenity, folded.get("name"))
    return None
