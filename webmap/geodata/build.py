"""Build the administrative layers from the raw OCHA ADM3 file (pure: no database, no Flask).

* ADM3: the 510 sous-préfectures of ``upstream/ci_limites_sous_prefecture.geojson`` as they are.
* ADM2, ADM1, districts, ADM0: dissolved from ADM3 on P-codes (ADM2_PCODE, ADM1_PCODE, the
  district of each ADM1 from ``data/geo/admin_names.csv``, everything).
* Every geometry is made valid and returned as a MultiPolygon (EPSG:4326).
* ``name`` is the official accented name from the names table (ADM3: the raw ADM3_FR unless the
  table overrides it); ``name_ocha`` keeps the raw file's spelling (none for districts).
* ``population_2014`` (RGPH 2014): ADM2 from the département table, ADM1 from the region table,
  districts from the district table (joined by folded name), ADM0 the national sum; ADM3 has
  none. The three tables must agree with each other and with the membership, or the build fails.

District P-codes are the ISO 3166-2:CI codes (``CI-AB`` … ``CI-ZZ``); see the header of
``data/geo/admin_names.csv`` for why not the ``CI01``..``CI14`` of the district population table.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from ..text import fold
from .errors import GeodataError
from .names import NamesTable

ADMIN_LEVELS = ("adm0", "district", "adm1", "adm2", "adm3")
COLUMNS = [
    "pcode", "name", "name_ocha", "name_key", "parent_pcode", "district_pcode",
    "population_2014", "geometry",
]
RAW_COLUMNS = [
    "ADM3_PCODE", "ADM3_FR", "ADM2_PCODE", "ADM2_FR", "ADM1_PCODE", "ADM1_FR",
    "ADM0_PCODE", "ADM0_FR",
]


@dataclass(frozen=True)
class Population:
    """RGPH 2014 totals from the three population tables of the mirror."""

    by_adm2: dict[str, int]
    by_adm1: dict[str, int]
    by_district_key: dict[str, int]  # folded district name -> population

    @property
    def national(self) -> int:
        return sum(self.by_adm2.values())


def read_population(departement_csv: str | Path, region_csv: str | Path,
                    district_csv: str | Path) -> Population:
    dep = _read_csv(departement_csv, "dep_pcode", "population_rgph2014")
    reg = _read_csv(region_csv, "reg_pcode", "population_rgph2014")
    dist = _read_csv(district_csv, "district", "population_artci_layer")
    pop = Population(
        by_adm2=dep,
        by_adm1=reg,
        by_district_key={fold(name): value for name, value in dist.items()},
    )
    totals = {sum(dep.values()), sum(reg.values()), sum(dist.values())}
    if len(totals) != 1:
        raise GeodataError(
            f"population tables disagree on the national total: départements {sum(dep.values())},"
            f" régions {sum(reg.values())}, districts {sum(dist.values())}"
        )
    return pop


def read_adm3(path: str | Path) -> gpd.GeoDataFrame:
    """The raw OCHA ADM3 file, reduced to its names and P-codes, in EPSG:4326."""
    try:
        raw = gpd.read_file(path, columns=RAW_COLUMNS)
    except Exception as exc:  # pyogrio raises its own DataSourceError/FieldError family
        raise GeodataError(f"cannot read the ADM3 file {path}: {exc}") from exc
    missing = [c for c in RAW_COLUMNS if c not in raw.columns]
    if missing:
        raise GeodataError(f"{path}: missing columns {missing}")
    if raw.crs is None or raw.crs.to_epsg() != 4326:
        raw = raw.set_crs(4326, allow_override=True) if raw.crs is None else raw.to_crs(4326)
    if raw["ADM3_PCODE"].duplicated().any():
        raise GeodataError(f"{path}: duplicate ADM3 P-codes")
    return raw


def build_admin_areas(adm3_raw: gpd.GeoDataFrame, names: NamesTable,
                      population: Population) -> dict[str, gpd.GeoDataFrame]:
    """All five levels, each a GeoDataFrame with :data:`COLUMNS`, sorted by P-code."""
    _check_names(adm3_raw, names)
    raw = adm3_raw.copy()
    raw["DISTRICT_PCODE"] = raw["ADM1_PCODE"].map(names.district_of_adm1)

    adm3 = pd.DataFrame({
        "pcode": raw["ADM3_PCODE"],
        "name": [names.name("adm3", p, n) for p, n in zip(raw["ADM3_PCODE"], raw["ADM3_FR"],
                                                          strict=True)],
        "name_ocha": raw["ADM3_FR"],
        "parent_pcode": raw["ADM2_PCODE"],
        "district_pcode": raw["DISTRICT_PCODE"],
        "population_2014": None,
    })
    adm3 = _frame(adm3, raw.geometry.to_numpy())

    adm2 = _dissolve(raw, "ADM2_PCODE", {"ADM2_FR": "name_ocha", "ADM1_PCODE": "parent_pcode",
                                         "DISTRICT_PCODE": "district_pcode"})
    adm2["name"] = adm2["pcode"].map(names.names["adm2"])
    adm2["population_2014"] = _lookup(adm2["pcode"], population.by_adm2, "département")

    adm1 = _dissolve(raw, "ADM1_PCODE", {"ADM1_FR": "name_ocha", "DISTRICT_PCODE": "parent_pcode"})
    adm1["name"] = adm1["pcode"].map(names.names["adm1"])
    adm1["district_pcode"] = adm1["parent_pcode"]
    adm1["population_2014"] = _lookup(adm1["pcode"], population.by_adm1, "région")

    district = _dissolve(raw, "DISTRICT_PCODE", {"ADM0_PCODE": "parent_pcode"})
    district["name"] = district["pcode"].map(names.names["district"])
    district["name_ocha"] = None
    district["district_pcode"] = district["pcode"]
    district["population_2014"] = _lookup(
        district["name"].map(fold), population.by_district_key, "district (by folded name)")

    adm0 = _dissolve(raw, "ADM0_PCODE", {"ADM0_FR": "name_ocha"})
    adm0["name"] = adm0["pcode"].map(names.names["adm0"])
    adm0["parent_pcode"] = None
    adm0["district_pcode"] = None
    adm0["population_2014"] = population.national

    layers = {"adm0": adm0, "district": district, "adm1": adm1, "adm2": adm2, "adm3": adm3}
    for level, frame in layers.items():
        frame["name_key"] = frame["name"].map(fold)
        layers[level] = gpd.GeoDataFrame(
            frame[COLUMNS].sort_values("pcode").reset_index(drop=True), crs=4326)
    _check_population_membership(layers)
    return layers


def build_admin_from_files(adm3_path: str | Path, names: NamesTable, departement_csv: str | Path,
                           region_csv: str | Path, district_csv: str | Path,
                           ) -> dict[str, gpd.GeoDataFrame]:
    """:func:`build_admin_areas` from file paths (the raw ADM3 file and the population tables)."""
    return build_admin_areas(read_adm3(adm3_path), names,
                             read_population(departement_csv, region_csv, district_csv))


def to_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Make ``geom`` valid and keep its polygonal parts as one MultiPolygon."""
    polygons = _polygons(shapely.make_valid(geom))
    if not polygons:
        raise GeodataError("a boundary has no polygonal part after make_valid")
    return MultiPolygon(polygons)


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [] if geom.is_empty else [geom]
    if hasattr(geom, "geoms"):  # MultiPolygon, GeometryCollection
        return [p for part in geom.geoms for p in _polygons(part)]
    return []  # lines and points left over by make_valid


