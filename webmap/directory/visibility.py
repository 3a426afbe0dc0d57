"""Confidentiality, decided in one place for every output (map, API, exports, print).

A confidential location is shown to the public only at its town (the gazetteer point of
``location.place_id``) and with its public contact point; its address and exact position reach
signed-in staff only. Without a known town, the public position falls back to a 0.1° grid
(about 11 km) so the exact point never leaks.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, false, func, not_, or_
from sqlalchemy.orm import aliased

from ..models import Location, Place, ServicePoint

TOWN_FALLBACK_GRID_DEGREES = 0.1

town_place = aliased(Place, name="town_place")


@dataclass(frozen=True)
class Viewer:
    """Who is asking. Anonymous visitors are the public; staff see confidential details."""

    can_see_confidential: bool = False


PUBLIC = Viewer()


def is_masked(viewer: Viewer) -> ColumnElement[bool]:
    """SQL: is this row's location hidden from ``viewer``? (Needs ``town_place`` outer-joined.)"""
    if viewer.can_see_confidential:
        return false()
    return Location.confidential.is_(True)


def displayed_geom(viewer: Viewer) -> ColumnElement:
    """SQL: the point shown to ``viewer`` for a location (needs ``town_place`` outer-joined)."""
    if viewer.can_see_confidential:
        return Location.geom
    town_point = func.coalesce(
        town_place.geom,
        func.ST_SnapToGrid(Location.geom, TOWN_FALLBACK_GRID_DEGREES),
    )
    return case((Location.confidential.is_(True), town_point), else_=Location.geom)


def search_point(viewer: Viewer) -> tuple[ColumnElement, ColumnElement[bool]]:
    """SQL over ``service_point`` (the nearest search's index): (point shown, masked?).

    ``service_point.public_geom`` holds ``displayed_geom(PUBLIC)`` of its location, computed by
    the database's triggers (migration 0007); tests/test_service_point.py checks they agree.
    """
    if viewer.can_see_confidential:
        return ServicePoint.geom, false()
    return ServicePoint.public_geom, ServicePoint.confidential.is_(True)


def within_envelope(viewer: Viewer, envelope: ColumnElement) -> ColumnElement[bool]:
    """SQL: the displayed point lies in ``envelope``; uses the GiST index for open locations."""
    if viewer.can_see_confidential:
        return func.ST_Intersects(Location.geom, envelope)
    return or_(
        and_(not_(Location.confidential), func.ST_Intersects(Location.geom, envelope)),
        and_(Location.confidential, func.ST_Intersects(displayed_geom(viewer), envelope)),
    )
