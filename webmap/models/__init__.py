"""Typed SQLAlchemy 2.0 models; importing this package registers every table on ``Base.metadata``."""

from .accounts import AppUser, LoginAttempt, UserSession, user_organization
from .base import Base
from .directory import (
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCluster,
    ServicePoint,
)
from .geo import AdminArea, Place, ReferenceDataset
from .history import AuditEntry, ChangeProposal, VerificationLink
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
    "Language",
    "Location",
    "LoginAttempt",
    "Organization",
    "Phone",
    "Place",
    "ReferenceDataset",
    "Schedule",
    "Service",
    "ServiceAtLocation",
    "ServiceCluster",
    "ServicePoint",
    "UserSession",
    "VerificationLink",
    "user_organization",
]