def _dissolve(raw: gpd.GeoDataFrame, by: str, keep: dict[str, str]) -> pd.DataFrame:
    """Union the ADM3 polygons per value of ``by``; ``keep`` maps raw columns to output names."""
    inconsistent = raw.groupby(by)[list(keep)].nunique().gt(1).any(axis=1)
    if inconsistent.any():
        raise GeodataError(f"units of {by} {list(inconsistent[inconsistent].index)} have "
                           f"inconsistent attributes {list(keep)} in the ADM3 file")
    dissolved = raw[[by, *keep, "geometry"]].dissolve(by=by, aggfunc="first").reset_index()
    frame = dissolved.drop(columns="geometry").rename(columns={by: "pcode", **keep})
    return _frame(frame, dissolved.geometry.to_numpy())


def _frame(frame: pd.DataFrame, geometries) -> pd.DataFrame:
    frame = frame.reset_index(drop=True).copy()
    frame["geometry"] = [to_multipolygon(g) for g in geometries]
    return frame


def _lookup(keys: pd.Series, table: dict, what: str) -> list[int]:
    missing = sorted(set(keys) - set(table))
    if missing:
        raise GeodataError(f"no 2014 population for {what} {missing}")
    return [int(table[k]) for k in keys]


def _check_names(raw: gpd.GeoDataFrame, names: NamesTable) -> None:
    for level, column in (("adm0", "ADM0_PCODE"), ("adm1", "ADM1_PCODE"), ("adm2", "ADM2_PCODE")):
        in_raw, in_table = set(raw[column]), set(names.names[level])
        if in_raw != in_table:
            raise GeodataError(
                f"data/geo/admin_names.csv does not match the ADM3 file at {level}: missing "
                f"{sorted(in_raw - in_table)}, unknown {sorted(in_table - in_raw)}")
    unknown_adm3 = sorted(set(names.names["adm3"]) - set(raw["ADM3_PCODE"]))
    if unknown_adm3:
        raise GeodataError(f"data/geo/admin_names.csv names unknown ADM3 P-codes {unknown_adm3}")
    unused = sorted(set(names.names["district"]) - set(names.district_of_adm1.values()))
    if unused:
        raise GeodataError(f"data/geo/admin_names.csv: districts without any region {unused}")


def _check_population_membership(layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Each unit's population must equal the sum of its children's (ties tables to membership)."""
    for parent, child in (("adm1", "adm2"), ("district", "adm1"), ("adm0", "district")):
        sums = layers[child].groupby("parent_pcode")["population_2014"].sum()
        own = layers[parent].set_index("pcode")["population_2014"]
        bad = [p for p in own.index if int(sums.get(p, 0)) != int(own[p])]
        if bad:
            raise GeodataError(f"2014 population of {parent} {bad} differs from the sum of its "
                               f"{child} units: check the population tables and admin_names.csv")


def _read_csv(path: str | Path, key: str, value: str) -> dict[str, int]:
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise GeodataError(f"cannot read {path}: {exc}") from exc
    try:
        table = {row[key].strip(): int(row[value]) for row in rows}
    except (KeyError, ValueError) as exc:
        raise GeodataError(
            f"{path}: expected columns {key!r} and integer {value!r} ({exc})") from exc
    if len(table) != len(rows):
        raise GeodataError(f"{path}: duplicate {key} values")
    return table
