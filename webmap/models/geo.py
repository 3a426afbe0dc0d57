"""Reference geodata: administrative areas and the gazetteer (loaded by ``webmap geodata``)."""

from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import DateTime, Index, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class AdminArea(Base):
    """A country, district, region (ADM1), département (ADM2) or sous-préfecture (ADM3)."""

    __tablename__ = "admin_area"
    __table_args__ = (
        UniqueConstraint("level", "pcode", name="uq_admin_area_level_pcode"),
        Index("ix_admin_area_name_key_trgm", "name_key", postgresql_using="gin",
              postgresql_ops={"name_key": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(8), index=True)  # adm0, district, adm1, adm2, adm3
    pcode: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(120))  # official, accented
    name_ocha: Mapped[str | None] = mapped_column(String(120))  # spelling in the OCHA source
    name_key: Mapped[str] = mapped_column(String(120))  # folded, for search
    parent_pcode: Mapped[str | None] = mapped_column(String(16), index=True)
    district_pcode: Mapped[str | None] = mapped_column(String(16))
    population_2014: Mapped[int | None] = mapped_column(Integer)
    geom: Mapped[WKBElement] = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True))


class Place(Base):
    """A locality of the gazetteer (GeoNames, 500+ inhabitants) with the areas containing it."""

    __tablename__ = "place"
    __table_args__ = (
        Index("ix_place_name_key_trgm", "name_key", postgresql_using="gin",
              postgresql_ops={"name_key": "gin_trgm_ops"}),
        Index("ix_place_alternate_key_trgm", "alternate_key", postgresql_using="gin",
              postgresql_ops={"alternate_key": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # GeoNames id
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    alternate_names: Mapped[str | None] = mapped_column(Text)  # "|"-separated
    alternate_key: Mapped[str | None] = mapped_column(Text)  # folded, "|"-separated
    population: Mapped[int | None] = mapped_column(Integer)
    adm3_pcode: Mapped[str | None] = mapped_column(String(16))
    adm2_pcode: Mapped[str | None] = mapped_column(String(16), index=True)
    adm1_pcode: Mapped[str | None] = mapped_column(String(16))
    district_pcode: Mapped[str | None] = mapped_column(String(16))
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))


class ReferenceDataset(Base):
    """What was loaded from which verified source file, so a second load can change nothing."""

    __tablename__ = "reference_dataset"

    layer: Mapped[str] = mapped_column(String(60), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    features: Mapped[int] = mapped_column(Integer)
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
