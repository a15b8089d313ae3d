"""Tabadol's pure domain: aggregates, events and value objects; no I/O.

Imports only the standard library, ``eventsourcing.domain`` and ``jdatetime``.
"""

from aggregates.errors import (
    AlreadyExists,
    DomainError,
    InvalidInput,
    NotFound,
    TransitionRefused,
    Violation,
)
from aggregates.identifiers import (
    AgencyCode,
    NationalCode,
    NationalId,
    PostalCode,
    ServiceCode,
    Sheba,
    TrackingCode,
    TrackingKind,
    normalize_digits,
)
from aggregates.jalali import (
    TEHRAN,
    JalaliPeriod,
    format_jalali,
    jalali_month,
    parse_jalali_date,
    to_persian_digits,
)
from aggregates.service_case import CHANNELS, CaseStatus, ServiceCase, TimelineEntry
from aggregates.service_record import (
    Fee,
    InquiryKind,
    ProcessStep,
    ServiceRecord,
    ServiceRecordSpec,
    ServiceType,
)
from aggregates.stages import Stage

__all__ = [
    "CHANNELS",
    "TEHRAN",
    "AgencyCode",
    "AlreadyExists",
    "CaseStatus",
    "DomainError",
    "Fee",
    "InquiryKind",
    "InvalidInput",
    "JalaliPeriod",
    "NationalCode",
    "NationalId",
    "NotFound",
    "PostalCode",
    "ProcessStep",
    "ServiceCase",
    "ServiceCode",
    "ServiceRecord",
    "ServiceRecordSpec",
    "ServiceType",
    "Sheba",
    "Stage",
    "TimelineEntry",
    "TrackingCode",
    "TrackingKind",
    "TransitionRefused",
    "Violation",
    "format_jalali",
    "jalali_month",
    "normalize_digits",
    "parse_jalali_date",
    "to_persian_digits",
]

# Participation (issue 5), appended as its own block so parallel additions merge cleanly.
from aggregates.consultation import (
    AgeBand,
    Consultation,
    Demographics,
    DocumentRef,
    DraftKind,
    Gender,
    KeyConcern,
    ParticipationType,
    Phase,
    Province,
    Suggestion,
    VoteChoice,
)
from aggregates.petition import (
    Petition,
    PetitionKind,
    PetitionStatus,
    Route,
    RoutingTable,
)

__all__ += [
    "AgeBand",
    "Consultation",
    "Demographics",
    "DocumentRef",
    "DraftKind",
    "Gender",
    "KeyConcern",
    "ParticipationType",
    "Petition",
    "PetitionKind",
    "PetitionStatus",
    "Phase",
    "Province",
    "Route",
    "RoutingTable",
    "Suggestion",
    "VoteChoice",
]
