"""Read an uploaded file into plain rows, with pyogrio for every format (Flask-free but for messages).

Accepted: CSV (UTF-8 or Latin-1/Windows-1252, separated by ``,`` ``;`` or tabs), GeoJSON,
GeoPackage and zipped Shapefile. Bytes in, a :class:`SourceTable` out: every row's values as
read, and its point in WGS 84 (reprojected when the file declares another CRS) or the reason its
geometry cannot be used. Whole-file problems raise :class:`~.limits.ImportRejected`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import tempfile
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pyogrio
from flask_babel import gettext as _
from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError
from shapely import is_valid_reason
from shapely.geometry.base import BaseGeometry

from .limits import DEFAULT_LIMITS, ImportRejected, Limits, check_rows, check_size, extract_member, inspect_zip

FORMATS = {"csv": "CSV", "geojson": "GeoJSON", "gpkg": "GeoPackage", "shp": "Shapefile (zip)"}
EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".zip": "shp",
}
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
# Signs that UTF-8 text was once decoded as Latin-1 and saved again ("é" became "Ã©").
MOJIBAKE = re.compile("Ã[\u0080-\u00bf]|â€")
WGS84_CODES = {4326}


@dataclass
class SourceRow:
    number: int  # the line of a CSV (header = 1), else the feature's rank from 1
    values: dict[str, object]
    point: tuple[float, float] | None = None  # (lon, lat) in WGS 84, from the geometry
    geometry_error: str | None = None
    geometry_note: str | None = None


@dataclass
class SourceTable:
    format: str  # a key of FORMATS
    columns: list[str]
    rows: list[SourceRow]
    has_geometry: bool = False
    crs: str | None = None  # as declared by the file
    notes: list[str] = field(default_factory=list)

    @property
    def format_label(self) -> str:
        return FORMATS[self.format]


def detect_format(data: bytes, filename: str) -> str:
    name = filename.lower()
    fmt = None
    if name.endswith(".shp.zip"):
        fmt = "shp"
    else:
        fmt = EXTENSIONS.get(PurePosixPath(name).suffix)
    if fmt is None:
        raise ImportRejected(
            _(
                "Unknown file type %(name)s. Accepted: CSV (.csv), GeoJSON (.geojson), "
                "GeoPackage (.gpkg), zipped Shapefile (.zip).",
                name=filename or "?",
            )
        )
    is_zip = data[:4] == b"PK\x03\x04"
    is_sqlite = data[:16] == b"SQLite format 3\x00"
    if fmt == "shp" and not is_zip:
        raise ImportRejected(_("%(name)s is not a zip archive.", name=filename))
    if fmt == "gpkg" and not is_sqlite:
        raise ImportRejected(_("%(name)s is not a GeoPackage.", name=filename))
    if fmt in ("csv", "geojson") and (is_zip or is_sqlite):
        raise ImportRejected(
            _("%(name)s is not a text file: check its extension.", name=filename)
        )
    return fmt


def read_upload(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> SourceTable:
    """Check the limits, then read ``data`` according to its format."""
    check_size(len(data), limits)
    fmt = detect_format(data, filename)
    with tempfile.TemporaryDirectory(prefix="webmap-import-") as folder:
        workdir = Path(folder)
        if fmt == "csv":
            return _read_csv(data, workdir, limits)
        if fmt == "shp":
            path = unzip_shapefile(data, workdir, limits)
        else:
            path = workdir / f"upload.{fmt}"
            path.write_bytes(data)
        return _read_spatial(path, fmt, limits)


# --- CSV --------------------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str]:
    """The text and the encoding used: UTF-8, else Windows-1252/Latin-1; anything else refused."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4096]:
        raise ImportRejected(
            _(
                "The file is not UTF-8 or Latin-1 text (UTF-16 or binary?). "
                "Save it as \"CSV UTF-8\" and try again."
            )
        )
    try:
        text, encoding = data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("cp1252"), "Latin-1 (Windows-1252)"
        except UnicodeDecodeError:
            text, encoding = data.decode("latin-1"), "Latin-1 (ISO-8859-1)"
    controls = {ch for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n"}
    if controls:
        raise ImportRejected(
            _(
                "The file contains control characters: it is not UTF-8 or Latin-1 text. "
                "Save it as \"CSV UTF-8\" and try again."
            )
        )
    return text, encoding


def sniff_separator(text: str) -> str:
    """``,`` ``;`` or a tab: the most frequent of them in the header line (outside quotes)."""
    header = text.splitlines()[0] if text else ""
    bare = re.sub(r'"[^"]*"', "", header)
    counts = {sep: bare.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: (counts[sep], sep == ","))
    return best if counts[best] else ","


_GDAL_SEPARATORS = {",": "COMMA", ";": "SEMICOLON", "\t": "TAB"}


def _read_csv(data: bytes, workdir: Path, limits: Limits) -> SourceTable:
    text, encoding = decode_text(data)
    if not text.strip():
        raise ImportRejected(_("The file is empty."))
    separator = sniff_separator(text)
    # Rows are counted before GDAL reads them, quoted line breaks included.
    rows_count = sum(1 for _row in csv.reader(io.StringIO(text), delimiter=separator)) - 1
    check_rows(rows_count, limits)
    path = workdir / "upload.csv"
    path.write_text(text.replace("\r\n", "\n"), encoding="utf-8")
    options = {
        "SEPARATOR": _GDAL_SEPARATORS[separator],
        "HEADERS": "YES",
        "AUTODETECT_TYPE": "NO",
        "EMPTY_STRING_AS_NULL": "YES",
    }
    frame, gdal_notes = _gdal_read(path, "csv", **options)
    notes = [
        _(
            "Encoding %(encoding)s, separator \"%(separator)s\".",
            encoding=encoding,
            separator="tab" if separator == "\t" else separator,
        )
    ]
    if MOJIBAKE.search(text):
        notes.append(
            _(
                "Some accents look damaged (\"Ã©\" instead of \"é\"): the file was probably "
                "converted twice. Check the names before importing."
            )
        )
    columns = [c for c in frame.columns if c != "geometry"]
    geometries = _geometries(frame)
    table = SourceTable(
        format="csv",
        columns=columns,
        rows=[],
        has_geometry=geometries is not None,
        notes=notes + gdal_notes,
    )
    for index, record in enumerate(frame[columns].to_dict("records")):
        row = SourceRow(number=index + 2, values={k: plain(v) for k, v in record.items()})
        if geometries is not None:
            _attach_point(row, geometries[index])
        table.rows.append(row)
    return table


# --- GeoJSON, GeoPackage, Shapefile -------------------------------------------------------------


def unzip_shapefile(data: bytes, workdir: Path, limits: Limits) -> Path:
    """Extract the one Shapefile of a zip upload into ``workdir`` within the zip limits."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ImportRejected(_("The zip archive is damaged.")) from None
    with archive:
        members = inspect_zip(archive, limits)
        shapefiles = [m for m in members if m.filename.lower().endswith(".shp")]
        if len(shapefiles) != 1:
            raise ImportRejected(
                _(
                    "The zip archive must contain exactly one Shapefile (.shp); it contains "
                    "%(count)d.",
                    count=len(shapefiles),
                )
            )
        stem = shapefiles[0].filename[:-4]
        parts = {}
        for member in members:
            name = member.filename
            if name[: len(stem)] == stem and name[len(stem):].lower() in SHAPEFILE_PARTS:
                parts[name[len(stem):].lower()] = member
        missing = [ext for ext in (".shx", ".dbf") if ext not in parts]
        if missing:
            raise ImportRejected(
                _("The Shapefile is incomplete: %(missing)s missing.", missing=", ".join(missing))
            )
        budget = [limits.zip_max_total_bytes]
        for ext, member in parts.items():
            extract_member(archive, member, workdir / f"upload{ext}", budget)
    return workdir / "upload.shp"


def _read_spatial(path: Path, fmt: str, limits: Limits) -> SourceTable:
    notes: list[str] = []
    try:
        layers = pyogrio.list_layers(path)
    except (DataSourceError, DataLayerError) as exc:
        raise ImportRejected(_unreadable(fmt, exc)) from None
    if len(layers) == 0:
        raise ImportRejected(_("The file contains no layer."))
    layer = str(layers[0][0])
    if len(layers) > 1:
        notes.append(
            _(
                "The file has %(count)d layers; only the first one, %(layer)s, was read.",
                count=len(layers),
                layer=layer,
            )
        )
    try:
        info = pyogrio.read_info(path, layer=layer, force_feature_count=True)
    except (DataSourceError, DataLayerError) as exc:
        raise ImportRejected(_unreadable(fmt, exc)) from None
    check_rows(int(info["features"]), limits)
    frame, gdal_notes = _gdal_read(path, fmt, layer=layer)
    notes.extend(gdal_notes)
    declared = info["crs"]
    geometries = _geometries(frame)
    if geometries is not None and frame.crs is not None and frame.crs.to_epsg() not in WGS84_CODES:
        if not frame.crs.equals("OGC:CRS84"):
            frame = frame.to_crs(4326)
            geometries = list(frame.geometry)
            notes.append(_("Positions reprojected from %(crs)s to WGS 84.", crs=declared))
    elif geometries is not None and frame.crs is None:
        notes.append(_("The file declares no coordinate system: WGS 84 (EPSG:4326) assumed."))
    columns = [c for c in frame.columns if c != "geometry"]
    table = SourceTable(
        format=fmt, columns=columns, rows=[], has_geometry=geometries is not None, crs=declared,
        notes=notes,
    )
    for index, record in enumerate(frame[columns].to_dict("records")):
        row = SourceRow(number=index + 1, values={k: plain(v) for k, v in record.items()})
        if geometries is not None:
            _attach_point(row, geometries[index])
        table.rows.append(row)
    if geometries is not None:
        check_degrees([row.point for row in table.rows if row.point], declared)
    return table


def _unreadable(fmt: str, exc: Exception) -> str:
    reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    return _("The file could not be read as %(format)s: %(reason)s", format=FORMATS[fmt], reason=reason)


def _gdal_read(path: Path, fmt: str, **options):
    """``pyogrio.read_dataframe`` with GDAL's warnings kept as notes instead of raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frame = pyogrio.read_dataframe(path, **options)
        except (DataSourceError, DataLayerError, FieldError, GeometryError, ValueError) as exc:
            raise ImportRejected(_unreadable(fmt, exc)) from None
    notes = [str(w.message).strip()[:200] for w in caught[:3]]
    return frame, notes


def _geometries(frame) -> list | None:
    if "geometry" not in frame.columns or not hasattr(frame, "geometry"):
        return None
    geometries = list(frame.geometry)
    if all(g is None or g.is_empty for g in geometries):
        return None
    return geometries


def _attach_point(row: SourceRow, geom: BaseGeometry | None) -> None:
    if geom is None or geom.is_empty:
        return
    kind = geom.geom_type
    if kind in ("Polygon", "MultiPolygon"):
        if not geom.is_valid:
            row.geometry_error = _("Invalid geometry (%(reason)s).", reason=is_valid_reason(geom))
            return
        geom = geom.representative_point()
        row.geometry_note = _("An area was given: a point inside it is used.")
    elif kind == "MultiPoint":
        if len(geom.geoms) != 1:
            row.geometry_error = _("Several points were given; one is expected.")
            return
        geom = geom.geoms[0]
    elif kind != "Point":
        row.geometry_error = _("A point is expected, not a %(kind)s.", kind=kind)
        return
    lon, lat = geom.x, geom.y
    if not (math.isfinite(lon) and math.isfinite(lat)):
        row.geometry_error = _("Invalid geometry (coordinates are not numbers).")
        return
    row.point = (lon, lat)


def check_degrees(points: list[tuple[float, float]], declared: str | None) -> None:
    """Refuse the file when its coordinates cannot be longitudes/latitudes in degrees."""
    outside = [p for p in points if not (-180 <= p[0] <= 180 and -90 <= p[1] <= 90)]
    if outside:
        raise ImportRejected(
            _(
                "%(count)d position(s) are not longitudes/latitudes in degrees (e.g. %(x)s, %(y)s) "
                "although the file declares %(crs)s: they look like metres (EPSG:3857, UTM). "
                "Declare the file's true coordinate system or export it in WGS 84 (EPSG:4326).",
                count=len(outside),
                x=f"{outside[0][0]:.0f}",
                y=f"{outside[0][1]:.0f}",
                crs=declared or _("no coordinate system (WGS 84 assumed)"),
            )
        )


def plain(value: object) -> object:
    """A pandas/numpy cell as a plain Python value; missing values become None."""
    if value is None:
        return None
    if getattr(value, "ndim", 0) and hasattr(value, "tolist"):
        return [plain(item) for item in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    try:
        if value != value:  # NaN, NaT
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value
