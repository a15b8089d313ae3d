"""The parts of ``tabadol demo`` that show the regulations as written, over gRPC only:

- registries and identity (000 circular item 3; 002 def. 10; 004 art. 9, 11): a company's
  case through its director, confirmed by the deeds registry; a foreign national's case;
  a birth-certificate inquiry whose code the civil registry itself confirms; a payment
  between two agencies' accounts through the treasury;
- petitions (000 items 4-5; 001 item 6): the operator's routing table with deadlines, a
  complaint forwarded between units with its trail, comments on a service, the desk's
  overdue list and KPIs;
- a bill call opened 1405/01/01 that runs one Jalali month, to 1405/02/01, and the
  operator's agency hierarchy (003).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import grpc
from tabadol.catalogue.v1 import catalogue_pb2 as cat
from tabadol.participation.v1 import consultation_pb2 as con
from tabadol.participation.v1 import consultation_pb2_grpc, petition_pb2_grpc
from tabadol.participation.v1 import petition_pb2 as pet
from tabadol.servicedesk.v1 import servicedesk_pb2 as desk
from tabadol.servicedesk.v1 import servicedesk_pb2_grpc

from aggregates.applicants import ForeignNationalId
from aggregates.principals import HUB_OPERATOR
from connectors import synthetic
from hub.demo.exchanges import DEMO_SEED, DemoWorld
from hub.servicers.auth import AGENCY_HEADER
from hub.testing import ManualClock

__all__ = ["run_bill_call_demo", "run_petition_demo", "run_registries_demo"]

_OPERATOR = ((AGENCY_HEADER, HUB_OPERATOR.name),)  # the operator: its certificate, no grant
_WINDOW = ((AGENCY_HEADER, "window:MYGOV"),)


def _md(agency: str) -> tuple[tuple[str, str], ...]:
    return ((AGENCY_HEADER, agency),)


async def run_registries_demo(
    channel: grpc.aio.Channel, world: DemoWorld, service_code: str, spec: cat.ServiceRecordSpec
) -> None:
    """Identity for legal persons and foreign nationals, a birth-certificate inquiry
    confirmed by the registry, and an inter-agency payment."""
    stub = servicedesk_pb2_grpc.ServiceDeskServiceStub(channel)
    md = _md(spec.owner_agency)
    print("\n== Registries and identity (000 circular 3; 002 def. 10; 004 art. 9, 11) ==")
    company = world.companies[0]
    director = company.representatives[0][0]
    place = world.places[0]
    opened = await stub.OpenCase(
        desk.OpenCaseRequest(
            service_code=service_code,
            applicant_kind=desk.APPLICANT_KIND_LEGAL,
            legal_person_national_id=company.national_id,
            applicant_national_code=director,
            postal_code=place.postal_code,
            channel="web",
        ),
        metadata=md,
    )
    code = opened.case.tracking_code
    confirmed = await stub.ConfirmRepresentative(
        desk.ConfirmRepresentativeRequest(tracking_code=code), metadata=md
    )
    print(
        f"case {code} for {company.name} ({company.national_id}), postal code"
        f" {opened.case.postal_code}: the deeds registry confirms its {confirmed.role}"
        f" (inquiry {confirmed.inquiry_tracking_code})"
    )
    foreigner = ForeignNationalId.from_serial("60012345678").value
    foreign = await stub.OpenCase(
        desk.OpenCaseRequest(
            service_code=service_code,
            applicant_kind=desk.APPLICANT_KIND_FOREIGN,
            foreign_national_id=foreigner,
            postal_code=world.places[1].postal_code,
            channel="counter",
        ),
        metadata=md,
    )
    print(
        f"case {foreign.case.tracking_code} for a foreign national"
        f" {foreign.case.applicant_masked} (12-digit identifier, mod-11 check digit)"
    )
    person = world.people[5]
    natural = await stub.OpenCase(
        desk.OpenCaseRequest(
            service_code=service_code,
            applicant_national_code=person.national_code,
            postal_code=world.places[2].postal_code,
            channel="web",
        ),
        metadata=md,
    )
    made = await stub.MakeInquiry(
        desk.MakeInquiryRequest(
            tracking_code=natural.case.tracking_code,
            kind=cat.INQUIRY_KIND_CIVIL_REGISTRATION,
            birth_certificate_serial=person.birth_certificate_serial,
            birth_certificate_series=person.birth_certificate_series,
        ),
        metadata=md,
    )
    issued = made.inquiry.inquiry_tracking_code
    print(
        f"birth certificate {person.birth_certificate_series}-{person.birth_certificate_serial}:"
        f" inquiry code {issued}, facts {dict(made.inquiry.facts)}"
    )
    for ask in (False, True):
        checked = await stub.VerifyTrackingCode(
            desk.VerifyTrackingCodeRequest(tracking_code=issued, ask_registry=ask), metadata=md
        )
        print(
            f"  VerifyTrackingCode(ask_registry={ask}): authentic={checked.authentic},"
            f" issued by {checked.issuing_agency}, answered by {checked.source}"
        )
    accounts = synthetic.revenue_accounts(DEMO_SEED, 2)
    paid = await stub.PayAgency(
        desk.PayAgencyRequest(
            payee_agency="SSAA",
            payer_account=accounts[0],
            payee_account=accounts[1],
            amount_rials=9_000_000,
            purpose="سهم سازمان ثبت از تعرفه خدمات ثبتی",
        ),
        metadata=md,
    )
    await world.pay_at_gateway(paid.payment.payment_id, paid.payment.tracking_code)
    await stub.ReconcilePayments(desk.ReconcilePaymentsRequest(), metadata=md)
    settled = await stub.GetAgencyPayment(
        desk.GetAgencyPaymentRequest(tracking_code=paid.payment.tracking_code), metadata=md
    )
    p = settled.payment
    print(
        f"inter-agency payment {p.tracking_code}: {p.payer_agency} → {p.payee_agency},"
        f" {p.amount_rials:,} rials, {desk.PaymentStatus.Name(p.status)}"
        f" (Shetab reference {p.settlement_reference})"
    )


async def run_petition_demo(channel: grpc.aio.Channel, clock: ManualClock) -> None:
    """The operator's routing table, a complaint forwarded with its trail, comments on a
    service, and the desk's overdue list and KPIs once a deadline passes."""
    stub = petition_pb2_grpc.PetitionServiceStub(channel)
    print("\n== Petitions (000 items 4-5; 001 item 6) ==")
    table = await stub.ConfigureRouting(
        pet.ConfigureRoutingRequest(
            default_route=pet.Route(agency="MYGOV", unit="میز خدمت / service desk", answer_days=7),
            routes={
                "shares": pet.Route(agency="IPO", unit="دفتر سهام عدالت", answer_days=3),
                "certificate": pet.Route(agency="MOJ", unit="اداره کل سجل کیفری", answer_days=5),
            },
        ),
        metadata=_OPERATOR,
    )
    print(
        f"routing table v{table.table.version} set by {table.table.changed_by}:"
        f" {', '.join(f'{t} → {r.agency}/{r.unit} ({r.answer_days} d)' for t, r in sorted(table.table.routes.items()))}"
    )
    complaint = (
        await stub.SubmitPetition(
            pet.SubmitPetitionRequest(
                kind=pet.PETITION_KIND_COMPLAINT,
                topic="shares",
                subject="تأخیر در واریز سود سهام عدالت",
                body="سود سهام عدالت سال گذشته هنوز واریز نشده است.",
            ),
            metadata=_WINDOW,
        )
    ).petition
    clock.advance(timedelta(hours=3))
    forwarded = (
        await stub.ForwardPetition(
            pet.ForwardPetitionRequest(
                tracking_code=complaint.tracking_code,
                to_agency="MEFA",
                to_unit="خزانه‌داری کل کشور",
                reason="واریز سود از محل حساب خزانه انجام می‌شود",
            ),
            metadata=_md("IPO"),
        )
    ).petition
    print(f"complaint {forwarded.tracking_code}, answer due {forwarded.answer_due_at_jalali}:")
    for h in forwarded.holders:
        why = f" — {h.reason}" if h.reason else ""
        print(f"  {h.since_jalali}  {h.agency}/{h.unit} (sent by {h.by_agency}){why}")
    for subject in ("صف طولانی در دفتر پیشخوان", "فرم درخواست مبهم است"):
        await stub.SubmitPetition(
            pet.SubmitPetitionRequest(
                kind=pet.PETITION_KIND_COMMENT,
                topic="certificate",
                subject=subject,
                body=subject,
                service_code="13021000101",
            ),
            metadata=_WINDOW,
        )
    clock.advance(timedelta(days=4))
    for agency in ("MEFA", "MOJ"):
        board = await stub.GetPetitionDesk(
            pet.GetPetitionDeskRequest(agency=agency), metadata=_md(agency)
        )
        for o in board.overdue:
            print(
                f"{agency} overdue: {o.tracking_code} «{o.subject}» due {o.answer_due_at_jalali},"
                f" {o.hours_late:.0f} h late, forwarded {o.forwards}×"
            )
        for k in board.kpis:
            print(
                f"{agency} KPIs {k.unit}: received {k.received}, answered {k.answered},"
                f" open {k.open}, overdue {k.overdue}, forwarded away {k.forwarded_away}"
            )
        for c in board.service_comments:
            print(
                f"{agency} comments on service {c.service_code} ({c.unit}): {c.comments},"
                f" open {c.open}; latest: {' | '.join(c.latest_subjects)}"
            )
    kpis = await stub.GetPetitionDesk(pet.GetPetitionDeskRequest(agency="IPO"), metadata=_md("IPO"))
    for k in kpis.kpis:
        print(f"IPO KPIs {k.unit}: received {k.received}, forwarded away {k.forwarded_away}")


