"""One file row → a :class:`~webmap.directory.records.ServiceInput`, with the reasons it cannot be.

Values are read leniently (codes or French/English labels, decimal commas, ``oui``/``non``,
several phone numbers in one cell) but never guessed: what is not in the file stays empty.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..directory.duplicates import Candidate, Duplicate
from ..directory.records import ServiceInput
from ..spreadsheet import FORMULA_START
from ..synonyms import french_labels, lookup
from ..text import fold
from .mapping import OSM_AMENITIES, OSM_ATTRIBUTION, OsmProfile, field_label
from .readers import SourceRow

# Row statuses, from best to worst; only "ok" and "warning" rows are written.
OK, WARNING, DUPLICATE, SKIPPED, ERROR = "ok", "warning", "duplicate", "skipped", "error"
WRITTEN = (OK, WARNING)
LIST_SEPARATORS = re.compile(r"\s*[;|,\n]\s*")
PHONE_SEPARATORS = re.compile(r"\s*(?:[;|,\n]|\s/\s|\bou\b|\bor\b)\s*")
TRUE = {"oui", "o", "yes", "y", "true", "vrai", "1", "x"}
FALSE = {"non", "n", "no", "false", "faux", "0"}
# The example row of the template (data/templates/services_template.csv) is never imported.
EXAMPLE_PREFIX = "exemple"
# Fields the row parser reports itself, as ``records.validate`` names them (so a fault is told once).
VALIDATED_AS = {"minimum_age": "age", "maximum_age": "age"}


@dataclass
class ImportOptions:
    """What the person chose besides the file: defaults and the candidates mode."""

    source: str | None = None  # for rows without a source
    organization: str | None = None  # for rows without an organization
    organization_id: uuid.UUID | None = None  # every row goes to this one (an editor's import)
    category: str | None = None  # for rows without a category
    as_candidates: bool = False
    skip_invalid: bool = False  # write the valid rows and leave out those in error (explicit choice)
    mapping: dict[str, str] = field(default_factory=dict)  # column → field, over the automatic one
    allow_fallback: bool = False  # an administrator's import may flag fallback contacts


@dataclass
class TownMatch:
    name: str
    lon: float
    lat: float
    homonyms: int  # gazetteer places folding to the same name


@dataclass
class ParsedRow:
    number: int
    status: str = OK
    messages: list[str] = field(default_factory=list)
    data: ServiceInput | None = None
    external_ref: str | None = None  # e.g. "osm:node/768587513"
    name: str | None = None
    category: str | None = None
    town: str | None = None
    phones: list[str] = field(default_factory=list)  # normalised, once validated
    own_organization: bool = False  # no organization given: the structure is its own
    duplicate_ok: bool = False  # the row says it is another structure than its look-alikes
    failed: set[str] = field(default_factory=set)  # fields already reported (validate's names)
    candidate: Candidate | None = None  # what the duplicate rules compare
    duplicates: list[Duplicate] = field(default_factory=list)
    source_values: dict[str, object] = field(default_factory=dict)  # the row as read, for a re-import
    source_point: tuple[float, float] | None = None  # its geometry's point (lon, lat)

    def fail(self, message: str, field_name: str | None = None) -> None:
        self.status = ERROR
        self.messages.append(message)
        if field_name:
            self.failed.add(VALIDATED_AS.get(field_name, field_name))

    def warn(self, message: str) -> None:
        if self.status == OK:
            self.status = WARNING
        self.messages.append(message)


def text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = str(value).strip()
    if result.startswith("'") and result[1:].startswith(FORMULA_START):
        result = result[1:]  # the quote our CSV export puts before a formula-like cell
    return result or None


def items(value: object, separators: re.Pattern = LIST_SEPARATORS) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [t for v in value if (t := text(v))]
    raw = str(value).strip()
    if raw.startswith("["):
        try:
            decoded = json.loads(raw)
        except (ValueError, RecursionError):
            decoded = None
        if isinstance(decoded, list):
            return [t for v in decoded if (t := text(v))]
    return [part for part in separators.split(raw) if part]


def number(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        return float(value)
    return float(str(value).strip().replace(" ", "").replace("\u00a0", "").replace(",", "."))


def whole(value: object) -> int:
    result = number(value)
    if not result.is_integer():
        raise ValueError(value)
    return int(result)


def boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    key = fold(text(value))
    if key in TRUE:
        return True
    if key in FALSE:
        return False
    raise ValueError(value)


def day(value: object) -> dt.date:
    raw = text(value) or ""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(raw[:10], pattern).date()
        except ValueError:
            continue
    raise ValueError(value)


class RowParser:
    """Turns rows into ``ServiceInput`` values for one file and one set of options."""

    def __init__(
        self,
        by_field: dict[str, list[str]],
        options: ImportOptions,
        osm: OsmProfile | None,
        towns: Mapping[str, TownMatch],
        has_geometry: bool,
    ) -> None:
        self.by_field = by_field
        self.options = options
        self.osm = osm
        self.towns = towns
        self.has_geometry = has_geometry
        # Lookups built once per import: codes, French and English labels, the synonym table.
        self.vocab = {name: lookup(name) for name in ("categories", "needs", "statuses", "precisions", "sexes")}

    def _raw(self, values: Mapping[str, object], code: str) -> object:
        columns = self.by_field.get(code, [])
        if code == "phones":
            return [p for c in columns for p in items(values.get(c), PHONE_SEPARATORS)] or None
        for column in columns:
            if values.get(column) is not None:
                return values[column]
        return None

    def _coded(self, row: ParsedRow, code: str, raw: object, vocabulary: str) -> str | None:
        if raw is None:
            return None
        found = self.vocab[vocabulary].get(fold(text(raw)))
        if found is None:
            accepted = french_labels(vocabulary)
            row.fail(_("%(field)s: unknown value \"%(value)s\" (accepted: %(labels)s).",
                       field=field_label(code), value=raw, labels="\u00a0; ".join(accepted)), code)
        return found

    def _convert(self, row: ParsedRow, code: str, raw: object, convert, problem: str):
        if raw is None:
            return None
        try:
            return convert(raw)
        except (ValueError, TypeError, OverflowError):
            row.fail(_("%(field)s: %(problem)s (\"%(value)s\").", field=field_label(code),
                       problem=problem, value=raw), code)
            return None

    def parse(self, source: SourceRow) -> ParsedRow:
        values = source.values
        row = ParsedRow(number=source.number, source_values=dict(values), source_point=source.point)
        if all(v is None for v in values.values()) and source.point is None:
            row.status = SKIPPED
            row.messages.append(_("Empty row."))
            return row
        get = lambda code: self._raw(values, code)  # noqa: E731
        name = text(get("name"))
        if name and fold(name).startswith(EXAMPLE_PREFIX) and not fold(name)[7:8].isalnum():
            row.name = name
            row.status = SKIPPED
            row.messages.append(_("Example row of the template: not imported."))
            return row
        raw_category = get("category")
        category = self._coded(row, "category", raw_category, "categories")
        source_text = text(get("source")) or (self.options.source or "").strip() or None
        description = text(get("description"))
        precision = self._coded(row, "precision", get("precision"), "precisions")
        if self.osm is not None:
            result = self._osm(row, values, name)
            if result is None:
                return row
            name, category, source_text, description = result
            precision = precision or "approximate"
        if raw_category is None and category is None:
            category = self.options.category
        if self.options.as_candidates and self.osm is None:
            origin = source_text or _("the imported file")
            note = _("Candidate imported from %(source)s: existence, activity and position to be "
                     "verified.", source=origin)
            description = f"{description}\n{note}" if description else note
            precision = precision or "approximate"
        organization = text(get("organization")) or (self.options.organization or "").strip() or None
        if self.options.organization_id is not None:
            organization = None
        elif organization is None and name:
            organization = name  # each structure is its own organization, as in the seed
            row.own_organization = True
        row.name, row.category = name, category
        if not name:
            row.fail(_("%(field)s: missing.", field=field_label("name")), "name")
            row.failed.add("organization")  # named after the structure: nothing more to say
        if not category and raw_category is None:
            row.fail(_("%(field)s: missing.", field=field_label("category")), "category")
        if not source_text:
            row.fail(_("%(field)s: missing.", field=field_label("source")), "source")
        lonlat, town_precision = self._position(row, source, get)
        confidential = self._convert(row, "confidential", get("confidential"), boolean,
                                     _("expected yes or no")) or False
        fallback_contact = self._convert(row, "fallback_contact", get("fallback_contact"), boolean,
                                         _("expected yes or no"))
        row.duplicate_ok = bool(self._convert(row, "duplicate_ok", get("duplicate_ok"), boolean,
                                              _("expected yes or no")))
        if fallback_contact is not None and not self.options.allow_fallback:
            row.warn(_("Only an administrator can mark fallback contacts: column ignored."))
            fallback_contact = None
        status = self._coded(row, "status", get("status"), "statuses") or "active"
        sexes = self._coded(row, "sexes", get("sexes"), "sexes")
        needs = []
        for raw_need in items(get("needs")):
            code = self._coded(row, "needs", raw_need, "needs")
            if code:
                needs.append(code)
        minimum_age = self._convert(row, "minimum_age", get("minimum_age"), whole,
                                    _("expected a whole number"))
        maximum_age = self._convert(row, "maximum_age", get("maximum_age"), whole,
                                    _("expected a whole number"))
        capacity = self._convert(row, "capacity", get("capacity"), whole, _("expected a whole number"))
        capacity_updated = self._convert(row, "capacity_updated", get("capacity_updated"), day,
                                         _("expected a date such as 2024-03-31 or 31/03/2024"))
        town = text(get("town"))
        row.town = town
        phones = get("phones") or []
        if not phones and not text(get("email")):
            row.warn(_("No phone number nor e-mail: contacts to be verified."))
        # Built even for a row in error: the directory's checks then report every other fault
        # of the row in the same pass (the importer leaves out the fields already reported).
        row.data = ServiceInput(
            name=name or "",
            category=category or "",
            organization_id=self.options.organization_id,
            organization_name=organization,
            source=source_text or "",
            lon=lonlat[0] if lonlat else None,
            lat=lonlat[1] if lonlat else None,
            precision=town_precision or precision or "approximate",
            confidential=confidential,
            public_contact=text(get("public_contact")),
            address=text(get("address")),
            town=town,
            description=description,
            alternate_name=text(get("alternate_name")),
            needs=needs,
            minimum_age=minimum_age,
            maximum_age=maximum_age,
            sexes=sexes,
            capacity=capacity,
            capacity_updated=capacity_updated,
            status=status,
            email=text(get("email")),
            url=text(get("url")),
            phones=phones,
            fallback_contact=fallback_contact,
            hours=text(get("hours")),
            languages=self._languages(get("languages")),
        )
        return row

    @staticmethod
    def _languages(raw: object) -> str | None:
        """The cell as text; a list (a JSON or GeoJSON array) joined."""
        names = items(raw) if isinstance(raw, list) or str(raw or "").strip().startswith("[") else None
        return ", ".join(names) if names is not None else text(raw)

    def _osm(self, row: ParsedRow, values: Mapping[str, object], name: str | None):
        osm = self.osm
        node = osm.node_id(values)
        amenity = text(values.get(osm.amenity_column))
        rule = OSM_AMENITIES.get(amenity or "")
        if node is None:
            row.fail(_("OpenStreetMap: the node id is missing."))
            return None
        row.external_ref = f"osm:node/{node}"
        if rule is None or rule.category is None:
            row.status = SKIPPED
            reason = rule.reason if rule else _("not a child-protection structure")
            row.messages.append(_("amenity=%(amenity)s: %(reason)s, not imported.",
                                  amenity=amenity or "?", reason=reason))
            return None
        own_name = text(values.get(osm.name_column)) if osm.name_column else None
        name = own_name or rule.unnamed.format(id=node)
        base = (self.options.source or "").strip()
        if "openstreetmap" not in base.lower():
            base = f"{OSM_ATTRIBUTION} — {base}" if base else OSM_ATTRIBUTION
        source_text = f"{base}\u00a0; nœud {node}\u00a0: https://www.openstreetmap.org/node/{node}"
        description = (
            f"Candidat importé d'OpenStreetMap (amenity={amenity})\u00a0: existence, activité, "
            "nom et position à vérifier."
        )
        if not own_name:
            row.warn(_("Unnamed in OpenStreetMap: named \"%(name)s\" until verified.", name=name))
        return name, rule.category, source_text, description

    def _position(self, row: ParsedRow, source: SourceRow, get):
        """(lon, lat) and "town" when the point is the gazetteer town's; errors on the row."""
        if source.geometry_error:
            row.fail(source.geometry_error, "position")
            return None, None
        if source.geometry_note:
            row.warn(source.geometry_note)
        town = text(get("town"))
        point = source.point
        if point is None:
            raw_lon, raw_lat = get("longitude"), get("latitude")
            if raw_lon is not None or raw_lat is not None:
                if raw_lon is None or raw_lat is None:
                    row.fail(_("Position: longitude and latitude must both be given."), "position")
                    return None, None
                try:
                    point = (number(raw_lon), number(raw_lat))
                except ValueError:
                    row.fail(_("Position: \"%(lon)s\", \"%(lat)s\" are not numbers.", lon=raw_lon,
                               lat=raw_lat), "position")
                    return None, None
        match = self.towns.get(fold(town)) if town else None
        if point is None:
            if town is None:
                row.fail(_("Position: no geometry, coordinates or town."), "position")
                return None, None
            if match is None:
                row.fail(_("Position: the town \"%(town)s\" is not in the gazetteer; give "
                           "coordinates.", town=town), "position")
                row.failed.add("town")
                return None, None
            row.warn(_("Position: centre of the town %(town)s (gazetteer).", town=match.name))
            if match.homonyms > 1:
                row.warn(_("%(count)d places are called %(town)s: the most populous was used.",
                           count=match.homonyms, town=match.name))
            return (match.lon, match.lat), "town"
        if match is not None and match.homonyms == 1:
            distance = distance_km(point, (match.lon, match.lat))
            if distance > 30:
                row.warn(_("The position is %(km)d km from %(town)s: check it.", km=distance,
                           town=match.name))
        return point, None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    from math import asin, cos, radians, sin, sqrt

    lon1, lat1, lon2, lat2 = map(radians, (*a, *b))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * asin(sqrt(h))
