"""Postal codes (کد پستی): client and records; the simulator is in ``.simulator``."""

from connectors.postal_code.client import SYSTEM, PostalCodeClient, connect
from connectors.postal_code.records import PostalAddress, PostalCodeInquiry

__all__ = ["SYSTEM", "PostalAddress", "PostalCodeClient", "PostalCodeInquiry", "connect"]
