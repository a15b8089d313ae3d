"""Every agency-facing unary method of the hub, typed (from the generated bindings)."""

from __future__ import annotations

from typing import Any

from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.monitoring.v1 import monitoring_pb2 as mon
from tabadol.participation.v1 import consultation_pb2, petition_pb2
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk

from hub.client.client import Rpc

__all__ = ["ALL", "by_name"]


def _service(module: Any, name: str) -> dict[str, Rpc[Any, Any]]:
    service = module.DESCRIPTOR.services_by_name[name]
    rpcs: dict[str, Rpc[Any, Any]] = {}
    for method in service.methods:
        if method.client_streaming or method.server_streaming:
            continue
        rpcs[method.name] = Rpc(
            f"/{service.full_name}/{method.name}",
            getattr(module, method.input_type.name),
            getattr(module, method.output_type.name),
        )
    return rpcs


SERVICE_DESK = _service(desk, "ServiceDeskService")
CATALOGUE = _service(cat, "CatalogueService")
MONITORING = _service(mon, "MonitoringService")
CONSULTATION = _service(consultation_pb2, "ConsultationService")
PETITION = _service(petition_pb2, "PetitionService")
ALL: dict[str, Rpc[Any, Any]] = {
    rpc.method: rpc
    for group in (SERVICE_DESK, CATALOGUE, MONITORING, CONSULTATION, PETITION)
    for rpc in group.values()
}

OPEN_CASE: Rpc[desk.OpenCaseRequest, desk.OpenCaseResponse] = SERVICE_DESK["OpenCase"]
RECORD_STEP: Rpc[desk.RecordStepRequest, desk.RecordStepResponse] = SERVICE_DESK["RecordStep"]
GET_CASE: Rpc[desk.GetCaseRequest, desk.GetCaseResponse] = SERVICE_DESK["GetCase"]
REGISTER_SERVICE_RECORD: Rpc[
    cat.RegisterServiceRecordRequest, cat.RegisterServiceRecordResponse
] = CATALOGUE["RegisterServiceRecord"]


def by_name(method: str) -> Rpc[Any, Any]:
    """The Rpc of ``/pkg.Service/Method``."""
    return ALL[method]
