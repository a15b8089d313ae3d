"""The other agencies' systems the hub talks to, named once: settings, clients, simulators
and the demo all derive from this list."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["SYSTEMS", "System"]

System = Literal["civil-registry", "deeds-registry", "postal-code", "identity", "treasury"]
SYSTEMS: tuple[System, ...] = get_args(System)
