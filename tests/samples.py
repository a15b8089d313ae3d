"""Sample service records and applicants shared by the tests."""

from __future__ import annotations

import json

from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk

from aggregates.identifiers import NationalCode, Sheba

SERVICE_CODE = "13021000101"
AGENCY = "MOJ"
ACCOUNT = Sheba.from_bban("0170000000111222333444").value
LEGAL_PERMIT = "قانون بودجه سال ۱۴۰۵ کل کشور، جدول تعرفه‌ها"
REQUEST_FORM = {
    "type": "object",
    "properties": {"purpose": {"type": "string", "minLength": 1}},
}
"""The sample's e-form: nothing required, so a case opened without forms is valid."""


def applicant(serial: int = 1234567) -> str:
    """A valid national code built from a serial number."""
    return NationalCode.from_serial(f"{serial:09d}").value


def open_case_request(serial: int) -> desk.OpenCaseRequest:
    """An OpenCase of the sample service by the applicant of ``serial``, on the web."""
    return desk.OpenCaseRequest(
        service_code=SERVICE_CODE,
        applicant_national_code=applicant(serial),
        postal_code="1316943891",
        channel="web",
    )


def spec_proto(**changes: object) -> cat.ServiceRecordSpec:
    spec = cat.ServiceRecordSpec(
        title_fa="صدور گواهی عدم سوءپیشینه",
        title_en="Certificate of no criminal record",
        legal_basis="قانون مدیریت خدمات کشوری، ماده ۳۶",
        service_type=cat.SERVICE_TYPE_SOVEREIGN,
        owner_agency=AGENCY,
        stakeholders=["شهروندان"],
        required_documents=[
            cat.RequiredDocument(name="فرم درخواست", json_schema=json.dumps(REQUEST_FORM))
        ],
        required_inquiries=[cat.INQUIRY_KIND_CIVIL_REGISTRATION],
        identity_level=2,
        fee=cat.Fee(tariff_rials=1_200_000, revenue_account=ACCOUNT, legal_permit=LEGAL_PERMIT),
        in_person_required=False,
        process=[
            cat.ProcessStep(name="ثبت درخواست", stage=cat.STAGE_REQUEST, time_limit_hours=1),
            cat.ProcessStep(name="استعلام سوابق", stage=cat.STAGE_PRODUCTION, time_limit_hours=48),
            cat.ProcessStep(name="ارسال الکترونیکی", stage=cat.STAGE_DELIVERY, time_limit_hours=2),
        ],
        units=["اداره کل سجل کیفری"],
        evaluation_method="نظرسنجی برخط پس از تحویل",
        time_limit_hours=96,
    )
    for name, value in changes.items():
        if isinstance(value, list):
            spec.ClearField(name)
            getattr(spec, name).extend(value)
        elif hasattr(value, "CopyFrom"):
            getattr(spec, name).CopyFrom(value)
        else:
            setattr(spec, name, value)
    return spec
