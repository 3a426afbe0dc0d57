"""Typed SQLAlchemy 2.0 models; importing this package registers every table on ``Base.metadata``."""

from .base import Base
from .directory import Location, Organization, Phone, Service, ServiceAtLocation
from .geo import AdminArea, Place, ReferenceDataset

__all__ = [
    "AdminArea",
    "Base",
    "Location",
    "Organization",
    "Phone",
    "Place",
    "ReferenceDataset",
    "Service",
    "ServiceAtLocation",
]
