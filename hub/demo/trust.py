"""Trust in ``tabadol demo``: the rights file the hub is seeded with, and the scoped reads
it shows — the applicant following their case with their identity token through the
national window, and TAX refused one of MOJ's cases.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import grpc
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from aggregates.identifiers import NationalCode
from hub.application.rights import RIGHTS_FORMAT
from hub.demo.callers import as_caller
from hub.demo.exchanges import WORLD_PRINCIPAL, DemoWorld
from hub.demo.signatures import SIGNING_AGENCY

__all__ = ["DEMO_RIGHTS", "OPEN_CASE_APPLICANT", "applicant_reads", "refused_read", "write_rights"]


def _service(name: str) -> str:
    return f"service:tabadol.{name}"


DEMO_RIGHTS: dict[str, Any] = {
    "format": RIGHTS_FORMAT,
    "groups": {
        "AGENCIES": [
            f"agency:{a}"
            for a in ("MOJ", "MIMT", "MSRT", "IPO", "MEFA", "POST", "TAX", SIGNING_AGENCY)
        ]
    },
    "grants": [
        *(
            {"grantee": "group:AGENCIES", "target": _service(s), "reason": why}
            for s, why in (
                ("catalogue.v1.CatalogueService", "agencies keep their own service records"),
                ("catalogue.v1.PermitRegistryService", "agencies keep their permit kinds"),
                ("programme.v1.ProgrammeService", "agencies report their programme"),
                ("servicedesk.v1.ServiceDeskService", "agencies run their own cases (scoped)"),
                ("participation.v1.ConsultationService", "agencies run their consultations"),
                ("participation.v1.PetitionService", "the routed units answer petitions"),
                ("monitoring.v1.MonitoringService", "agencies read their KPIs"),
            )
        ),
        *(
            {"grantee": WORLD_PRINCIPAL, "target": _service(s), "reason": why}
            for s, why in (
                ("servicedesk.v1.ServiceDeskService", "the content-free view; ratings"),
                ("monitoring.v1.MonitoringService", "the national window's feed and views"),
                ("monitoring.v1.OperationalMonitoringService", "operational monitoring"),
                ("participation.v1.ConsultationService", "citizens take part through it"),
                ("participation.v1.PetitionService", "citizens petition through it"),
                ("programme.v1.ProgrammeService", "the public system of progress"),
            )
        ),
    ],
}
"""The rights file the demo seeds its hub with: X-Road-like grants, nothing else allowed.
The operator (``hub:TABADOL``) needs no grant for its configuration methods."""


def write_rights(path: Path) -> Path:
    """Write :data:`DEMO_RIGHTS` to ``path`` (``TABADOL_ACCESS_RIGHTS``)."""
    path.write_text(json.dumps(DEMO_RIGHTS, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return path


OPEN_CASE_APPLICANT = str(NationalCode.from_serial("001234567"))


async def applicant_reads(
    stub: servicedesk_pb2_grpc.ServiceDeskServiceStub, world: DemoWorld, code: str
) -> None:
    """The applicant signs in at the national window, which reads their case for them with
    their identity token; another person's token finds nothing."""
    token = await world.sign_in(OPEN_CASE_APPLICANT, 2)
    got = await stub.GetCase(
        desk.GetCaseRequest(tracking_code=code, applicant_token=token, digits=desk.DIGITS_PERSIAN),
        metadata=as_caller(WORLD_PRINCIPAL),
    )
    status = desk.CaseStatus.Name(got.case.status).removeprefix("CASE_STATUS_").lower()
    print(
        f"\nthe applicant signs in at the national window and follows their case {code}"
        f" with their identity token (the full case, {status}; پیگیری پرونده با توکن هویت):"
    )
    for entry in got.case.timeline:
        print(f"  {entry.at_jalali}  {entry.kind:<16} {entry.step or entry.note}")
    stranger = await world.sign_in(str(NationalCode.from_serial("007654321")), 2)
    try:
        await stub.GetCase(
            desk.GetCaseRequest(tracking_code=code, applicant_token=stranger),
            metadata=as_caller(WORLD_PRINCIPAL),
        )
    except grpc.aio.AioRpcError as error:
        print(f"  the same code with another person's token: {error.code().name}")


async def refused_read(stub: servicedesk_pb2_grpc.ServiceDeskServiceStub, case: desk.Case) -> None:
    """TAX, granted ServiceDeskService for its own cases, asks for one of MOJ's."""
    code = case.tracking_code
    try:
        await stub.GetCase(desk.GetCaseRequest(tracking_code=code), metadata=as_caller("TAX"))
    except grpc.aio.AioRpcError as error:
        print(
            f"\nTAX (certificate spiffe://tabadol.gov.ir/agency/TAX) asks for MOJ's case {code}:"
            f" {error.code().name}\n  reads are scoped like writes: TAX may call GetCase (its"
            " grant) but this case is not TAX's, so it does not exist for TAX — NOT_FOUND, not"
            " PERMISSION_DENIED, so a tracking code seen in the national-window feed reveals"
            " nothing; the refusal is counted in the trail's signed summary\n"
            "  پرونده‌ی دستگاه دیگر: برای سازمان امور مالیاتی «یافت نشد» (NOT_FOUND)؛"
            " شمارش امتناع در خلاصه‌ی امضاشده‌ی ردپا"
        )
    else:  # pragma: no cover - scoping is broken
        raise RuntimeError(f"TAX read MOJ's case {code}")
