"""Import a file into the directory: a dry run reporting every row, then an all-or-nothing commit.

Flask-free (but for translated messages): bytes + options in, an :class:`ImportReport` out. Every
row goes through the directory's one write path (``validate`` for the dry run, ``save_service``
for the commit) so it is checked exactly like the form, and every fault of a row is reported in
the same pass. Duplicates (``webmap.directory.duplicates``: same folded name in the same town or
sous-préfecture, same phone number, very similar name within 2 km), against the database and
within the file, are reported with the record they repeat and not written — unless the row
says it is another structure (column "doublon confirmé" = oui), which the report says too.
The commit runs in a savepoint: one failing row and nothing at all is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..directory.duplicates import Candidate, FileIndex, candidate_of, find_duplicates
from ..directory.records import save_service, validate
from ..directory.validation import InvalidValue, ValidationFailed, normalise_phone
from ..history import audit_context
from ..models import Organization, Place, Service
from ..models.transfer import ImportBatch, ImportedService
from ..text import fold
from .limits import DEFAULT_LIMITS, ImportRejected, Limits
from .mapping import IGNORE, REQUIRED, auto_mapping, columns_by_field, detect_osm, field_label, resolve_mapping
from .readers import SourceTable, check_degrees, read_upload
from .report import left_out_rows
from .rows import (
    DUPLICATE,
    ERROR,
    OK,
    SKIPPED,
    WARNING,
    WRITTEN,
    ImportOptions,
    ParsedRow,
    RowParser,
    TownMatch,
)

# Côte d'Ivoire's bounding box with a margin, to recognise swapped latitude/longitude.
COUNTRY_BOX = (-8.8, 4.1, -2.3, 10.9)


@dataclass
class ImportReport:
    filename: str
    format: str
    mapping: dict[str, str]  # column → field code ("" = ignored)
    rows: list[ParsedRow]
    notes: list[str] = field(default_factory=list)
    osm: bool = False
    skip_invalid: bool = False
    committed: bool = False
    created: list[uuid.UUID] = field(default_factory=list)
    batch_id: uuid.UUID | None = None

    @property
    def counts(self) -> dict[str, int]:
        counts = Counter(row.status for row in self.rows)
        return {status: counts.get(status, 0) for status in (OK, WARNING, DUPLICATE, SKIPPED, ERROR)}

    @property
    def to_write(self) -> list[ParsedRow]:
        return [row for row in self.rows if row.status in WRITTEN]

    @property
    def errors(self) -> list[ParsedRow]:
        return [row for row in self.rows if row.status == ERROR]

    @property
    def can_commit(self) -> bool:
        """Rows to write and none in error — unless the person chose to leave those out."""
        return bool(self.to_write) and (not self.errors or self.skip_invalid)

    def summary(self) -> dict:
        return {
            "filename": self.filename,
            "format": self.format,
            "rows": len(self.rows),
            **self.counts,
            "committed": self.committed,
            "created": len(self.created),
        }


def plan_import(
    session: Session,
    table: SourceTable,
    options: ImportOptions,
    filename: str = "",
) -> ImportReport:
    """The dry run: every row parsed, validated and checked for duplicates; nothing written."""
    osm = detect_osm(table.columns)
    mapping = resolve_mapping(table.columns, options.mapping)
    by_field = columns_by_field(mapping)
    notes = list(table.notes)
    if osm is not None:
        options = ImportOptions(**{**options.__dict__, "as_candidates": True})
        for column in (osm.id_column, osm.amenity_column, osm.name_column):
            if column:
                mapping[column] = "name" if column == osm.name_column else IGNORE
        notes.append(_("OpenStreetMap extract: imported as unverified candidates with the OSM "
                       "attribution; police, courthouse and social_facility nodes only."))
    _check_required(table, by_field, options, osm is not None)
    ignored = [c for c, code in mapping.items() if not code and (osm is None or c not in (
        osm.id_column, osm.amenity_column))]
    if ignored:
        notes.append(_("Columns not imported: %(columns)s.", columns=", ".join(ignored)))
    towns = _find_towns(session, table, by_field)
    parser = RowParser(by_field, options, osm, towns, table.has_geometry)
    rows = [parser.parse(source) for source in table.rows]
    _check_swapped(rows)
    for row in rows:
        if row.data is not None and row.status in (*WRITTEN, ERROR):
            _validate(session, row)
    _mark_duplicates(session, rows)
    return ImportReport(
        filename=filename, format=table.format_label, mapping=mapping, rows=rows, notes=notes,
        osm=osm is not None, skip_invalid=options.skip_invalid,
    )


def _check_required(table: SourceTable, by_field: dict, options: ImportOptions, osm: bool) -> None:
    missing = []
    if "name" not in by_field and not osm:
        missing.append("name")
    if "category" not in by_field and not options.category and not osm:
        missing.append("category")
    has_coordinates = "longitude" in by_field and "latitude" in by_field
    if not (table.has_geometry or has_coordinates or "town" in by_field):
        missing.append("position")
    if "source" not in by_field and not (options.source or "").strip() and not osm:
        missing.append("source")
    if missing:
        raise ImportRejected(
            _(
                "Required columns missing: %(fields)s. Map them to columns of the file, or give a "
                "default value (source, category). Columns found: %(columns)s.",
                fields=", ".join(field_label(code) for code in REQUIRED if code in missing),
                columns=", ".join(table.columns) or "—",
            )
        )


def _find_towns(session: Session, table: SourceTable, by_field: dict) -> dict[str, TownMatch]:
    """Gazetteer places for the file's town names: the most populous per folded name."""
    keys = {
        fold(str(row.values.get(column)))
        for row in table.rows
        for column in by_field.get("town", [])
        if row.values.get(column) is not None
    }
    keys.discard("")
    if not keys:
        return {}
    ranked = (
        select(
            Place.name_key,
            Place.name,
            func.ST_X(Place.geom).label("lon"),
            func.ST_Y(Place.geom).label("lat"),
            func.count().over(partition_by=Place.name_key).label("homonyms"),
            func.row_number()
            .over(partition_by=Place.name_key, order_by=(Place.population.desc().nulls_last(), Place.id))
            .label("rank"),
        )
        .where(Place.name_key.in_(sorted(keys)))
        .subquery()
    )
    result = session.execute(select(ranked).where(ranked.c.rank == 1)).all()
    return {r.name_key: TownMatch(r.name, r.lon, r.lat, r.homonyms) for r in result}


