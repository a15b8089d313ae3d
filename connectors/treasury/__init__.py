"""Treasury payment (خزانه): client and records; the simulator is in ``.simulator``."""

from connectors.treasury.client import SYSTEM, TreasuryClient, connect
from connectors.treasury.records import Payment, PaymentStatus

__all__ = ["SYSTEM", "Payment", "PaymentStatus", "TreasuryClient", "connect"]
