"""Prevention campaigns and at-risk zones (the planning feature).

``campaign_unit``, ``campaign_area`` and ``campaign_part`` are derived from ``campaign.area`` by database
triggers (migration 0004), whoever writes the campaign: the ORM, an import, raw SQL. They make
the coverage table fast (see ``webmap.planning.analysis``) and are never written by hand.
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
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..planning.vocabulary import CHANNELS, RISK_KINDS, RISK_LEVELS, THEMES
from .base import Base, Timestamped, new_id

# Equal-area projection used for every area and overlay of the planning analysis:
# WGS 84 / NSIDC EASE-Grid 2.0 Global (Lambert cylindrical equal-area on the WGS 84 ellipsoid).
EQUAL_AREA_SRID = 6933


def _one_of(column: str, vocabulary: dict) -> str:
    codes = ", ".join(f"'{code}'" for code in vocabulary)
    return f"{column} IN ({codes})"


class Campaign(Timestamped, Base):
    """A prevention or awareness campaign and the area it covered, for a period."""

    __tablename__ = "campaign"
    __audited__ = True
    __table_args__ = (
        CheckConstraint(_one_of("theme", THEMES), name="theme"),
        CheckConstraint(_one_of("channel", CHANNELS), name="channel"),
        CheckConstraint("start_date <= end_date", name="period"),
        CheckConstraint("people_reached IS NULL OR people_reached >= 0", name="people_reached"),
        Index("ix_campaign_period", "start_date", "end_date"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(250))
    # The organization as named by the source; organization_id links it to the directory
    # when it is there (editors edit the campaigns of their own organization).
    organization: Mapped[str] = mapped_column(String(250))
    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL"), index=True
    )
    theme: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    people_reached: Mapped[int | None] = mapped_column(Integer)
    target_groups: Mapped[list[str]] = mapped_column(ARRAY(String(120)), default=list)
    # P-codes of the admin areas the coverage was built from (empty for drawn/uploaded areas).
    area_pcodes: Mapped[list[str]] = mapped_column(ARRAY(String(16)), default=list)
    area: Mapped[WKBElement] = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True))
    source: Mapped[str] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    # Demonstration data, created only by `webmap demo`; shown with the label DÉMO everywhere.
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class RiskZone(Timestamped, Base):
    """An area where children are at higher risk, with the criterion and source that make it so."""

    __tablename__ = "risk_zone"
    __audited__ = True
    __table_args__ = (
        CheckConstraint(_one_of("kind", RISK_KINDS), name="kind"),
        CheckConstraint(f"level IN ({', '.join(str(level) for level in RISK_LEVELS)})", name="level"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    # Stable key of a reference zone loaded from data/geo/risk_zones.toml ("border:CI2902");
    # NULL for zones entered by editors.
    key: Mapped[str | None] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(250))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    level: Mapped[int] = mapped_column(SmallInteger)
    area: Mapped[WKBElement] = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True))
    admin_level: Mapped[str | None] = mapped_column(String(8))  # when the zone is an admin area
    admin_pcode: Mapped[str | None] = mapped_column(String(16))
    criterion: Mapped[str] = mapped_column(Text)  # why this area is at risk
    source: Mapped[str] = mapped_column(Text)
    date: Mapped[dt.date] = mapped_column(Date)  # date of the source / of the assessment
    notes: Mapped[str | None] = mapped_column(Text)
    is_reference: Mapped[bool] = mapped_column(Boolean, default=False)


class CampaignUnit(Base):
    """Derived (trigger): how much of each département a campaign covers."""

    __tablename__ = "campaign_unit"

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True
    )
    adm2_pcode: Mapped[str] = mapped_column(String(16), primary_key=True, index=True)
    overlap_km2: Mapped[float] = mapped_column(Float)
    unit_share: Mapped[float] = mapped_column(Float)  # overlap / area of the département


class CampaignArea(Base):
    """Derived (trigger): the campaign area in the equal-area projection, with its hash."""

    __tablename__ = "campaign_area"

    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True)
    h: Mapped[str] = mapped_column(String(32))  # md5 of the geometry: identical areas count once
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=EQUAL_AREA_SRID, spatial_index=True)
    )


class CampaignPart(Base):
    """Derived (trigger): the campaign area in the equal-area projection, subdivided."""

    __tablename__ = "campaign_part"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    h: Mapped[str] = mapped_column(String(32))  # md5 of the part's geometry
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("POLYGON", srid=EQUAL_AREA_SRID, spatial_index=True)
    )
