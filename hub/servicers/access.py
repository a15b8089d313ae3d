"""The access-rights table: which agency may call which RPC (X-Road style).

A JSON file named by ``TABADOL_ACCESS_RIGHTS``::

    {"format": "tabadol-access-rights/1",
     "rights": {"MOJ":   ["tabadol.servicedesk.v1.ServiceDeskService/*"],
                "MYGOV": ["tabadol.servicedesk.v1.ServiceDeskService/GetCase"],
                "*":     ["tabadol.catalogue.v1.CatalogueService/Get*"]}}

Patterns are shell-style (``fnmatch``) over ``package.Service/Method``; the ``"*"`` entry
applies to every agency. Without a file every identified agency may call everything
(development); the server logs that once at start.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

__all__ = ["ACCESS_RIGHTS_FORMAT", "AccessRights", "AccessRightsError"]

ACCESS_RIGHTS_FORMAT = "tabadol-access-rights/1"


class AccessRightsError(ValueError):
    """The access-rights file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class AccessRights:
    rights: Mapping[str, tuple[str, ...]] | None  # None: everything allowed (development)

    @classmethod
    def allow_all(cls) -> AccessRights:
        return cls(None)

    @classmethod
    def load(cls, path: Path) -> AccessRights:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise AccessRightsError(f"TABADOL_ACCESS_RIGHTS: {path} not found") from exc
        except json.JSONDecodeError as exc:
            raise AccessRightsError(f"TABADOL_ACCESS_RIGHTS: {path} is not JSON: {exc}") from exc
        if not isinstance(document, dict) or document.get("format") != ACCESS_RIGHTS_FORMAT:
            raise AccessRightsError(f"{path}: expected format {ACCESS_RIGHTS_FORMAT!r}")
        rights = document.get("rights")
        if not isinstance(rights, dict):
            raise AccessRightsError(f"{path}: 'rights' must map agency codes to lists of methods")
        table: dict[str, tuple[str, ...]] = {}
        for agency, patterns in rights.items():
            if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
                raise AccessRightsError(f"{path}: rights of {agency!r} must be a list of patterns")
            table[agency.upper()] = tuple(patterns)
        return cls(table)

    @property
    def enforced(self) -> bool:
        return self.rights is not None

    def allows(self, agency: str, method: str) -> bool:
        """Whether ``agency`` may call ``method`` (``package.Service/Method``)."""
        if self.rights is None:
            return True
        patterns = (*self.rights.get(agency, ()), *self.rights.get("*", ()))
        return any(fnmatchcase(method, pattern) for pattern in patterns)
