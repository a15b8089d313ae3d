"""One person votes once across replicas (issue 10 item 8): two ``tabadol serve`` processes
on one PostgreSQL database, configured with the one pseudonym key every replica shares, give
a person the same pseudonym; a vote through replica A, then the same person's vote through
replica B is refused, and both replicas count one vote."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from tabadol.participation.v1 import consultation_pb2 as pb
from tabadol.participation.v1 import consultation_pb2_grpc

from aggregates.identifiers import NationalCode
from hub.audit.export import read_trail
from hub.servicers.auth import AGENCY_HEADER
from hub.trail.pseudonyms import Pseudonymiser, load_pseudonym_key
from tests.hubs import Serve, shared_keys, spawn_serve
from tests.integration.test_participation_grpc import SHA, jalali_day

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

MSRT, WINDOW = ((AGENCY_HEADER, "MSRT"),), ((AGENCY_HEADER, "MYGOV"),)
# Development mode (the shared keys' settings): e-participation's tokenless verifier takes
# the national code itself as the identity token.
PERSON = NationalCode.from_serial("000004242").value


@pytest.fixture
async def replicas(tmp_path: Path, pg_url: str) -> AsyncIterator[tuple[list[Serve], Path]]:
    """Two serve processes on one fresh database of the shared PostgreSQL server."""
    keys = shared_keys(tmp_path)
    env = {**keys, "TABADOL_EVENT_STORE": pg_url}
    hubs = [spawn_serve(tmp_path / name, env) for name in ("a", "b")]
    try:
        await asyncio.gather(*(hub.wait_serving() for hub in hubs))
        yield hubs, Path(keys["TABADOL_PSEUDONYM_KEY"])
    finally:
        for hub in hubs:
            hub.stop()


def stub(channel: grpc.aio.Channel) -> Any:
    return consultation_pb2_grpc.ConsultationServiceStub(channel)


async def open_vote_call(calls: Any) -> str:
    """A vote call of MSRT's, open from today (Tehran) for 31 days."""
    asked = await calls.RequestConsultation(
        pb.RequestConsultationRequest(
            unit="معاونت آموزشی",
            kind=pb.DRAFT_KIND_BY_LAW,
            participation_type=pb.PARTICIPATION_TYPE_VOTE,
        ),
        metadata=MSRT,
    )
    code = str(asked.consultation.tracking_code)
    now = datetime.now(UTC)
    await calls.PublishDraft(
        pb.PublishDraftRequest(
            tracking_code=code,
            title_fa="آیین‌نامه آموزشی دوره کارشناسی",
            title_en="Undergraduate education by-law",
            summary_fa="پیش‌نویس مقدماتی برای نظرخواهی",
            summary_en="Preliminary draft for comment",
            document=pb.Document(sha256=SHA, url="https://www.msrt.ir/drafts/bylaw.pdf"),
            opens_on=jalali_day(now),
            closes_on=jalali_day(now, 31),
        ),
        metadata=MSRT,
    )
    return code


def vote(code: str, choice: int) -> pb.CastVoteRequest:
    return pb.CastVoteRequest(tracking_code=code, identity_token=PERSON, choice=choice)


async def test_a_person_votes_once_across_two_replicas(
    replicas: tuple[list[Serve], Path], pg_url: str
) -> None:
    (a, b), key = replicas
    async with (
        grpc.aio.insecure_channel(a.target) as to_a,
        grpc.aio.insecure_channel(b.target) as to_b,
    ):
        code = await open_vote_call(stub(to_a))
        counted = await stub(to_a).CastVote(vote(code, pb.VOTE_CHOICE_AGREE), metadata=WINDOW)
        events = len(list(read_trail(pg_url)))

        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub(to_b).CastVote(vote(code, pb.VOTE_CHOICE_DISAGREE), metadata=WINDOW)
        assert refused.value.code() == grpc.StatusCode.ALREADY_EXISTS
        assert "one vote per person" in (refused.value.details() or "")
        assert len(list(read_trail(pg_url))) == events  # the refusal stored nothing

        # Replica B knows the person by the same pseudonym (its vote on another call), the
        # one the shared key gives; the national code is never stored.
        other = await open_vote_call(stub(to_b))
        elsewhere = await stub(to_b).CastVote(vote(other, pb.VOTE_CHOICE_ABSTAIN), metadata=WINDOW)
        assert counted.participant == elsewhere.participant
        assert counted.participant == Pseudonymiser(load_pseudonym_key(key))(PERSON)
        assert not [e for e in read_trail(pg_url) if PERSON.encode() in e.state]

        for channel in (to_a, to_b):  # both replicas count the one vote
            got = await stub(channel).GetConsultation(
                pb.GetConsultationRequest(tracking_code=code), metadata=WINDOW
            )
            assert (got.consultation.votes, got.consultation.participants) == (1, 1)
