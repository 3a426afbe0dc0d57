"""Cells of human-oriented CSV files made safe for spreadsheet programs (CSV formula injection).

Excel, LibreOffice and Google Sheets run a cell starting with ``=``, ``+``, ``-`` or ``@`` (and
some a tab or carriage return before one) as a formula: ``=HYPERLINK(...)`` or a DDE call in a
name typed on a form would run on the computer of whoever opens the export. Such a cell is
written with a leading ``'``, which the spreadsheet shows as text. Plain numbers (``-12``,
``+3.5``, ``-0,25``) and phone numbers (``+225 07 00 00 00 01``, or several joined by ``; ``) are
left alone: they hold no letters, so no function or reference, and people read them as they are.

Every CSV a person opens goes through :func:`safe_cell` (the directory's CSV export, the planning
coverage table, the import report). The HSDS package is machine data and keeps its values exact;
names starting with ``=`` or ``@`` are refused at input instead (``validation.check_name``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_PHONE = r"\+\d[\d ]{6,}\d"
PHONES = re.compile(rf"{_PHONE}(?:; ?{_PHONE})*")


def safe_cell(value: object) -> object:
    """``value`` with a leading ``'`` when a spreadsheet would read it as a formula."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if NUMBER.fullmatch(value) or PHONES.fullmatch(value):
        return value
    return "'" + value


def safe_row(values: Iterable[object]) -> list[object]:
    return [safe_cell(value) for value in values]
