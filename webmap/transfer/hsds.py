"""The directory as an Open Referral HSDS 3.0 tabular data package (``/export/hsds.zip``).

One CSV per HSDS table — organization, service, location, service_at_location, phone, address,
schedule, plus taxonomy, taxonomy_term and attribute for our categories and needs, and metadata
(the change history of the published records) — and a ``datapackage.json`` (Frictionless tabular
data package) describing them. Built from the same
:func:`~webmap.transfer.exporters.export_features` as the other exports, so filters and
confidentiality are those of the list: a confidential location is published at its town, without
street address, and its history hides what the history pages hide. Records are mapped by
:mod:`webmap.hsds.mapping`, the mapping of the HSDS API (``/hsds``) too. ``schedules.csv`` has one
row per weekly opening range (``byday``, ``opens_at``, ``closes_at``, Africa/Abidjan time, so
``timezone`` 0) and ``languages.csv`` one row per language of a service.

:func:`validate_package` checks every record against the HSDS JSON schemas (``jsonschema``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from flask_babel import force_locale
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ..config import PROJECT_ROOT
from ..directory.hours import hours_words
from ..directory.query import ServiceFilter
from ..directory.schedules import opening
from ..directory.visibility import PUBLIC, Viewer
from ..history.service import is_hidden, sensitive_locations
from ..hsds import mapping
from ..hsds.query import area_names, organization_facts
from ..models import AuditEntry, Language, Organization, Phone, Schedule, Service, ServiceAtLocation
from .exporters import (
    ATTRIBUTION,
    PUBLIC_NOTE,
    STAFF_NOTE,
    Export,
    confidential_marker,
    export_features,
    holds_exact_confidential,
)

HIDDEN_VALUE = "masqué\u00a0: lieu confidentiel"  # what the history pages say for the same values


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "string"  # Frictionless: string, number, integer, date, datetime
    format: str | None = None  # uuid, email, uri
    required: bool = False


def _uuid(name: str, required: bool = False) -> Column:
    return Column(name, format="uuid", required=required)


# Which HSDS fields we publish, in order (file name → columns).
TABLES: dict[str, tuple[str, tuple[Column, ...]]] = {
    "organization": ("organizations.csv", (
        _uuid("id", True), Column("name", required=True), Column("alternate_name"),
        Column("description", required=True), Column("email", format="email"),
        Column("website", format="uri"),
    )),
    "service": ("services.csv", (
        _uuid("id", True), _uuid("organization_id"), Column("name", required=True),
        Column("alternate_name"), Column("description"), Column("url", format="uri"),
        Column("email", format="email"), Column("status", required=True),
        Column("eligibility_description"), Column("minimum_age", "number"),
        Column("maximum_age", "number"), Column("assured_date", "date"),
        Column("last_modified", "datetime"),
    )),
    "location": ("locations.csv", (
        _uuid("id", True), Column("location_type", required=True), _uuid("organization_id"),
        Column("name"), Column("description"), Column("latitude", "number"),
        Column("longitude", "number"),
    )),
    "service_at_location": ("service_at_location.csv", (
        _uuid("id", True), _uuid("service_id"), _uuid("location_id"), Column("description"),
    )),
    "phone": ("phones.csv", (
        _uuid("id", True), _uuid("service_id"), _uuid("location_id"), Column("number", required=True),
        Column("type"), Column("description"),
    )),
    "address": ("addresses.csv", (
        _uuid("id", True), _uuid("location_id"), Column("address_1", required=True),
        Column("city", required=True), Column("region"), Column("state_province", required=True),
        Column("postal_code", required=True), Column("country", required=True),
        Column("address_type", required=True),
    )),
    "schedule": ("schedules.csv", (
        _uuid("id", True), _uuid("service_id"), _uuid("location_id"), Column("description"),
        Column("opens_at", "time"), Column("closes_at", "time"), Column("byday"), Column("freq"),
        Column("timezone", "number"),
    )),
    "language": ("languages.csv", (
        _uuid("id", True), _uuid("service_id"), Column("name"), Column("code"), Column("note"),
    )),
    "taxonomy": ("taxonomies.csv", (
        _uuid("id", True), Column("name", required=True), Column("description", required=True),
        Column("version"),
    )),
    "taxonomy_term": ("taxonomy_terms.csv", (
        _uuid("id", True), Column("code"), Column("name", required=True),
        Column("description", required=True), _uuid("taxonomy_id"), Column("language"),
    )),
    "attribute": ("attributes.csv", (
        _uuid("id", True), _uuid("link_id"), _uuid("taxonomy_term_id"), Column("link_type"),
        Column("link_entity"), Column("value"),
    )),
    # The audit_entry rows of the published records (HSDS: resource_id, resource_type required in
    # tabular form; last_action_date is a date).
    "metadata": ("metadata.csv", (
        _uuid("id", True), _uuid("resource_id", True), Column("resource_type", required=True),
        Column("last_action_date", "date", required=True), Column("last_action_type", required=True),
        Column("field_name", required=True), Column("previous_value", required=True),
        Column("replacement_value", required=True), Column("updated_by", required=True),
    )),
}

FOREIGN_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "service": (("organization_id", "organization"),),
    "location": (("organization_id", "organization"),),
    "service_at_location": (("service_id", "service"), ("location_id", "location")),
    "phone": (("service_id", "service"), ("location_id", "location")),
    "address": (("location_id", "location"),),
    "schedule": (("service_id", "service"), ("location_id", "location")),
    "language": (("service_id", "service"),),
    "taxonomy_term": (("taxonomy_id", "taxonomy"),),
    "attribute": (("taxonomy_term_id", "taxonomy_term"), ("link_id", "service")),
}
# metadata.resource_id points into the table named by its resource_type (checked by validate_package;
# a Frictionless foreign key cannot say so).


def _chunks(values: list, size: int = 5000) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def build_tables(
    session: Session, filters: ServiceFilter, viewer: Viewer = PUBLIC, features: list[dict] | None = None
) -> dict[str, list[dict]]:
    """HSDS table name → records (typed values; ``None`` for unknown) for the matching services
    (``features``: ``export_features`` of the same filter and viewer, when already read)."""
    if features is None:
        features = export_features(session, filters, viewer)
    service_ids = list(dict.fromkeys(uuid.UUID(f["properties"]["id"]) for f in features))
    services: dict[uuid.UUID, Service] = {}
    phones: list[Phone] = []
    schedules: list[Schedule] = []
    languages: list[Language] = []
    links: dict[tuple[str, str], str] = {}  # (service id, location id) → service_at_location.id
    for chunk in _chunks(service_ids):
        services.update({s.id: s for s in session.scalars(select(Service).where(Service.id.in_(chunk)))})
        phones.extend(session.scalars(
            select(Phone).where(Phone.service_id.in_(chunk)).order_by(Phone.service_id, Phone.number)
        ))
        schedules.extend(session.scalars(
            select(Schedule).where(Schedule.service_id.in_(chunk))
            .order_by(Schedule.service_id, Schedule.byday, Schedule.opens_at)
        ))
        languages.extend(session.scalars(
            select(Language).where(Language.service_id.in_(chunk))
            .order_by(Language.service_id, Language.position, Language.name)
        ))
        links.update({(str(s), str(loc)): str(i) for i, s, loc in session.execute(
            select(ServiceAtLocation.id, ServiceAtLocation.service_id, ServiceAtLocation.location_id)
            .where(ServiceAtLocation.service_id.in_(chunk))
        )})
    org_ids = sorted({s.organization_id for s in services.values()}, key=str)
    organizations: list[Organization] = []
    for chunk in _chunks(org_ids):
        organizations.extend(session.scalars(select(Organization).where(Organization.id.in_(chunk))))
    names = area_names(session)
    facts = organization_facts(session, org_ids)
    tables: dict[str, list[dict]] = {name: [] for name in TABLES}
    for org in sorted(organizations, key=lambda o: (o.name, str(o.id))):
        tables["organization"].append(mapping.organization_record(org, *facts[org.id]))
    for service_id in service_ids:
        service = services[service_id]
        tables["service"].append(mapping.service_record(service))
        tables["attribute"].extend(mapping.attribute_records(service))
    seen_locations: set[str] = set()
    for feature in features:
        p = feature["properties"]
        location_id = p["location_id"]
        tables["service_at_location"].append(
            mapping.service_at_location_record(links[(p["id"], location_id)], p["id"], location_id))
        if location_id in seen_locations:
            continue
        seen_locations.add(location_id)
        tables["location"].append(
            mapping.location_record(feature, services[uuid.UUID(p["id"])].organization_id))
        address = mapping.address_record(feature, names)
        if address:
            tables["address"].append(address)
    tables["phone"] = [mapping.phone_record(phone) for phone in phones]
    with force_locale("fr"):
        for row in schedules:
            tables["schedule"].append({
                "id": str(row.id), "service_id": str(row.service_id), "location_id": None,
                "description": hours_words([opening(row.byday, row.opens_at, row.closes_at)]),
                "opens_at": row.opens_at.isoformat(), "closes_at": row.closes_at.isoformat(),
                "byday": row.byday, "freq": row.freq, "timezone": 0,
            })
    for row in languages:
        tables["language"].append({
            "id": str(row.id), "service_id": str(row.service_id), "name": row.name,
            "code": row.code, "note": row.note,
        })
    tables["taxonomy"] = mapping.taxonomy_records()
    tables["taxonomy_term"] = mapping.taxonomy_term_records()
    # The history's ids of the published records → their ids in the package (the same).
    published = {name: {r["id"]: r["id"] for r in tables[name]}
                 for name in ("organization", "service", "location", "phone", "service_at_location",
                              "schedule", "language")}
    tables["metadata"] = _metadata(session, published, viewer)
    return tables


_METADATA_COLUMNS = (
    AuditEntry.id, AuditEntry.resource_id, AuditEntry.resource_type, AuditEntry.last_action_date,
    AuditEntry.last_action_type, AuditEntry.field_name, AuditEntry.previous_value,
    AuditEntry.replacement_value, AuditEntry.updated_by,
)


def _metadata(session: Session, published: dict[str, dict[str, str]], viewer: Viewer) -> list[dict]:
    """The ``audit_entry`` rows of the published records as HSDS metadata, oldest first.

    ``published``: table → {id in the history → id in the package}. A value the history pages
    hide from ``viewer`` (position, address, sous-préfecture of a place that is or ever was
    confidential: :func:`webmap.history.service.is_hidden`) reads ``HIDDEN_VALUE``. ``updated_by``
    is the name the pages show beside each change.
    """
    pairs = [(table, key) for table, ids in published.items() for key in ids]
    rows: list[tuple] = []
    for chunk in _chunks(pairs):
        wanted: dict[str, list[str]] = {}
        for table, key in chunk:
            wanted.setdefault(table, []).append(key)
        entries = session.execute(select(*_METADATA_COLUMNS).where(or_(*(
            and_(AuditEntry.resource_type == table, AuditEntry.resource_id.in_(keys))
            for table, keys in wanted.items()
        )))).all()
        sensitive = sensitive_locations(session, entries)
        rows.extend((entry, is_hidden(entry, viewer, sensitive)) for entry in entries)
    rows.sort(key=lambda row: row[0].id)
    return [{
        "id": mapping.derived_id("metadata", entry.id),
        "resource_id": published[entry.resource_type][entry.resource_id],
        "resource_type": entry.resource_type,
        "last_action_date": entry.last_action_date.astimezone(dt.UTC).date().isoformat(),
        "last_action_type": entry.last_action_type,
        "field_name": entry.field_name,
        # A creation has no previous value, a deletion no replacement: nothing there to hide.
        "previous_value": HIDDEN_VALUE if hidden and entry.last_action_type != "create" else entry.previous_value,
        "replacement_value": HIDDEN_VALUE if hidden and entry.last_action_type != "delete"
        else entry.replacement_value,
        "updated_by": entry.updated_by,
    } for entry, hidden in rows]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)


def datapackage(created: dt.datetime | None = None) -> dict:
    resources = []
    for name, (path, columns) in TABLES.items():
        fields = []
        for column in columns:
            entry: dict = {"name": column.name, "type": column.type}
            if column.format:
                entry["format"] = column.format
            if column.required:
                entry["constraints"] = {"required": True}
            fields.append(entry)
        schema: dict = {"fields": fields, "primaryKey": ["id"]}
        keys = FOREIGN_KEYS.get(name, ())
        if keys:
            schema["foreignKeys"] = [
                {"fields": [field], "reference": {"resource": target, "fields": ["id"]}}
                for field, target in keys
            ]
        resources.append({
            "name": name, "path": path, "profile": "tabular-data-resource", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "schema": schema,
        })
    return {
        "profile": "tabular-data-package",
        "name": "webmap-hsds",
        "title": "webmap — structures de protection de l'enfance en Côte d'Ivoire (HSDS 3.0)",
        "description": ATTRIBUTION,
        "version": mapping.HSDS_VERSION,
        "created": mapping.timestamp(created or dt.datetime.now(dt.UTC)),
        "resources": resources,
    }


def package_zip(
    tables: dict[str, list[dict]], created: dt.datetime | None = None, readme: str = PUBLIC_NOTE
) -> bytes:
    """The package: ``datapackage.json``, one CSV per table, and ``LISEZMOI.txt`` (``readme``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("LISEZMOI.txt", f"{readme}\r\n\r\n{ATTRIBUTION}\r\n")
        archive.writestr("datapackage.json",
                         json.dumps(datapackage(created), ensure_ascii=False, indent=2) + "\n")
        for name, (path, columns) in TABLES.items():
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\r\n")
            writer.writerow([c.name for c in columns])
            for record in tables[name]:
                writer.writerow([_cell(record.get(c.name)) for c in columns])
            archive.writestr(path, text.getvalue())
    return buffer.getvalue()


def export_hsds(
    session: Session, filters: ServiceFilter, viewer: Viewer = PUBLIC, today: dt.date | None = None
) -> Export:
    """The HSDS package as a download; marked confidential (file name, LISEZMOI.txt) when it
    holds exact positions of confidential places, as the service exports are."""
    features = export_features(session, filters, viewer)
    exact = holds_exact_confidential(features)
    content = package_zip(build_tables(session, filters, viewer, features), readme=STAFF_NOTE if exact else PUBLIC_NOTE)
    stamp = (today or dt.date.today()).isoformat()
    return Export(content=content, filename=f"webmap-hsds{confidential_marker(exact)}-{stamp}.zip",
                  mimetype="application/zip", rows=len(features), exact_confidential=exact)


# --- reading back and validating ------------------------------------------------------------------


def default_schema_dir() -> Path:
    """The offline copy of the HSDS schemas beside the checkout (``../shared/hsds/schema``)."""
    return PROJECT_ROOT.parent / "shared" / "hsds" / "schema"


def read_package(content: bytes) -> dict[str, list[dict]]:
    """The package's records typed as its ``datapackage.json`` says (empty cells left out)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        descriptor = json.loads(archive.read("datapackage.json"))
        tables: dict[str, list[dict]] = {}
        for resource in descriptor["resources"]:
            types = {f["name"]: f["type"] for f in resource["schema"]["fields"]}
            required = {f["name"] for f in resource["schema"]["fields"]
                        if f.get("constraints", {}).get("required")}
            text = archive.read(resource["path"]).decode("utf-8")
            rows = []
            for raw in csv.DictReader(io.StringIO(text)):
                record = {}
                for key, value in raw.items():
                    if value == "" and key not in required:
                        continue
                    record[key] = _typed(value, types.get(key, "string"))
                rows.append(record)
            tables[resource["name"]] = rows
    return tables


def _typed(value: str, kind: str) -> object:
    if kind == "number":
        number = float(value)
        return int(number) if number.is_integer() else number
    if kind == "integer":
        return int(value)
    return value


def validate_package(content: bytes, schema_dir: Path | None = None) -> list[str]:
    """Every problem found (empty list: valid): JSON-schema errors per record, duplicate ids and
    broken references between tables."""
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    folder = schema_dir or default_schema_dir()
    schemas = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in folder.glob("*.json")}
    registry = Registry().with_resources(
        (name, Resource.from_contents(schema, default_specification=DRAFT202012))
        for name, schema in schemas.items()
    )
    tables = read_package(content)
    problems: list[str] = []
    ids: dict[str, set[str]] = {}
    for name, records in tables.items():
        validator = Draft202012Validator(schemas[f"{name}.json"], registry=registry,
                                         format_checker=FormatChecker())
        seen: set[str] = set()
        for index, record in enumerate(records, start=1):
            for error in validator.iter_errors(record):
                problems.append(f"{name} row {index}: {'/'.join(map(str, error.path))} {error.message}")
            if record.get("id") in seen:
                problems.append(f"{name} row {index}: duplicate id {record['id']}")
            seen.add(record.get("id"))
        ids[name] = seen
    for name, keys in FOREIGN_KEYS.items():
        for index, record in enumerate(tables.get(name, []), start=1):
            for field, target in keys:
                value = record.get(field)
                if value is not None and value not in ids.get(target, set()):
                    problems.append(f"{name} row {index}: {field} {value} not in {target}")
    for index, record in enumerate(tables.get("metadata", []), start=1):
        target, value = record.get("resource_type"), record.get("resource_id")
        if value not in ids.get(target, set()):
            problems.append(f"metadata row {index}: resource_id {value} not in {target}")
    return problems
