"""Who may call the hub: principals and their certificate URIs (DESIGN property 3, 004 art. 13).

Every caller is one :class:`Principal`, named in its client certificate by exactly one URI
SAN under ``spiffe://tabadol.gov.ir/``:

| kind | URI | who |
|---|---|---|
| ``agency`` | ``spiffe://tabadol.gov.ir/agency/<CODE>`` | an executive body (دستگاه اجرایی) |
| ``counter`` | ``spiffe://tabadol.gov.ir/counter/<CODE>`` | a service counter (پیشخوان خدمات دولت), 004 art. 14 |
| ``window`` | ``spiffe://tabadol.gov.ir/window/<CODE>`` | the national window (my.gov.ir), e.g. ``window/MYGOV`` |
| ``auditor`` | ``spiffe://tabadol.gov.ir/auditor/<CODE>`` | an auditor (e.g. the Court of Audit) |
| ``hub`` | ``spiffe://tabadol.gov.ir/hub/<CODE>`` | the hub itself: its **operator** identity |

The text form used in grants, summaries and logs is ``kind:CODE`` (``agency:MOJ``);
a bare code means an agency. Codes follow the agency-code rule (2–16 of A-Z, 0-9, '-',
starting with a letter). The operator (:data:`OPERATOR_KIND`) is the only principal that
may change signed configuration: access rights, delegations, routing tables and agency
policies (:func:`is_operator`); the local CLI holding the hub's signing key acts as it too
(its changes are recorded ``by`` ``cli:<key id>``). :func:`is_operator_actor` is the one test
of a recorded actor, applied by every use case that changes signed configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from aggregates.errors import InvalidInput
from aggregates.identifiers import AgencyCode

__all__ = [
    "CLI_ACTOR_PREFIX",
    "HUB_CODE",
    "HUB_OPERATOR",
    "OPERATOR_KIND",
    "TRUST_DOMAIN",
    "URI_PREFIX",
    "Principal",
    "PrincipalKind",
    "is_operator",
    "is_operator_actor",
]

TRUST_DOMAIN = "tabadol.gov.ir"
URI_PREFIX = f"spiffe://{TRUST_DOMAIN}/"


class PrincipalKind(StrEnum):
    AGENCY = "agency"
    COUNTER = "counter"
    WINDOW = "window"
    AUDITOR = "auditor"
    HUB = "hub"


OPERATOR_KIND = PrincipalKind.HUB
HUB_CODE = "TABADOL"
"""The hub's own code: its operator principal is ``hub:TABADOL`` (:data:`HUB_OPERATOR`) and
it calls other agencies' systems under this agency code, with that certificate."""
CLI_ACTOR_PREFIX = "cli:"
"""Changes made by the local CLI holding the hub's signing key: ``cli:<key id>``."""


@dataclass(frozen=True, order=True)
class Principal:
    """One caller: its kind and code (uppercase)."""

    kind: PrincipalKind
    code: str

    def __post_init__(self) -> None:
        AgencyCode.parse(self.code, field="principal")  # same syntax as agency codes
        if self.code != self.code.upper():
            raise InvalidInput.field("principal", "codes are uppercase")

    @classmethod
    def agency(cls, code: str) -> Principal:
        return cls(PrincipalKind.AGENCY, code.strip().upper())

    @classmethod
    def parse(cls, text: str, field: str = "principal") -> Principal:
        """``kind:CODE`` (``counter:P-1001``) or a bare agency code (``MOJ``)."""
        kind_text, sep, code = text.strip().partition(":")
        if not sep:
            kind_text, code = PrincipalKind.AGENCY.value, kind_text
        try:
            kind = PrincipalKind(kind_text.lower())
        except ValueError:
            kinds = ", ".join(k.value for k in PrincipalKind)
            raise InvalidInput.field(
                field, f"unknown principal kind {kind_text!r}; use {kinds}"
            ) from None
        try:
            return cls(kind, AgencyCode.parse(code, field=field).value)
        except InvalidInput as error:
            raise InvalidInput.field(field, f"{text!r}: {error}") from None

    @classmethod
    def from_uri(cls, uri: str) -> Principal | None:
        """The principal a ``spiffe://tabadol.gov.ir/<kind>/<CODE>`` URI names, else None."""
        if not uri.startswith(URI_PREFIX):
            return None
        parts = uri.removeprefix(URI_PREFIX).split("/")
        if len(parts) != 2:
            return None
        try:
            kind = PrincipalKind(parts[0])
            if parts[1] != parts[1].upper():
                return None
            return cls(kind, AgencyCode.parse(parts[1]).value)
        except (ValueError, InvalidInput):
            return None

    @property
    def uri(self) -> str:
        return f"{URI_PREFIX}{self.kind.value}/{self.code}"

    @property
    def name(self) -> str:
        """``kind:CODE``: the form in grants, summaries and logs."""
        return f"{self.kind.value}:{self.code}"

    def __str__(self) -> str:
        return self.name


HUB_OPERATOR = Principal(OPERATOR_KIND, HUB_CODE)
"""The operator principal of this hub (``spiffe://tabadol.gov.ir/hub/TABADOL``)."""


def is_operator(principal: Principal) -> bool:
    """Whether ``principal`` is the hub's operator (may change signed configuration)."""
    return principal.kind is OPERATOR_KIND


def is_operator_actor(actor: str) -> bool:
    """Whether ``actor`` (a use case's ``by``) acts as the operator: the operator principal
    (``hub:CODE``, from its certificate) or the local CLI holding the hub key (``cli:…``)."""
    if actor.startswith(CLI_ACTOR_PREFIX) and len(actor) > len(CLI_ACTOR_PREFIX):
        return True
    if not actor.startswith(f"{OPERATOR_KIND.value}:"):
        return False
    try:
        principal = Principal.parse(actor)
    except InvalidInput:
        return False
    return is_operator(principal) and principal.name == actor  # as recorded: canonical