def _check_swapped(rows: list[ParsedRow]) -> None:
    """Refuse a file whose latitudes and longitudes are evidently swapped."""
    points = [(r.data.lon, r.data.lat) for r in rows if r.data and r.data.lon is not None]
    if not points:
        return
    check_degrees(points, None)
    west, south, east, north = COUNTRY_BOX
    inside = sum(1 for x, y in points if west <= x <= east and south <= y <= north)
    swapped = sum(1 for x, y in points if west <= y <= east and south <= x <= north)
    if swapped > len(points) / 2 and inside == 0:
        raise ImportRejected(
            _("Latitude and longitude appear to be swapped (e.g. %(x)s, %(y)s): in Côte d'Ivoire "
              "the longitude is negative (about -8 to -2.5) and the latitude lies between 4 and 11.",
              x=points[0][0], y=points[0][1])
        )


def _validate(session: Session, row: ParsedRow) -> None:
    """The directory's checks, adding every fault the row parser has not already reported."""
    try:
        clean = validate(session, row.data)
    except ValidationFailed as exc:
        for name, message in exc.errors.items():
            if name not in row.failed:
                label = _error_label(name)
                if message.casefold().startswith(label.casefold()):  # the message names its field
                    row.fail(message[:1].upper() + message[1:], name)
                else:
                    row.fail(_("%(field)s: %(message)s", field=label, message=message), name)
        row.candidate = Candidate(row.number, row.data.name, row.data.lon, row.data.lat,
                                  tuple(_normalised(row.data.phones)), town=row.data.town)
        return
    if row.status == ERROR:  # a fault the directory does not check (a date, yes or no)
        row.candidate = candidate_of(row.number, row.data, clean)
        return
    row.phones = clean["phones"]
    row.candidate = candidate_of(row.number, row.data, clean)
    if row.data.town is None and clean["situation"].town:
        row.town = clean["situation"].town


def _normalised(phones: list[str]) -> list[str]:
    result = []
    for raw in phones:
        try:
            result.append(normalise_phone(raw))
        except InvalidValue:
            continue
    return result


def _error_label(name: str) -> str:
    if name == "position":
        return _("Position")
    if name == "age":
        return _("Ages")
    return field_label(name)


def _mark_duplicates(session: Session, rows: list[ParsedRow]) -> None:
    """Flag the rows that repeat a record of the directory or an earlier row of the file.

    A flagged row is not written, unless it says it is another structure ("doublon confirmé");
    a row in error is told about its look-alikes too, so that one pass reports everything.
    """
    checked = [row for row in rows if row.candidate is not None and row.status in (*WRITTEN, ERROR)]
    if not checked:
        return
    existing = find_duplicates(session, [row.candidate for row in checked])
    earlier = FileIndex()
    for row in checked:
        found = list(existing.get(row.number, []))
        repeated = earlier.match(row.candidate)
        if repeated is not None:
            found.append(repeated)
        row.duplicates = found
        if not found:
            if row.status in WRITTEN:
                earlier.add(row.candidate)
            continue
        reasons = " ".join(d.message() for d in found)
        if row.status == ERROR:
            row.messages.append(reasons)
        elif row.duplicate_ok:
            row.warn(reasons + " " + _("Imported anyway: the row says it is another structure "
                                       "(column “%(column)s”).", column=field_label("duplicate_ok")))
            earlier.add(row.candidate)
        else:
            row.status = DUPLICATE
            row.messages.insert(0, reasons + " " + _(
                "Not imported. If it is another structure, write “oui” in a column “%(column)s”; "
                "if it is the same, update the existing record instead.",
                column=field_label("duplicate_ok")))


