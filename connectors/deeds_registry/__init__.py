"""Deeds registry (ثبت اسناد و املاک): client and records; the simulator is in ``.simulator``."""

from connectors.deeds_registry.client import SYSTEM, DeedsRegistryClient, connect
from connectors.deeds_registry.records import LegalPerson, LegalPersonInquiry, LegalPersonStatus

__all__ = [
    "SYSTEM",
    "DeedsRegistryClient",
    "LegalPerson",
    "LegalPersonInquiry",
    "LegalPersonStatus",
    "connect",
]
