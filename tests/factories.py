"""Factory helpers that create valid directory records inside the test's transaction."""

from __future__ import annotations

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy.orm import Session

from webmap.models import Location, Organization, Phone, Service, ServiceAtLocation
from webmap.text import fold

TEST_SOURCE = "tests"


class Factories:
    def __init__(self, session: Session) -> None:
        self.session = session

    def organization(self, name: str = "Organisation de test", **fields) -> Organization:
        org = Organization(name=name, source=TEST_SOURCE, **fields)
        self.session.add(org)
        self.session.flush()
        return org

    def location(self, lon: float = -5.55, lat: float = 7.54, **fields) -> Location:
        fields.setdefault("precision", "exact")
        fields.setdefault("confidential", False)
        fields.setdefault("source", TEST_SOURCE)
        loc = Location(geom=from_shape(Point(lon, lat), srid=4326), **fields)
        self.session.add(loc)
        self.session.flush()
        return loc

    def service(
        self,
        name: str = "Service de test",
        category: str = "social_centre",
        lon: float = -5.55,
        lat: float = 7.54,
        phones: tuple[str, ...] = (),
        location: dict | None = None,
        organization: Organization | None = None,
        **fields,
    ) -> Service:
        org = organization or self.organization()
        fields.setdefault("needs", [])
        fields.setdefault("source", TEST_SOURCE)
        svc = Service(name=name, name_key=fold(name), category=category, organization=org, **fields)
        self.session.add(svc)
        loc = self.location(lon=lon, lat=lat, organization_id=org.id, **(location or {}))
        self.session.add(ServiceAtLocation(service=svc, location=loc))
        for number in phones:
            self.session.add(Phone(service=svc, number=number))
        self.session.flush()
        return svc