async def run_bill_call_demo(channel: grpc.aio.Channel) -> None:
    """003's hierarchy set by the operator, and a bill call opened 1405/01/01 that must run
    one Jalali calendar month: to 1405/02/01 (run before the clock passes 1405/01/01)."""
    stub = consultation_pb2_grpc.ConsultationServiceStub(channel)
    print("\n== Consultation periods as written (000 item 1; 001 items 1-2; 003) ==")
    policy = await stub.ConfigurePolicy(
        con.ConfigurePolicyRequest(
            parents={"SANJESH": "MSRT", "IRANDOC": "MSRT"}, minimum_days={"MSRT": 30}
        ),
        metadata=_OPERATOR,
    )
    print(
        f"policy v{policy.policy.version}: MSRT 30 days, covering its affiliated bodies"
        f" {', '.join(sorted(policy.policy.parents))}"
    )
    asked = await stub.RequestConsultation(
        con.RequestConsultationRequest(
            unit="دفتر حقوقی / Legal office",
            kind=con.DRAFT_KIND_BILL,
            participation_type=con.PARTICIPATION_TYPE_SURVEY,
        ),
        metadata=_md("IPO"),
    )
    draft = con.PublishDraftRequest(
        tracking_code=asked.consultation.tracking_code,
        title_fa="لایحه اصلاح قانون اجرای سیاست‌های کلی اصل ۴۴",
        title_en="Bill amending the Article 44 policies act",
        summary_fa="پیش‌نویس مقدماتی لایحه برای نقد عموم به مدت یک ماه.",
        summary_en="Preliminary draft of the bill, open to public comment for one month.",
        document=con.Document(
            sha256=hashlib.sha256(b"bill 1405").hexdigest(),
            url="https://www.ipo.ir/drafts/bill-1405.pdf",
        ),
        opens_on="1405/01/01",
        closes_on="1405/01/31",
    )
    try:
        await stub.PublishDraft(draft, metadata=_md("IPO"))
    except grpc.aio.AioRpcError as error:
        print(f"1405/01/01 → 1405/01/31 is refused: {error.details()}")
    draft.closes_on = "1405/02/01"
    c = (await stub.PublishDraft(draft, metadata=_md("IPO"))).consultation
    print(
        f"bill call {c.tracking_code} open {c.opens_at_jalali} → {c.closes_at_jalali}"
        f" ({c.minimum_days} days: one Jalali month; at most three months)"
    )
