"""Who may see a case, and how much (DESIGN property 3: reads are scoped like writes).

| caller | GetCase of a case | why |
|---|---|---|
| its main agency (``agency:<case.agency>``) | the full case | it owns the case |
| the counter the case came through (``counter:CODE``, recorded when it opened the case under a delegation) | the full case | the case was delegated through it (004 art. 14); while the delegation of the case's service is in force (its ``code:`` right, checked by GetCase) |
| an auditor (``auditor:CODE``) | the full case | supervision and audit |
| the national window (``window:CODE``, or the agency ``MYGOV`` in development mode) | the content-free view: status, stage, steps and times — no notes, no inquiry facts, no payment, no satisfaction comment | 002 art. 8 n1 |
| the applicant, through the national window (``applicant_token``: their identity token, checked with the identity provider, must be the case's applicant's) | the full case | their own case (004 art. 6 n) |
| anyone else | **NOT_FOUND**, counted as a refusal | |

``GetEvaluation`` (whether a case was delivered and rated) follows the same table: anyone
outside it gets NOT_FOUND.

Petitions (``GetPetition``): the units that held it (the routed one now and those that
forwarded it), auditors, and its submitter — through the channel it came by, with the
identity token of the signed-in citizen who sent it (by the code alone when anonymous:
nobody else holds it); anyone else NOT_FOUND, counted.

Consultations are public once their draft is published; before that (phase requested) a
call is its agency's internal business: the asking agency and auditors read it, anyone else
gets NOT_FOUND, counted.

Only the national window relays an applicant's token (else PERMISSION_DENIED, before the
case is looked up): an agency is given the applicant's token for its own case
(VerifyApplicantIdentity) and must not read the person's other cases with it.

Why NOT_FOUND and not PERMISSION_DENIED: a refusal that says "exists, but not yours" tells
an outsider which tracking codes are live and whose they are; NOT_FOUND says nothing the
caller may not know. Writes by anyone but the main agency stay PERMISSION_DENIED (the
caller names a case it claims to act on; the answer reveals nothing a read would not).
"""

from __future__ import annotations

import hmac
from enum import Enum

from aggregates.principals import Principal, PrincipalKind
from hub.application.cases import NATIONAL_WINDOW, CaseView
from hub.application.consultations import ConsultationView
from hub.application.petitions import PetitionView

__all__ = [
    "CaseScope",
    "case_scope",
    "is_national_window",
    "may_read_petition",
    "may_read_unpublished",
]


class CaseScope(Enum):
    FULL = "full"
    APPLICANT = "applicant"  # the full case, read for its applicant
    CONTENT_FREE = "content_free"
    NONE = "none"


def is_national_window(principal: Principal) -> bool:
    """The national window: ``window:CODE``, or the agency ``MYGOV`` in development mode."""
    return principal.kind is PrincipalKind.WINDOW or (
        principal.kind is PrincipalKind.AGENCY and principal.code == NATIONAL_WINDOW
    )


def case_scope(principal: Principal, case: CaseView) -> CaseScope:
    """How much of ``case`` ``principal`` may read."""
    kind = principal.kind
    if kind is PrincipalKind.AGENCY and principal.code == case.agency:
        return CaseScope.FULL
    if kind is PrincipalKind.AUDITOR:
        return CaseScope.FULL
    if kind is PrincipalKind.COUNTER and case.counter == principal.code:
        return CaseScope.FULL
    if is_national_window(principal):
        return CaseScope.CONTENT_FREE
    return CaseScope.NONE


def may_read_petition(principal: Principal, petition: PetitionView, pseudonym: str | None) -> bool:
    """Whether ``principal`` may read ``petition``; ``pseudonym`` is that of the identity
    token the caller relayed (None: no token)."""
    if principal.kind is PrincipalKind.AUDITOR:
        return True
    if principal.kind not in (PrincipalKind.AGENCY, PrincipalKind.WINDOW):
        return False
    if principal.code in {h.agency for h in petition.holders}:
        return True
    if principal.code != petition.submitted_by:
        return False
    if not petition.submitter:
        return True  # anonymous: the code is the submitter's only receipt
    return pseudonym is not None and hmac.compare_digest(pseudonym, petition.submitter)


def may_read_unpublished(principal: Principal, consultation: ConsultationView) -> bool:
    """Whether ``principal`` may read a call whose draft is not published yet."""
    if principal.kind is PrincipalKind.AUDITOR:
        return True
    return principal.kind is PrincipalKind.AGENCY and principal.code == consultation.agency
