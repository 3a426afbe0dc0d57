"""Directory exports — CSV, GeoJSON, GeoPackage, zipped Shapefile, FlatGeobuf — written with pyogrio.

Each file opens as it is in GIS tools (GDAL, hence QGIS): the zipped Shapefile keeps its files at
the archive's root, as GDAL's ``.shp.zip`` convention expects (``ogrinfo services.shp.zip``);
FlatGeobuf (``.fgb``, one file with a spatial index) suits large extracts.

Every export is built from :func:`webmap.directory.query.search_services`, so the filters and the
confidentiality rules are exactly those of the list and the map: for the public a confidential
location is its town's point, without address. Flask-free: a session, filters and a viewer in,
bytes out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from shapely.geometry import Point
from sqlalchemy.orm import Session

from ..directory.query import ServiceFilter, search_services
from ..directory.visibility import PUBLIC, Viewer
from ..errors import WebmapError
from ..spreadsheet import safe_cell
from .mapping import SHAPEFILE_NAMES

# Column order of every export; the CSV adds longitude/latitude, the others carry a geometry.
COLUMNS = (
    "id", "name", "alternate_name", "category", "organization", "description", "town", "address",
    "adm1_pcode", "adm2_pcode", "phones", "email", "url", "public_contact", "status",
    "verification", "assured_date", "stale", "precision", "confidential", "masked", "needs",
    "minimum_age", "maximum_age", "sexes", "capacity", "capacity_updated", "horaires", "langues",
    "source", "location_id",
)
LIST_COLUMNS = ("phones", "needs", "langues")
# Export columns named otherwise than the feature property they hold (named as the import reads them).
PROPERTIES = {"horaires": "hours", "langues": "languages"}
LIST_JOIN = "; "
SHAPEFILE_TEXT_MAX = 254
LAYER = "services"
# Every matching record is exported, never one page; more than this and the export is refused.
MAX_EXPORT_ROWS = 50_000
ATTRIBUTION = (
    "webmap — annuaire des structures de protection de l'enfance en Côte d'Ivoire. "
    "Sources\u00a0: colonne «\u00a0source\u00a0» de chaque ligne\u00a0; localités\u00a0: GeoNames (CC BY 4.0)\u00a0; "
    "limites administratives\u00a0: OCHA ROWCA / CNTIG, COD-AB Côte d'Ivoire (CC BY-IGO)\u00a0; "
    "candidats OpenStreetMap\u00a0: © OpenStreetMap contributors, ODbL."
)
PUBLIC_NOTE = (
    "Lieux confidentiels (confidential = true)\u00a0: position au centre de leur ville et sans "
    "adresse (masked = true)\u00a0; passez par leur point de contact public."
)
STAFF_NOTE = (
    "CONFIDENTIEL\u00a0: ce fichier contient les positions exactes et adresses de lieux confidentiels "
    "(foyers, centres d'hébergement). Ne le diffusez pas."
)


def holds_exact_confidential(features: list[dict]) -> bool:
    """Do these features (as ``viewer`` saw them) carry exact positions of confidential places?"""
    return any(f["properties"]["confidential"] and not f["properties"]["masked"] for f in features)


def confidential_marker(exact: bool) -> str:
    """What a file name carries when the file holds exact positions of confidential places."""
    return "-CONFIDENTIEL" if exact else ""


@dataclass(frozen=True)
class ExportFormat:
    code: str
    extension: str
    mimetype: str
    label: str


FORMATS: dict[str, ExportFormat] = {
    f.code: f
    for f in (
        ExportFormat("csv", "csv", "text/csv; charset=utf-8", "CSV"),
        ExportFormat("geojson", "geojson", "application/geo+json", "GeoJSON"),
        ExportFormat("gpkg", "gpkg", "application/geopackage+sqlite3", "GeoPackage"),
        ExportFormat("shp.zip", "shp.zip", "application/zip", "Shapefile (zip)"),
        # No registered media type; the one FlatGeobuf's own documentation and servers use.
        ExportFormat("fgb", "fgb", "application/flatgeobuf", "FlatGeobuf"),
    )
}


class TooManyRows(WebmapError):
    status = 400

    def __init__(self) -> None:
        super().__init__(
            "export too large",
            {"message": f"more than {MAX_EXPORT_ROWS} records match; narrow the filters"},
        )


@dataclass
class Export:
    content: bytes
    filename: str
    mimetype: str
    rows: int
    exact_confidential: bool  # the file holds exact positions of confidential locations


def export_features(session: Session, filters: ServiceFilter, viewer: Viewer = PUBLIC) -> list[dict]:
    """Every service location matching ``filters`` as seen by ``viewer`` (never one page only)."""
    filters = dataclasses.replace(filters, limit=MAX_EXPORT_ROWS, offset=0)
    features, truncated = search_services(session, filters, viewer)
    if truncated:
        raise TooManyRows()
    return features


def _cell(name: str, value: object) -> object:
    if name in LIST_COLUMNS:
        return LIST_JOIN.join(value or []) or None
    return value


def records(features: list[dict]) -> list[dict]:
    return [{name: _cell(name, f["properties"].get(PROPERTIES.get(name, name))) for name in COLUMNS} for f in features]


def _frame(features: list[dict]) -> gpd.GeoDataFrame:
    rows = records(features)
    geometry = [Point(*f["geometry"]["coordinates"]) for f in features]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    for name in ("minimum_age", "maximum_age", "capacity"):
        frame[name] = frame[name].astype("Int64")
    for name in ("stale", "confidential", "masked"):
        frame[name] = frame[name].astype("boolean")
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")


def _write(frame, path: Path, driver: str, **options) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a truncated field or value must not pass silently
        pyogrio.write_dataframe(frame, path, driver=driver, **options)


def to_csv(features: list[dict], folder: Path) -> Path:
    frame = pd.DataFrame(records(features), columns=list(COLUMNS))
    frame.insert(frame.columns.get_loc("town"), "longitude",
                 [f["geometry"]["coordinates"][0] for f in features])
    frame.insert(frame.columns.get_loc("town"), "latitude",
                 [f["geometry"]["coordinates"][1] for f in features])
    for name in frame.columns:
        if frame[name].dtype == object or str(frame[name].dtype) == "str":
            frame[name] = frame[name].map(safe_cell)
    for name in ("stale", "confidential", "masked"):
        frame[name] = frame[name].map({True: "true", False: "false"})
    for name in ("minimum_age", "maximum_age", "capacity"):
        frame[name] = frame[name].astype("Int64")
    path = folder / "services.csv"
    _write(frame, path, "CSV", layer_options={"WRITE_BOM": "YES", "LINEFORMAT": "CRLF"})
    return path


def to_geojson(features: list[dict], folder: Path, note: str) -> Path:
    path = folder / "services.geojson"
    _write(_frame(features), path, "GeoJSON", layer=LAYER,
           layer_options={"RFC7946": "YES", "DESCRIPTION": f"{ATTRIBUTION} {note}", "ID_FIELD": "id"})
    return path


def to_gpkg(features: list[dict], folder: Path, note: str) -> Path:
    path = folder / "services.gpkg"
    _write(_frame(features), path, "GPKG", layer=LAYER, geometry_type="Point",
           layer_options={"DESCRIPTION": f"{ATTRIBUTION} {note}", "IDENTIFIER": "services"})
    return path


def to_shapefile_zip(features: list[dict], folder: Path, note: str) -> Path:
    frame = _frame(features)
    for name in COLUMNS:
        if frame[name].dtype == object or str(frame[name].dtype) == "str":
            frame[name] = frame[name].map(
                lambda v: v[:SHAPEFILE_TEXT_MAX] if isinstance(v, str) else v
            )
    frame = frame.rename(columns=SHAPEFILE_NAMES)
    target = folder / "shp"
    target.mkdir()
    _write(frame, target / "services.shp", "ESRI Shapefile", geometry_type="Point",
           layer_options={"ENCODING": "UTF-8"})
    legend = "\n".join(f"  {SHAPEFILE_NAMES.get(name, name):<10}  {name}" for name in COLUMNS)
    readme = (
        f"{ATTRIBUTION}\n\n{note}\n\nCoordonnées\u00a0: WGS 84 (EPSG:4326). Textes coupés à "
        f"{SHAPEFILE_TEXT_MAX} caractères (limite du format).\nListes (phones, needs, langues) séparées par "
        f"«\u00a0{LIST_JOIN.strip()}\u00a0».\n\nColonnes (nom court → nom complet)\u00a0:\n{legend}\n"
    )
    path = folder / "services.shp.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(target.iterdir()):
            archive.write(part, part.name)  # at the root: GDAL opens the .shp.zip itself
        archive.writestr("LISEZMOI.txt", readme)
    return path


def to_flatgeobuf(features: list[dict], folder: Path, note: str) -> Path:
    path = folder / "services.fgb"
    _write(_frame(features), path, "FlatGeobuf", layer=LAYER, geometry_type="Point",
           layer_options={"TITLE": "services", "DESCRIPTION": f"{ATTRIBUTION} {note}"})
    return path


def export_services(
    session: Session,
    fmt: str,
    filters: ServiceFilter,
    viewer: Viewer = PUBLIC,
    today: dt.date | None = None,
) -> Export:
    """The file for ``fmt`` (a key of :data:`FORMATS`)."""
    spec = FORMATS[fmt]
    features = export_features(session, filters, viewer)
    exact = holds_exact_confidential(features)
    note = STAFF_NOTE if exact else PUBLIC_NOTE
    with tempfile.TemporaryDirectory(prefix="webmap-export-") as folder:
        folder = Path(folder)
        if fmt == "csv":
            path = to_csv(features, folder)
        elif fmt == "geojson":
            path = to_geojson(features, folder, note)
        elif fmt == "gpkg":
            path = to_gpkg(features, folder, note)
        elif fmt == "fgb":
            path = to_flatgeobuf(features, folder, note)
        else:
            path = to_shapefile_zip(features, folder, note)
        content = path.read_bytes()
    stamp = (today or dt.date.today()).isoformat()
    return Export(
        content=content,
        filename=f"webmap-services{confidential_marker(exact)}-{stamp}.{spec.extension}",
        mimetype=spec.mimetype,
        rows=len(features),
        exact_confidential=exact,
    )

