"""Typed SQLAlchemy 2.0 models; importing this package registers every table on ``Base.metadata``."""

from .accounts import AppUser, LoginAttempt, UserSession, user_organization
from .base import Base
from .directory import Location, Organization, Phone, Service, ServiceAtLocation, ServicePoint
from .geo import AdminArea, Place, ReferenceDataset
from .history import AuditEntry, ChangeProposal
from .planning import Campaign, CampaignArea, CampaignPart, CampaignUnit, RiskZone  # noqa: F401
from .transfer import ImportBatch, ImportedService  # noqa: F401
from .version import DataVersion

__all__ = [
    "AdminArea",
    "AppUser",
    "AuditEntry",
    "Base",
    "ChangeProposal",
    "DataVersion",
    "Location",
    "LoginAttempt",
    "Organization",
    "Phone",
    "Place",
    "ReferenceDataset",
    "Service",
    "ServiceAtLocation",
    "ServicePoint",
    "UserSession",
    "user_organization",
]
