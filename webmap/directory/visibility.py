"""Confidentiality, decided in one place for every output (map, API, exports, print).

A confidential location is shown to the public only at its town and with its public contact
point; its address, exact position and the areas of that position reach signed-in staff only.
The town is the one its editor named (``location.place_id``, resolved by
``validation.public_town`` when the record is saved, required for a confidential place), never
a place derived from the exact point: the nearest village would locate a shelter. For the
public, every admin code, filter and count of a confidential location uses the town's areas
(``displayed_area``). A database constraint guarantees a confidential location has a town.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, false, func, not_, or_
from sqlalchemy.orm import aliased

from ..models import Location, Place, ServicePoint

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
    return case((Location.confidential.is_(True), town_place.geom), else_=Location.geom)


def search_point(viewer: Viewer) -> tuple[ColumnElement, ColumnElement[bool]]:
    """SQL over ``service_point`` (the nearest search's index): (point shown, masked?).

    ``service_point.public_geom`` holds ``displayed_geom(PUBLIC)`` of its location, computed by
    the database's triggers (migration 0007); tests/test_service_point.py checks they agree.
    """
    if viewer.can_see_confidential:
        return ServicePoint.geom, false()
    return ServicePoint.public_geom, ServicePoint.confidential.is_(True)


AREA_LEVELS = ("adm1", "adm2", "adm3")


def displayed_area(viewer: Viewer, level: str) -> ColumnElement:
    """SQL: the P-code at ``level`` (adm1..adm3) of the displayed point (needs ``town_place``)."""
    if level not in AREA_LEVELS:
        raise ValueError(level)
    exact = getattr(Location, f"{level}_pcode")
    if viewer.can_see_confidential:
        return exact
    return case((Location.confidential.is_(True), getattr(town_place, f"{level}_pcode")), else_=exact)


def in_area(viewer: Viewer, level: str, pcode: str) -> ColumnElement[bool]:
    """SQL: the displayed point lies in area ``pcode``; uses the index for open locations."""
    exact = getattr(Location, f"{level}_pcode")
    if viewer.can_see_confidential:
        return exact == pcode
    return or_(
        and_(not_(Location.confidential), exact == pcode),
        and_(Location.confidential, getattr(town_place, f"{level}_pcode") == pcode),
    )


def within_envelope(viewer: Viewer, envelope: ColumnElement) -> ColumnElement[bool]:
    """SQL: the displayed point lies in ``envelope``; uses the GiST index for open locations."""
    if viewer.can_see_confidential:
        return func.ST_Intersects(Location.geom, envelope)
    return or_(
        and_(not_(Location.confidential), func.ST_Intersects(Location.geom, envelope)),
        and_(Location.confidential, func.ST_Intersects(displayed_geom(viewer), envelope)),
    )
