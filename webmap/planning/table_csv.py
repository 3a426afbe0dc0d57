"""The coverage table as CSV, in two dialects (Flask-free; headings come in already translated).

* ``excel-fr`` (the default): what French Excel and LibreOffice open with a double click —
  ``;`` between cells, decimal commas, no thousands separator (a grouped "12 345" would be read as
  text), shares as the page shows them ("8 %"), UTF-8 with a byte-order mark so accents survive.
* ``csv-en``: for machines — ``,`` between cells, decimal points, shares as fractions (0.0778),
  stable column keys as headings (``pcode``, ``covered_share``…), no byte-order mark.

Human-oriented cells go through :func:`webmap.spreadsheet.safe_row` (formula injection); the
machine dialect keeps its values exact, as the HSDS package does.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from ..spreadsheet import safe_row
from .analysis import CoverageTable

FORMATS = ("excel-fr", "csv-en")
DEFAULT_FORMAT = "excel-fr"

# Decimals written for each numeric column in the French dialect (the page shows fewer).
FRENCH_DECIMALS = {
    "risk_area_km2": 1,
    "covered_km2": 1,
    "reached_per_1000": 2,
    "shelter_km": 1,
    "social_centre_km": 1,
}
SHARE_COLUMNS = frozenset({"covered_share"})


@dataclass(frozen=True)
class Column:
    key: str
    heading: str


def french_number(value: float | int, decimals: int = 0) -> str:
    """``1234.5`` → ``"1234,5"``: a decimal comma and no grouping, as French Excel reads a number."""
    if isinstance(value, int) and not decimals:
        return str(value)
    return f"{value:.{decimals}f}".replace(".", ",")


def french_share(value: float) -> str:
    """``0.0778`` → ``"8 %"``: rounded as the planning page shows it."""
    return f"{round(value * 100):d} %"


def _french_cell(key: str, value: object) -> object:
    if value is None:
        return ""
    if key in SHARE_COLUMNS:
        return french_share(float(value))
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return french_number(value, FRENCH_DECIMALS.get(key, 0))


def coverage_csv(table: CoverageTable, columns: Sequence[Column], period_headings: tuple[str, str],
                 fmt: str = DEFAULT_FORMAT) -> str:
    """The rows of ``table`` as CSV text in dialect ``fmt`` (see the module docstring)."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    period = [table.period.start.isoformat(), table.period.end.isoformat()]
    out = io.StringIO()
    if fmt == "csv-en":
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([c.key for c in columns] + ["period_from", "period_to"])
        for row in table.rows:
            data = row.as_dict()
            writer.writerow(["" if data[c.key] is None else data[c.key] for c in columns] + period)
        return out.getvalue()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(safe_row([c.heading for c in columns] + list(period_headings)))
    for row in table.rows:
        data = row.as_dict()
        writer.writerow(safe_row([_french_cell(c.key, data[c.key]) for c in columns] + period))
    return "\ufeff" + out.getvalue()
