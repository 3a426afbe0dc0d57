"""The import's dry-run report as a CSV file a person opens in a spreadsheet (Flask-free).

The page shows the first 1,000 rows; the file has every row. Names and towns come from the
uploaded file, so every cell goes through :func:`webmap.spreadsheet.safe_cell`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from ..spreadsheet import safe_row
from .importer import ImportReport


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