def commit_import(
    session: Session,
    table: SourceTable,
    options: ImportOptions,
    filename: str = "",
    batch: ImportBatch | None = None,
    actor: str | None = None,
    data: bytes | None = None,
) -> ImportReport:
    """Run the dry run again, then write every ok/warning row — or nothing at all.

    The rows are written in a savepoint that is rolled back on the first failure; the caller
    commits the session (or rolls it back) afterwards.
    """
    report = plan_import(session, table, options, filename)
    if not report.can_commit:
        return report
    org_ids = _organization_ids(session)
    created: list[tuple[ParsedRow, Service]] = []
    row = None
    try:
        with session.begin_nested(), audit_context(session, note=f"import: {filename}"):
            for row in report.to_write:
                entry = row.data
                key = fold(entry.organization_name or "")
                # A named organization is found again; a structure that is its own is never merged.
                if entry.organization_id is None and not row.own_organization and key in org_ids:
                    entry.organization_id, entry.organization_name = org_ids[key], None
                service = save_service(session, entry)
                if not row.own_organization:
                    org_ids.setdefault(key, service.organization_id)
                created.append((row, service))
            batch = _record_batch(session, report, options, batch, actor, data, table)
            for row, service in created:
                session.add(ImportedService(batch_id=batch.id, service_id=service.id,
                                            row_number=row.number, external_ref=row.external_ref))
            session.flush()
    except ValidationFailed as exc:
        failing = row or report.to_write[0]
        failing.fail("; ".join(f"{k}: {v}" for k, v in exc.errors.items()))
        return report
    report.committed = True
    report.created = [service.id for _row, service in created]
    report.batch_id = batch.id
    return report


def _organization_ids(session: Session) -> dict[str, uuid.UUID]:
    result: dict[str, uuid.UUID] = {}
    for org_id, name in session.execute(select(Organization.id, Organization.name).order_by(
            Organization.created_at, Organization.id)):
        result.setdefault(fold(name), org_id)
    return result


def _record_batch(session, report, options, batch, actor, data, table) -> ImportBatch:
    if batch is None:
        content = data or b""
        batch = ImportBatch(
            created_by=actor,
            filename=report.filename[:255] or "?",
            format=table.format,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            options=options_to_json(options),
        )
        session.add(batch)
    batch.status = "committed"
    batch.content = None
    batch.report = {**report.summary(), "committed": True, "created": len(report.to_write),
                    # what was left out, to fix and import again (report.left_out_csv)
                    "columns": list(table.columns), "left_out": left_out_rows(report)}
    batch.committed_at = dt.datetime.now(dt.UTC)
    session.flush()
    return batch


def options_to_json(options: ImportOptions) -> dict:
    return {
        "source": options.source,
        "organization": options.organization,
        "category": options.category,
        "as_candidates": options.as_candidates,
        "skip_invalid": options.skip_invalid,
        "mapping": dict(options.mapping),
        "organization_id": str(options.organization_id) if options.organization_id else None,
        "allow_fallback": options.allow_fallback,
    }


def options_from_json(document: dict) -> ImportOptions:
    return ImportOptions(
        source=document.get("source"),
        organization=document.get("organization"),
        category=document.get("category"),
        as_candidates=bool(document.get("as_candidates")),
        skip_invalid=bool(document.get("skip_invalid")),
        mapping=dict(document.get("mapping") or {}),
        organization_id=uuid.UUID(document["organization_id"]) if document.get("organization_id") else None,
        allow_fallback=bool(document.get("allow_fallback")),
    )


def import_file(
    session: Session,
    data: bytes,
    filename: str,
    options: ImportOptions,
    *,
    dry_run: bool = True,
    limits: Limits = DEFAULT_LIMITS,
    actor: str | None = None,
) -> ImportReport:
    """Read ``data`` and either report (dry run) or commit; ``ImportRejected`` for a bad file."""
    table = read_upload(data, filename, limits)
    if dry_run:
        return plan_import(session, table, options, filename)
    return commit_import(session, table, options, filename, actor=actor, data=data)


__all__ = [
    "IGNORE",
    "ImportOptions",
    "ImportRejected",
    "ImportReport",
    "auto_mapping",
    "commit_import",
    "import_file",
    "plan_import",
]
