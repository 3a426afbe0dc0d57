"""Factories for the planning tests: risk zones, campaigns and synthetic admin areas.

Everything is created inside the test's rolled-back transaction. Synthetic admin areas lie in
the Gulf of Guinea (south of 4.3° N), so they overlap no real area and no real campaign.
Import the ``planning`` fixture (``from .test_planning_support import planning``) to use it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, box
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from webmap.models import AdminArea, Campaign, RiskZone

SEA_LAT = (3.6, 3.8)  # a band of latitude in the sea, south of the coast
TEST_SOURCE = "tests"


def square(lon0: float, lat0: float, lon1: float, lat1: float) -> MultiPolygon:
    return MultiPolygon([box(lon0, lat0, lon1, lat1)])


class PlanningFactories:
    def __init__(self, session: Session) -> None:
        self.session = session

    def clear(self) -> None:
        """No reference zone nor campaign: the test's own data only (rolled back afterwards)."""
        self.session.execute(delete(Campaign))
        self.session.execute(delete(RiskZone))
        self.session.flush()

    def admin_area(self, level: str, pcode: str, geometry: MultiPolygon, population: int | None = None,
                   parent: str | None = None, name: str | None = None) -> AdminArea:
        area = AdminArea(
            level=level, pcode=pcode, name=name or pcode, name_key=(name or pcode).lower(),
            parent_pcode=parent, population_2014=population, geom=from_shape(geometry, srid=4326),
        )
        self.session.add(area)
        self.session.flush()
        return area

    def risk_zone(self, geometry: MultiPolygon, name: str = "Zone de test", level: int = 2,
                  kind: str = "border_crossing", **fields) -> RiskZone:
        zone = RiskZone(
            name=name, kind=kind, level=level, area=from_shape(geometry, srid=4326),
            criterion=fields.pop("criterion", "critère de test"), source=fields.pop("source", TEST_SOURCE),
            date=fields.pop("date", dt.date(2024, 1, 1)), is_reference=fields.pop("is_reference", False), **fields,
        )
        self.session.add(zone)
        self.session.flush()
        return zone

    def campaign(self, geometry: MultiPolygon, start: dt.date = dt.date(2025, 3, 1),
                 end: dt.date = dt.date(2025, 3, 31), name: str = "Campagne de test", **fields) -> Campaign:
        fields.setdefault("organization", "Organisation de test")
        fields.setdefault("theme", "child_trafficking")
        fields.setdefault("channel", "radio")
        fields.setdefault("source", TEST_SOURCE)
        fields.setdefault("target_groups", [])
        fields.setdefault("area_pcodes", [])
        fields.setdefault("is_demo", False)
        campaign = Campaign(name=name, start_date=start, end_date=end, area=from_shape(geometry, srid=4326), **fields)
        self.session.add(campaign)
        self.session.flush()
        return campaign

    def sea_region(self, pcode: str = "ZZ01", population: tuple[int, int] = (10_000, 10_000)):
        """A synthetic région ``pcode`` of two equal-area départements side by side in the sea.

        Both squares span the same latitudes and the same width in longitude, so their areas are
        equal in any cylindrical equal-area projection (EPSG:6933 included).
        """
        west = square(-5.0, SEA_LAT[0], -4.8, SEA_LAT[1])
        east = square(-4.8, SEA_LAT[0], -4.6, SEA_LAT[1])
        region = self.admin_area("adm1", pcode, square(-5.0, SEA_LAT[0], -4.6, SEA_LAT[1]),
                                 sum(population), parent="ZZ", name="Région de test")
        dep_w = self.admin_area("adm2", pcode + "01", west, population[0], parent=pcode, name="Ouest de test")
        dep_e = self.admin_area("adm2", pcode + "02", east, population[1], parent=pcode, name="Est de test")
        return region, dep_w, dep_e, west, east

    def count(self, model) -> int:
        return len(self.session.scalars(select(model)).all())


@pytest.fixture()
def planning(db_session) -> PlanningFactories:
    return PlanningFactories(db_session)
