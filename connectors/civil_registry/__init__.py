"""Civil registration (ثبت احوال): client and records; the simulator is in ``.simulator``."""

from connectors.civil_registry.client import SYSTEM, CivilRegistryClient, connect
from connectors.civil_registry.records import Gender, InquiryVerification, Person, PersonInquiry

__all__ = [
    "SYSTEM",
    "CivilRegistryClient",
    "Gender",
    "InquiryVerification",
    "Person",
    "PersonInquiry",
    "connect",
]
