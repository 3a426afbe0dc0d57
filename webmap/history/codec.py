"""Column values as text for the history, and back, so any audited column can be restored exactly.

Text keeps the HSDS ``metadata`` shape (``previous_value``/``replacement_value`` are strings) and
reads well: ``Odienné``, ``12``, ``true``, ``2026-01-31``, ``["shelter", "medical"]``,
``POINT (-7.56 9.5)``. ``None`` stays ``None``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

from geoalchemy2 import Geometry
from geoalchemy2.elements import WKBElement, WKTElement
from geoalchemy2.shape import from_shape, to_shape
from shapely import wkt
from sqlalchemy import ARRAY, JSON, Boolean, Date, DateTime, Float, Integer, Numeric, Time, Uuid
from sqlalchemy.types import TypeEngine


def serialize(column_type: TypeEngine, value: object) -> str | None:
    if value is None:
        return None
    if isinstance(column_type, Geometry):
        if isinstance(value, WKTElement):
            return wkt.loads(value.data).wkt
        if isinstance(value, WKBElement):
            return to_shape(value).wkt
        return str(value)
    if isinstance(column_type, Boolean):
        return "true" if value else "false"
    if isinstance(column_type, DateTime):
        return value.isoformat()
    if isinstance(column_type, Date | Time):
        return value.isoformat()
    if isinstance(column_type, ARRAY | JSON):
        return json.dumps(list(value) if isinstance(column_type, ARRAY) else value, ensure_ascii=False)
    return str(value)


def parse(column_type: TypeEngine, text: str | None) -> object:
    if text is None:
        return None
    if isinstance(column_type, Geometry):
        return from_shape(wkt.loads(text), srid=column_type.srid)
    if isinstance(column_type, Boolean):
        return text == "true"
    if isinstance(column_type, DateTime):
        return dt.datetime.fromisoformat(text)
    if isinstance(column_type, Date):
        return dt.date.fromisoformat(text)
    if isinstance(column_type, Time):
        return dt.time.fromisoformat(text)
    if isinstance(column_type, ARRAY | JSON):
        return json.loads(text)
    if isinstance(column_type, Uuid):
        return uuid.UUID(text)
    if isinstance(column_type, Integer):
        return int(text)
    if isinstance(column_type, Float | Numeric):
        return float(text)
    return text
