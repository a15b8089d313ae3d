"""Service cases driven through the hub's use cases for the projection tests, and the KPI
figures of the views checked against figures computed straight from those cases.

:class:`CaseFactory` is shared by the other projection, relay and monitoring tests.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from aggregates.jalali import jalali_month
from aggregates.service_record import InquiryKind, Stage
from hub.application.hub import TabadolHub
from hub.config import APP_NAME, store_env
from hub.servicers.convert import spec_from_proto
from hub.trail.keys import Signer
from projections._sql import catch_up, open_view
from projections.agency_kpis import AgencyKpisProjection, AgencyKpisView
from tests.samples import applicant, spec_proto

SERVICES = {  # service code → (agency, steps of each stage)
    "13021000101": ("MOJ", ("ثبت درخواست",), ("استعلام سوابق",), ("ارسال الکترونیکی",)),
    "13021000202": ("MIMT", ("ثبت درخواست",), ("صدور کارت",), ("تحویل کارت",)),
}
FATES = ("rated", "delivered", "rated", "rejected", "cancelled", "open", "rated", "delivered")


def _luhn(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return digits + str((10 - total % 10) % 10)


@dataclass(frozen=True)
class Outcome:
    """What the test made of one case, to compare the views with."""

    tracking_code: str
    agency: str
    service_code: str
    applicant: str
    fate: str
    in_person: bool
    score: int | None


class CaseFactory:
    """Registers two services (two agencies) and drives cases to a chosen fate."""

    def __init__(self, hub: TabadolHub, seed: int = 1405) -> None:
        self.hub = hub
        self.exchanges = hub.exchange_records
        self.rng = random.Random(seed)
        self._inquiries = 0
        for code, (agency, *stages) in SERVICES.items():
            steps = [
                (name, stage)
                for stage, names in zip(
                    (Stage.REQUEST, Stage.PRODUCTION, Stage.DELIVERY), stages, strict=True
                )
                for name in names
            ]
            proto = spec_proto(owner_agency=agency)
            proto.ClearField("fee")
            del proto.process[:]
            for name, stage in steps:
                step = proto.process.add(name=name, time_limit_hours=24)
                step.stage = {"request": 1, "production": 2, "delivery": 3}[stage.value]
            hub.catalogue.register_service_record(code, spec_from_proto(proto), by=agency)

    def run(
        self,
        fate: str,
        national_code: str,
        *,
        service_code: str = "13021000101",
        note: str = "",
        in_person: bool = False,
        score: int | None = None,
    ) -> Outcome:
        """One case, from opening to ``fate``: open, rejected, cancelled, delivered, rated."""
        agency, *stages = SERVICES[service_code]
        hub, code = self.hub, ""
        code = hub.cases.open_case(
            service_code, national_code, channel="web", postal_code="1316943891", by=agency
        ).tracking_code
        self.exchanges.record_identity(
            code, active=True, national_code=national_code, level=2, by=agency
        )
        for stage, names in zip(
            (Stage.REQUEST, Stage.PRODUCTION, Stage.DELIVERY), stages, strict=True
        ):
            if fate in ("rejected", "cancelled", "open") and stage is Stage.PRODUCTION:
                if fate == "rejected":
                    hub.cases.reject(code, reason=note or "مدارک ناقص", by=agency)
                elif fate == "cancelled":
                    hub.cases.cancel(code, reason=note or "انصراف", by=agency)
                return Outcome(code, agency, service_code, national_code, fate, False, None)
            if stage is Stage.PRODUCTION:
                self._inquiries += 1
                self.exchanges.record_inquiry(
                    code,
                    InquiryKind.CIVIL_REGISTRATION,
                    inquiry_tracking_code=_luhn(f"{self._inquiries:015d}"),
                    issuing_agency="NOCR",
                    facts={"alive": True, "birth_date_matched": True},
                    inquired_at=datetime.now(UTC),
                    by=agency,
                )
            for name in names:
                hub.cases.record_step(code, name, note=note, by=agency)
            if stage is not Stage.DELIVERY:
                hub.cases.complete_stage(code, stage, by=agency)
        hub.cases.deliver(code, in_person=in_person, note=note, by=agency)
        if fate == "rated":
            score = score if score is not None else self.rng.randint(1, 5)
            hub.cases.rate_satisfaction(code, score=score, comment=note, by="MYGOV")
        else:
            score = None
        return Outcome(code, agency, service_code, national_code, fate, in_person, score)

    def many(self, count: int) -> list[Outcome]:
        """``count`` cases over both services, fates and visits mixed."""
        return [
            self.run(
                FATES[(i // 2) % len(FATES)],
                applicant(100 + i),
                service_code=list(SERVICES)[i % 2],
                in_person=i % 3 == 0,
            )
            for i in range(count)
        ]


# --- KPI figures against the cases themselves ----------------------------------------------


def test_kpi_figures_match_the_cases_they_come_from(tmp_path: Path, signer: Signer) -> None:
    hub = TabadolHub(signer, env=store_env(f"sqlite:///{tmp_path / 'events.sqlite'}"))
    outcomes = CaseFactory(hub).many(24)
    view = open_view(
        AgencyKpisView, "agency_kpis", store_env(f"sqlite:///{tmp_path / 'kpis.sqlite'}")
    )
    catch_up(AgencyKpisProjection(view), hub.recorder, hub.mapper, APP_NAME)
    now = datetime.now(UTC)
    figures = {
        (k.agency, k.service_code): k for a in view.agency_kpis(now) for k in (a.total, *a.services)
    }

    for (agency, service), kpis in figures.items():
        mine = [o for o in outcomes if o.agency == agency and service in ("", o.service_code)]
        delivered = [o for o in mine if o.fate in ("delivered", "rated")]
        cases = [hub.cases.get_case(o.tracking_code) for o in delivered]
        hours = sorted(
            (c.timeline[-1 if c.satisfaction is None else -2].at - c.timeline[0].at).total_seconds()
            / 3600
            for c in cases
        )
        scores = [o.score for o in mine if o.score is not None]
        assert kpis.cases == len(mine)
        assert kpis.delivered == len(delivered)
        assert kpis.rejected == sum(o.fate == "rejected" for o in mine)
        assert kpis.cancelled == sum(o.fate == "cancelled" for o in mine)
        assert kpis.open == sum(o.fate == "open" for o in mine)
        assert kpis.median_hours_to_delivery == pytest.approx(statistics.median(hours))
        assert kpis.p90_hours_to_delivery == pytest.approx(
            statistics.quantiles(hours, n=10, method="inclusive")[8]
        )
        assert kpis.share_delivered_without_visit == pytest.approx(
            sum(not o.in_person for o in delivered) / len(delivered)
        )
        assert kpis.inquiries == len(delivered)  # one civil-registration inquiry each
        assert kpis.share_inquiries_electronic == 1.0
        assert kpis.ratings == len(scores)
        assert kpis.average_satisfaction == pytest.approx(statistics.fmean(scores))
        assert kpis.past_time_limit == 0  # all within minutes of a 96-hour limit

    month = jalali_month(now)
    reports = {r.agency: r for r in view.monthly_reports(month=month)}
    assert set(reports) == {"MOJ", "MIMT"}
    for agency, report in reports.items():
        assert report.opened == figures[(agency, "")].cases
        assert report.delivered == figures[(agency, "")].delivered
        assert report.inquiries == figures[(agency, "")].inquiries
    hub.close()
