"""The service-provider directory, named after Open Referral HSDS 3 where HSDS has a name.

Our extensions to HSDS: ``service.category`` (one fixed taxonomy), ``service.needs``,
``service.sexes``, ``service.verification``, ``service.fallback_contact``, ``location.precision``,
``location.confidential`` and ``location.public_contact``. See docs/reference.md, "Data model".
"""

from __future__ import annotations

import datetime as dt
import uuid

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..taxonomy import (
    CATEGORIES,
    LOCATION_PRECISIONS,
    NEEDS,
    SERVICE_STATUSES,
    SEXES,
    VERIFICATION_STATUSES,
)
from .base import Base, Timestamped, new_id


def _one_of(column: str, vocabulary: dict) -> str:
    codes = ", ".join(f"'{code}'" for code in vocabulary)
    return f"{column} IN ({codes})"


class Organization(Timestamped, Base):
    __tablename__ = "organization"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(250))
    alternate_name: Mapped[str | None] = mapped_column(String(250))
    description: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(250))
    website: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(Text)

    services: Mapped[list[Service]] = relationship(back_populates="organization")
    locations: Mapped[list[Location]] = relationship(back_populates="organization")


class Location(Timestamped, Base):
    __tablename__ = "location"
    __table_args__ = (
        CheckConstraint(_one_of("precision", LOCATION_PRECISIONS), name="precision"),
        # The public sees a confidential location at its town: it must have one (0008).
        CheckConstraint("NOT confidential OR place_id IS NOT NULL", name="confidential_town"),
        # Confidential locations by town: the public nearest search reaches them through it.
        Index("ix_location_confidential_place_id", "place_id", postgresql_where=text("confidential")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str | None] = mapped_column(String(250))
    address: Mapped[str | None] = mapped_column(Text)
    town: Mapped[str | None] = mapped_column(String(200))
    # The town in the gazetteer: for a confidential location the one its editor named, where the
    # public sees it; otherwise the place nearest the point.
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id"))
    adm3_pcode: Mapped[str | None] = mapped_column(String(16))
    adm2_pcode: Mapped[str | None] = mapped_column(String(16), index=True)
    adm1_pcode: Mapped[str | None] = mapped_column(String(16), index=True)
    precision: Mapped[str] = mapped_column(String(12), default="town")
    # A confidential location is shown to the public only at its town, with the public contact.
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    public_contact: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))

    organization: Mapped[Organization | None] = relationship(back_populates="locations")
    phones: Mapped[list[Phone]] = relationship(back_populates="location")


class Service(Timestamped, Base):
    __tablename__ = "service"
    # The history shows a merged record's last change (the merge) on the record it went into too.
    __audit_parent__ = "merged_into"
    __table_args__ = (
        CheckConstraint(_one_of("category", CATEGORIES), name="category"),
        CheckConstraint(_one_of("status", SERVICE_STATUSES), name="status"),
        CheckConstraint(_one_of("verification", VERIFICATION_STATUSES), name="verification"),
        CheckConstraint(f"sexes IS NULL OR {_one_of('sexes', SEXES)}", name="sexes"),
        CheckConstraint(
            "needs <@ ARRAY[" + ", ".join(f"'{n}'" for n in NEEDS) + "]::varchar[]", name="needs"
        ),
        CheckConstraint(
            "minimum_age IS NULL OR maximum_age IS NULL OR minimum_age <= maximum_age",
            name="age_range",
        ),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity"),
        CheckConstraint(
            "capacity_available IS NULL OR capacity_available >= 0", name="capacity_available"
        ),
        # The few national contacts of "If nobody answers" (0010_fallback).
        Index("ix_service_fallback_contact", "id", postgresql_where=text("fallback_contact")),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(250))
    name_key: Mapped[str] = mapped_column(String(250), index=True)  # folded, for search
    alternate_name: Mapped[str | None] = mapped_column(String(250))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32), index=True)
    needs: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    minimum_age: Mapped[int | None] = mapped_column(Integer)
    maximum_age: Mapped[int | None] = mapped_column(Integer)
    sexes: Mapped[str | None] = mapped_column(String(8))  # NULL: not known
    capacity: Mapped[int | None] = mapped_column(Integer)
    capacity_updated: Mapped[dt.date | None] = mapped_column(Date)
    # Places free now (HSDS service_capacity.available): 0 = known to be full, NULL = not known.
    capacity_available: Mapped[int | None] = mapped_column(Integer)
    capacity_available_updated: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="active")
    verification: Mapped[str] = mapped_column(String(12), default="to_verify")
    assured_date: Mapped[dt.date | None] = mapped_column(Date)  # last verified
    # who confirmed it at ``assured_date`` (the account may since be gone)
    assured_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    email: Mapped[str | None] = mapped_column(String(250))
    url: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(Text)
    # Listed under "If nobody answers" in every referral answer (the helpline 116, national
    # focal points): see webmap/directory/fallback.py.
    fallback_contact: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # Merged into that record (webmap/directory/merge.py, 0013_dedupe): kept with its history,
    # unlinked from its places, left out of every list; its pages and API answer redirect there.
    merged_into: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("service.id"), index=True)

    organization: Mapped[Organization] = relationship(back_populates="services")
    locations: Mapped[list[ServiceAtLocation]] = relationship(back_populates="service")
    phones: Mapped[list[Phone]] = relationship(back_populates="service")
    schedules: Mapped[list[Schedule]] = relationship(
        back_populates="service", order_by="(Schedule.byday, Schedule.opens_at)"
    )
    languages: Mapped[list[Language]] = relationship(back_populates="service", order_by="Language.position")


