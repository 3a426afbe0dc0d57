"""The import's reports as CSV files a person opens in a spreadsheet (Flask-free).

The dry-run report: the page shows the first 1,000 rows; the file has every row. The rows left
out of a partial import (in error, or duplicates): the file's own columns, so that the file can
be fixed and imported again, and what to fix. Names and towns come from the uploaded file, so
every cell goes through :func:`webmap.spreadsheet.safe_cell`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ..spreadsheet import safe_row
from .rows import DUPLICATE, ERROR

if TYPE_CHECKING:
    from .importer import ImportReport

LEFT_OUT = (ERROR, DUPLICATE)
# Columns the left-out file adds: the file's row number and what to fix (ignored on re-import).
ROW_COLUMN, REASONS_COLUMN = "ligne_du_fichier", "a_corriger"


def report_csv(report: ImportReport, header: Sequence[str], statuses: Mapping[str, object],
               categories: Mapping[str, str]) -> bytes:
    """UTF-8 with BOM, CRLF: row, result, name, category, town, reasons (``header`` labels)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(safe_row(header))
    for row in report.rows:
        writer.writerow(safe_row([
            row.number,
            str(statuses.get(row.status, row.status)),
            row.name or "",
            categories.get(row.category, row.category or ""),
            row.town or "",
            " ".join(row.messages),
        ]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _plain(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def left_out_rows(report: ImportReport) -> list[dict]:
    """The rows in error or duplicates, as JSON: number, the values read, what to fix."""
    result = []
    for row in report.rows:
        if row.status not in LEFT_OUT:
            continue
        values = {column: _plain(value) for column, value in row.source_values.items()}
        if row.source_point is not None:
            values["longitude"], values["latitude"] = (f"{c:.6f}" for c in row.source_point)
        result.append({"row": row.number, "values": values, "reasons": " ".join(row.messages)})
    return result


def left_out_csv(columns: Sequence[str], rows: Sequence[Mapping]) -> bytes:
    """The left-out rows with the file's columns (and longitude/latitude for a geometry)."""
    header = list(columns)
    for extra in ("longitude", "latitude"):
        if extra not in header and any(extra in row["values"] for row in rows):
            header.append(extra)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(safe_row([*header, ROW_COLUMN, REASONS_COLUMN]))
    for row in rows:
        values = row["values"]
        writer.writerow(safe_row([*(values.get(c) or "" for c in header), row["row"], row["reasons"]]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
