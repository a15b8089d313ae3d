"""The service catalogue (شناسنامه خدمات, 004 art. 2): service records, versioned."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from aggregates.errors import AlreadyExists
from aggregates.identifiers import ServiceCode
from aggregates.service_record import ServiceRecord, ServiceRecordSpec
from hub.application.errors import AccessDenied
from hub.application.store import Store

__all__ = ["Catalogue", "RecordView", "record_id"]


@dataclass(frozen=True)
class RecordView:
    service_code: str
    revision: int
    spec: ServiceRecordSpec
    registered_by: str
    revised_at: datetime
    revision_reason: str


def record_id(service_code: str) -> UUID:
    """The aggregate id of a service record, from its (checked) service code."""
    return ServiceRecord.create_id(ServiceCode.parse(service_code).value)


class Catalogue:
    """Register, revise, read and list service records; an agency writes only its own."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def register_service_record(
        self, service_code: str, spec: ServiceRecordSpec, *, by: str
    ) -> RecordView:
        code = ServiceCode.parse(service_code)
        _require_owner(spec, by)
        record = ServiceRecord.register(code, spec, by=by)
        try:
            self._store.save(record)
        except IntegrityError:
            raise AlreadyExists("service record", code.value) from None
        return _record_view(record)

    def revise_service_record(
        self,
        service_code: str,
        spec: ServiceRecordSpec,
        *,
        reason: str,
        expected_revision: int = 0,
        by: str,
    ) -> RecordView:
        def revise(record: ServiceRecord) -> None:
            if record.registered_by != by:
                raise AccessDenied(f"only {record.registered_by} may revise service {service_code}")
            if expected_revision and record.revision != expected_revision:
                raise AlreadyExists(
                    "revision", f"{expected_revision + 1} (the record is at {record.revision})"
                )
            _require_owner(spec, by)
            record.revise(spec, reason=reason, by=by)

        record, _ = self._store.change(
            record_id(service_code), ServiceRecord, "service record", service_code, revise
        )
        return _record_view(record)

    def get_service_record(self, service_code: str, revision: int | None = None) -> RecordView:
        return _record_view(self.record(service_code, revision))

    def record(self, service_code: str, revision: int | None = None) -> ServiceRecord:
        """The record aggregate itself, for the other use-case rooms (never the edge)."""
        return self._store.get(
            record_id(service_code), ServiceRecord, "service record", service_code, revision
        )

    def list_service_records(self, owner_agency: str | None = None) -> list[RecordView]:
        ids = self._store.ids_with(ServiceRecord.Registered.TOPIC)
        records = [
            _record_view(self._store.get(i, ServiceRecord, "service record", "")) for i in ids
        ]
        if owner_agency:
            records = [r for r in records if r.spec.owner_agency == owner_agency.upper()]
        return sorted(records, key=lambda r: r.service_code)


def _require_owner(spec: ServiceRecordSpec, by: str) -> None:
    """An agency registers and revises only its own services."""
    owner = spec.owner_agency.strip().upper()
    if owner and owner != by:
        raise AccessDenied(f"agency {by} may not register or revise a service owned by {owner}")


def _record_view(record: ServiceRecord) -> RecordView:
    return RecordView(
        service_code=record.service_code,
        revision=record.revision,
        spec=record.spec,
        registered_by=record.registered_by,
        revised_at=record.revised_at,
        revision_reason=record.revision_reason,
    )
