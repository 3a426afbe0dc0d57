"""A coverage area from an uploaded file: GeoJSON, GeoPackage or zipped Shapefile polygons.

Uses the import machinery of the directory (``webmap.transfer``): the same size, row and zip
safety limits, the same format detection and the same refusal (``ImportRejected``, 422). The
polygons of the first layer are reprojected to WGS 84 when the file declares another system,
and dissolved into one MultiPolygon (GeoJSON dict), which ``save_campaign`` then checks against
the country. Flask-free but for the translated messages.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import pyogrio
import shapely
from flask_babel import format_decimal
from flask_babel import gettext as _
from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError
from shapely.geometry import MultiPolygon, Polygon, mapping

from ..transfer.limits import (
    DEFAULT_LIMITS,
    ImportRejected,
    Limits,
    check_rows,
    check_size,
)
from ..transfer.readers import detect_format, unzip_shapefile


def _read_frame(path: Path, limits: Limits):
    try:
        layers = pyogrio.list_layers(path)
        if len(layers) == 0:
            raise ImportRejected(_("The file contains no layer."))
        layer = str(layers[0][0])
        info = pyogrio.read_info(path, layer=layer, force_feature_count=True)
        check_rows(int(info["features"]), limits)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pyogrio.read_dataframe(path, layer=layer, columns=[])
    except (DataSourceError, DataLayerError, FieldError, GeometryError, ValueError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise ImportRejected(_("The file could not be read: %(reason)s", reason=reason)) from None


DEFAULT_MAX_VERTICES = 20_000  # the app's WEBMAP_AREA_MAX_VERTICES


def count_vertices(coordinates) -> int:
    """Positions in GeoJSON ``coordinates`` (any nesting)."""
    if isinstance(coordinates, (list, tuple)) and coordinates and isinstance(coordinates[0], (int, float)):
        return 1
    if isinstance(coordinates, (list, tuple)):
        return sum(count_vertices(part) for part in coordinates)
    return 0


def check_vertices(count: int, max_vertices: int) -> None:
    """Refuse an area of more than ``max_vertices`` vertices: uniting, storing and analysing it
    (coverage, every map drawing it) costs time and memory in proportion."""
    if count > max_vertices:
        raise ImportRejected(
            _(
                "The area has %(count)s vertices; at most %(limit)s are accepted. Simplify it (in QGIS: "
                "Vector > Geometry Tools > Simplify) and try again.",
                count=format_decimal(count),
                limit=format_decimal(max_vertices),
            )
        )


def read_area(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS,
              max_vertices: int = DEFAULT_MAX_VERTICES) -> dict:
    """The polygons of the uploaded file as one GeoJSON MultiPolygon in WGS 84."""
    check_size(len(data), limits)
    fmt = detect_format(data, filename)
    if fmt == "csv":
        raise ImportRejected(_("A coverage area needs polygons: GeoJSON, GeoPackage or zipped Shapefile."))
    with tempfile.TemporaryDirectory(prefix="webmap-area-") as folder:
        workdir = Path(folder)
        if fmt == "shp":
            path = unzip_shapefile(data, workdir, limits)
        else:
            path = workdir / f"upload.{fmt}"
            path.write_bytes(data)
        frame = _read_frame(path, limits)
    if frame.crs is not None and frame.crs.to_epsg() != 4326 and not frame.crs.equals("OGC:CRS84"):
        frame = frame.to_crs(4326)
    polygons = [g for g in frame.geometry if g is not None and not g.is_empty]
    check_vertices(int(shapely.get_num_coordinates(polygons).sum()) if polygons else 0, max_vertices)
    if not polygons:
        raise ImportRejected(_("The file holds no geometry."))
    if any(not isinstance(g, (Polygon, MultiPolygon)) for g in polygons):
        raise ImportRejected(_("The file must hold polygons only (not points or lines)."))
    area = shapely.union_all([shapely.make_valid(g) for g in polygons])
    if isinstance(area, Polygon):
        area = MultiPolygon([area])
    if not isinstance(area, MultiPolygon):
        area = MultiPolygon([g for g in getattr(area, "geoms", []) if isinstance(g, Polygon)])
    if area.is_empty:
        raise ImportRejected(_("The file holds no geometry."))
    minx, miny, maxx, maxy = area.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ImportRejected(
            _("The coordinates are not longitudes and latitudes: declare the file's coordinate system.")
        )
    return mapping(area)
