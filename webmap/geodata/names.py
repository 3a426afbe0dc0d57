"""The project-authored table of official names, ``data/geo/admin_names.csv``.

One row per unit: ``level,pcode,name,district_pcode``; lines starting with ``#`` are comments
(the file's header documents where the facts come from and the district P-code choice: ISO
3166-2:CI codes ``CI-AB``..``CI-ZZ``, because the mirror's district population table numbers
districts ``CI01``..``CI14``, colliding with the OCHA ADM1 P-codes).
"""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .errors import GeodataError

LEVELS = ("adm0", "district", "adm1", "adm2", "adm3")


@dataclass(frozen=True)
class NamesTable:
    """Official names per level and P-code, and the district of each ADM1."""

    names: dict[str, dict[str, str]] = field(default_factory=dict)  # level -> pcode -> name
    district_of_adm1: dict[str, str] = field(default_factory=dict)  # adm1 pcode -> district pcode

    def name(self, level: str, pcode: str, default: str | None = None) -> str | None:
        return self.names.get(level, {}).get(pcode, default)


def read_names(path: str | Path) -> NamesTable:
    """Parse and check the names table; every problem is reported with its line number."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise GeodataError(f"cannot read the names table {path}: {exc}") from exc
    numbered = [(i, line) for i, line in enumerate(lines, 1)
                if line.strip() and not line.startswith("#")]
    reader = csv.DictReader([line for _, line in numbered])
    expected = ["level", "pcode", "name", "district_pcode"]
    if reader.fieldnames != expected:
        raise GeodataError(f"{path}: header must be {','.join(expected)}, got {reader.fieldnames}")
    names: dict[str, dict[str, str]] = {level: {} for level in LEVELS}
    district_of: dict[str, str] = {}
    for (lineno, _), row in zip(numbered[1:], reader, strict=True):
        level, pcode = row["level"].strip(), row["pcode"].strip()
        name = unicodedata.normalize("NFC", (row["name"] or "").strip())
        where = f"{path}:{lineno}"
        if level not in names:
            raise GeodataError(f"{where}: unknown level {level!r} (one of {', '.join(LEVELS)})")
        if not pcode or not name:
            raise GeodataError(f"{where}: pcode and name are required")
        if pcode in names[level]:
            raise GeodataError(f"{where}: duplicate {level} {pcode}")
        names[level][pcode] = name
        district = (row["district_pcode"] or "").strip()
        if level == "adm1":
            if not district:
                raise GeodataError(f"{where}: adm1 {pcode} needs its district_pcode")
            district_of[pcode] = district
        elif district:
            raise GeodataError(f"{where}: district_pcode is only for adm1 rows")
    unknown = sorted(set(district_of.values()) - set(names["district"]))
    if unknown:
        raise GeodataError(f"{path}: adm1 rows name unknown districts {unknown}")
    return NamesTable(names=names, district_of_adm1=district_of)