class ServiceAtLocation(Base):
    __tablename__ = "service_at_location"
    __table_args__ = (UniqueConstraint("service_id", "location_id", name="uq_service_at_location"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    location_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("location.id", ondelete="CASCADE"), index=True
    )

    service: Mapped[Service] = relationship(back_populates="locations")
    location: Mapped[Location] = relationship()


class ServicePoint(Base):
    """The nearest search's index: one row per service at a location, kept by the database.

    Not written by the application: triggers (migration 0007) copy into it what the search
    filters and ranks on, whenever a ``service_at_location`` row is inserted or a service,
    location or gazetteer place changes; deleting a link (or its service or location) deletes
    the row. One table walked nearest first by one GiST index, with every eligibility column on
    the row, replaces joins per candidate (see webmap/referral/nearest.py).

    ``public_geom`` is the point the public is shown (``directory.visibility.displayed_geom``):
    the exact point, or for a confidential location its town's point (the town its editor
    named). Only active services are in the spatial indexes.
    """

    __tablename__ = "service_point"
    __table_args__ = (
        Index("ix_service_point_geom_active", "geom", postgresql_using="gist",
              postgresql_where=text("status = 'active'")),
        Index("ix_service_point_public_geom_active", "public_geom", postgresql_using="gist",
              postgresql_where=text("status = 'active'")),
    )

    id: Mapped[uuid.UUID] = mapped_column(  # the service_at_location row's id
        ForeignKey("service_at_location.id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    location_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    status: Mapped[str] = mapped_column(String(12))
    category: Mapped[str] = mapped_column(String(32))
    needs: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    minimum_age: Mapped[int | None] = mapped_column(Integer)
    maximum_age: Mapped[int | None] = mapped_column(Integer)
    sexes: Mapped[str | None] = mapped_column(String(8))
    confidential: Mapped[bool] = mapped_column(Boolean)
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    public_geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))


class ServiceCluster(Base):
    """Service locations counted per grid cell, for the map's clusters: kept by the database.

    Not written by the application: triggers on ``service_point`` (migration 0016) add and
    subtract every row it gains or loses. One row per (exact point or public point, zoom level,
    cell, category, status): ``n`` locations, and the sums of their coordinates (the cluster is
    drawn at their mean). ``exact = false`` rows count ``service_point.public_geom``, what the
    public is shown; see ``webmap.directory.clusters``.
    """

    __tablename__ = "service_cluster"

    exact: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    zoom: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    ix: Mapped[int] = mapped_column(Integer, primary_key=True)
    iy: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(12), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    sum_lon: Mapped[float] = mapped_column(Float(precision=53))
    sum_lat: Mapped[float] = mapped_column(Float(precision=53))


class Phone(Base):
    __tablename__ = "phone"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organization.id"))
    service_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("service.id", ondelete="CASCADE"), index=True
    )
    location_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("location.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(String(40))
    extension: Mapped[str | None] = mapped_column(String(20))
    type: Mapped[str | None] = mapped_column(String(20))  # HSDS: voice, fax, text, cell, ...
    description: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service | None] = relationship(back_populates="phones")
    location: Mapped[Location | None] = relationship(back_populates="phones")


_BYDAY = "(MO|TU|WE|TH|FR|SA|SU)"


class Schedule(Base):
    """HSDS ``schedule``: one weekly opening range of a service, in Africa/Abidjan time.

    Open on each day of ``byday`` (``MO,TU,…``) from ``opens_at``; a ``closes_at`` not after
    ``opens_at`` closes the next day, and equal times mean 24 hours (see directory/hours.py).
    No row: the hours are not known.
    """

    __tablename__ = "schedule"
    __audited__ = True
    __audit_parent__ = "service_id"
    __table_args__ = (
        CheckConstraint("freq = 'WEEKLY'", name="freq"),
        CheckConstraint(f"byday ~ '^{_BYDAY}(,{_BYDAY})*$'", name="byday"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    freq: Mapped[str] = mapped_column(String(8), default="WEEKLY")
    byday: Mapped[str] = mapped_column(String(20))
    opens_at: Mapped[dt.time] = mapped_column(Time)
    closes_at: Mapped[dt.time] = mapped_column(Time)
    description: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service] = relationship(back_populates="schedules")


class Language(Base):
    """HSDS ``language``: a language the service is offered in (directory/languages.py).

    ``name`` is the French name from the vocabulary; ``code`` its ISO 639-3 code, empty for a
    group of languages (bété, sénoufo). ``position`` keeps the order the editor gave.
    """

    __tablename__ = "language"
    __audited__ = True
    __audit_parent__ = "service_id"
    __table_args__ = (UniqueConstraint("service_id", "name", name="uq_language_service_name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str | None] = mapped_column(String(3))
    note: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    service: Mapped[Service] = relationship(back_populates="languages")
