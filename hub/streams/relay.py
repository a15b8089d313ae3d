"""Relay to NATS JetStream (رله): the event log, and the national-window feed, as streams.

The event store stays the source of truth; the streams are replayable copies (JetStream
acks before fsync). Each relay follows a source in position order and publishes after the
last position its stream holds, read back from the stream's last message:

- the log relay publishes every stored event, the signed envelope bytes as stored, on
  ``<prefix>.<agency>.<service code>.<event type>`` (``tabadol.events.MOJ.13021000101.
  service_case.opened``) with the message id ``<app>:<position>``;
- the window publisher publishes each national-window feed entry (JSON, no personal data)
  on ``<window prefix>.<agency>`` to its own stream, for the window's own permissions.

Crash anywhere, restart: publishing resumes after the stream's last position, and
JetStream's de-duplication (by message id, within ``duplicate_window``) drops what was
published twice, so each event is in the stream once. Two relays at once (two hub
replicas) are safe the same way: each looks at the stream's end before a batch. When a
publish fails (a reconnect can drop messages in flight), the relay publishes again from the
first unconfirmed position, without skipping ahead, so the stream has no gap.

This module and :mod:`hub.streams.projector` are the only ones that import ``nats``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import nats
import nats.errors
import structlog
from eventsourcing.persistence import Notification, PersistenceError
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from aggregates.consultation import Consultation
from aggregates.service_case import ServiceCase
from aggregates.service_record import ServiceRecord
from hub.config import ConfigError, Settings
from hub.ledger.log_reader import ForeignEvent, LogReader
from hub.ledger.stores import APP_NAME
from hub.telemetry import metrics
from projections.window_feed import FeedEntry, WindowFeedView

__all__ = [
    "HEADER_AGGREGATE",
    "HEADER_POSITION",
    "HEADER_TOPIC",
    "HEADER_VERSION",
    "NatsOptions",
    "Outgoing",
    "PublishFailed",
    "Router",
    "Source",
    "connect",
    "ensure_streams",
    "event_subject",
    "follow",
    "follow_window",
    "last_published",
    "log_source",
    "run_relay",
    "run_window_publisher",
    "window_source",
]

log = structlog.get_logger("tabadol.relay")

HEADER_MSG_ID = "Nats-Msg-Id"
HEADER_POSITION = "Tabadol-Position"
HEADER_AGGREGATE = "Tabadol-Aggregate-Id"
HEADER_VERSION = "Tabadol-Version"
HEADER_TOPIC = "Tabadol-Topic"

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class NatsOptions:
    """Stream names, subject prefixes and pacing; defaults suit one hub."""

    stream: str = "TABADOL_EVENTS"
    subject_prefix: str = "tabadol.events"
    window_stream: str = "TABADOL_WINDOW"
    window_prefix: str = "tabadol.window"
    # 003: decisions on suggestions, pushed to their authors by pseudonym
    participants_stream: str = "TABADOL_PARTICIPANTS"
    participants_prefix: str = "tabadol.participants"
    durable_prefix: str = "tabadol-view"
    duplicate_window: float = 120.0  # seconds JetStream remembers message ids
    batch_size: int = 500
    poll_interval: float = 0.02  # seconds between looks at an idle source
    publish_timeout: float = 5.0  # seconds to wait for a JetStream ack


@dataclass(frozen=True)
class Outgoing:
    """One message to publish, at its source position."""

    position: int
    subject: str
    data: bytes
    headers: dict[str, str] = field(default_factory=dict)


class PublishFailed(Exception):
    """A publish was not confirmed; everything up to ``confirmed`` was."""

    def __init__(self, confirmed: int) -> None:
        super().__init__(f"publishing failed after position {confirmed}")
        self.confirmed = confirmed


async def connect(
    url: str,
    *,
    name: str,
    on_reconnect: Callable[[], Awaitable[None]] | None = None,
) -> Client:
    """A NATS connection that keeps reconnecting (forever) once established.

    An outage is two structured log lines, no tracebacks: one when the connection is lost,
    one when it is back (with how long it took and how many attempts failed); each
    reconnection counts in ``tabadol_nats_reconnects{role}``.
    """
    outage = _Outage(name)

    async def reconnected() -> None:
        outage.back()
        if on_reconnect is not None:
            await on_reconnect()

    return await nats.connect(
        url,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=5,
        reconnected_cb=reconnected,
        disconnected_cb=outage.lost,
        error_cb=outage.error,
    )


_CONNECTION_ERRORS = (
    OSError,
    TimeoutError,
    nats.errors.UnexpectedEOF,
    nats.errors.StaleConnectionError,
    nats.errors.NoServersError,
    nats.errors.ConnectionClosedError,
)
"""What a lost connection raises; told by the outage's two lines instead."""


class _Outage:
    """Turns nats-py's callbacks into one line when the connection goes, one when it is back."""

    def __init__(self, role: str) -> None:
        self.role = role
        self.since: float | None = None
        self.failures = 0
        self.last_error = ""

    async def lost(self) -> None:
        if self.since is None:
            self.since = time.monotonic()
            log.warning("nats connection lost; reconnecting", role=self.role)

    async def error(self, error: Exception) -> None:
        self.failures += 1
        self.last_error = f"{type(error).__name__}: {error}"[:200]
        if not isinstance(error, _CONNECTION_ERRORS):  # not the outage itself: say it
            log.warning("nats error", role=self.role, error=self.last_error)

    def back(self) -> None:
        down = time.monotonic() - self.since if self.since is not None else 0.0
        log.info(
            "nats reconnected",
            role=self.role,
            down_seconds=round(down, 2),
            failed_attempts=self.failures,
            last_error=self.last_error,
        )
        metrics.nats_reconnected(self.role)
        self.since, self.failures, self.last_error = None, 0, ""


async def _ensure_stream(js: JetStreamContext, name: str, subjects: list[str], dup: float) -> None:
    """Create the stream unless it exists.

    The relay and the projection workers start together and each ensures the
    streams; when two create at the same moment the loser's request is refused
    (``subjects overlap``). That refusal is success if the stream now exists.
    """
    try:
        await js.stream_info(name)
        return
    except NotFoundError:
        pass
    config = StreamConfig(
        name=name, subjects=subjects, storage=StorageType.FILE, duplicate_window=dup
    )
    try:
        await js.add_stream(config)
    except BadRequestError as refused:
        try:
            await js.stream_info(name)
        except NotFoundError:
            raise refused from None
        log.info("stream created by another process", stream=name)
        return
    log.info("created stream", stream=name, subjects=subjects)


async def ensure_streams(js: JetStreamContext, options: NatsOptions) -> None:
    """Create the events stream and the window stream if they are missing."""
    await _ensure_stream(
        js, options.stream, [f"{options.subject_prefix}.>"], options.duplicate_window
    )
    await _ensure_stream(
        js, options.window_stream, [f"{options.window_prefix}.>"], options.duplicate_window
    )


async def ensure_participants_stream(js: JetStreamContext, options: NatsOptions) -> None:
    """Create the participants' decisions stream if it is missing."""
    await _ensure_stream(
        js,
        options.participants_stream,
        [f"{options.participants_prefix}.>"],
        options.duplicate_window,
    )


async def last_published(js: JetStreamContext, stream: str) -> int:
    """The source position in the stream's last message header; 0 for an empty stream."""
    info = await js.stream_info(stream)
    last = info.state.last_seq
    if not last or info.state.messages == 0:
        return 0
    message = await js.get_msg(stream, last)
    return int((message.headers or {}).get(HEADER_POSITION, 0))


def _token(text: str) -> str:
    return _UNSAFE.sub("_", text) or "_"


def event_subject(prefix: str, agency: str, service_code: str, topic: str) -> str:
    """``<prefix>.<agency>.<service>.<topic without "tabadol.">``, each token sanitized."""
    kind = ".".join(_token(t) for t in topic.removeprefix("tabadol.").split("."))
    return f"{prefix}.{_token(agency)}.{_token(service_code)}.{kind}"


def _route_of(event: object) -> tuple[str, str] | None:
    """(agency, service code) from an aggregate's first event, when it names them."""
    if isinstance(event, ServiceCase.Opened):
        return event.agency, event.service_code
    if isinstance(event, ServiceRecord.Registered):
        return str(event.spec.get("owner_agency", "_")), event.service_code
    fields: Mapping[str, Any] = event.state if isinstance(event, ForeignEvent) else vars(event)
    spec = fields.get("spec")
    agency = fields.get("agency") or (spec.get("owner_agency") if isinstance(spec, dict) else None)
    if agency is None:
        return None
    return str(agency), str(fields.get("service_code") or "_")


class Router:
    """Aggregate id → (agency, service code), learned from each aggregate's first event as
    the relay reads it; after a restart, a miss reads that first event from the store."""

    def __init__(self, reader: LogReader, maxsize: int = 200_000) -> None:
        self._reader = reader
        self._routes: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._maxsize = maxsize

    def route(self, notification: Notification) -> tuple[str, str]:
        key = str(notification.originator_id)
        if key in self._routes:
            self._routes.move_to_end(key)
            return self._routes[key]
        first: object | None = None
        if notification.originator_version == 1:
            first = self._reader.mapper.to_domain_event(notification)
        else:
            stored = self._reader.recorder.select_events(notification.originator_id, lte=1)
            if stored:
                first = self._reader.mapper.to_domain_event(stored[0])
        route = (_route_of(first) if first is not None else None) or ("_", "_")
        self._routes[key] = route
        if len(self._routes) > self._maxsize:
            self._routes.popitem(last=False)
        return route


def _event_message(notification: Notification, route: tuple[str, str], prefix: str) -> Outgoing:
    return Outgoing(
        position=notification.id,
        subject=event_subject(prefix, route[0], route[1], notification.topic),
        data=notification.state,
        headers={
            HEADER_MSG_ID: f"{APP_NAME}:{notification.id}",
            HEADER_POSITION: str(notification.id),
            HEADER_AGGREGATE: str(notification.originator_id),
            HEADER_VERSION: str(notification.originator_version),
            HEADER_TOPIC: notification.topic,
        },
    )


def _window_message(entry: FeedEntry, prefix: str) -> Outgoing:
    return Outgoing(
        position=entry.position,
        subject=f"{prefix}.{_token(entry.agency)}",
        data=json.dumps(entry.to_dict(), ensure_ascii=False).encode("utf-8"),
        headers={
            HEADER_MSG_ID: f"{APP_NAME}:window:{entry.position}",
            HEADER_POSITION: str(entry.position),
        },
    )


async def _publish(
    js: JetStreamContext, batch: Sequence[Outgoing], after: int, timeout: float
) -> int:
    """Publish in order, pipelined; the last position confirmed, or :class:`PublishFailed`."""
    pending: list[asyncio.Future[Any]] = []
    confirmed = after
    try:
        for message in batch:
            pending.append(
                await js.publish_async(message.subject, message.data, headers=message.headers)
            )
        for message, future in zip(batch, pending, strict=True):
            # nats-py 2.16 leaves the future of an error reply pending: a timeout is a failure
            await asyncio.wait_for(future, timeout)
            confirmed = message.position
    except (TimeoutError, nats.errors.Error, ConnectionError) as error:
        for future in pending:
            future.cancel()
        log.warning("publish not confirmed", after=confirmed, error=repr(error))
        raise PublishFailed(confirmed) from error
    return confirmed


Source = Callable[[int, int], Sequence[Outgoing]]
"""(after position, limit) → the next messages, in position order."""


async def follow(
    js: JetStreamContext, stream: str, source: Source, stop: asyncio.Event, options: NatsOptions
) -> None:
    """Publish ``source`` to ``stream`` from the stream's last position until ``stop``;
    rides out NATS or the store being away (it tries again every half second)."""
    position: int | None = None  # unknown until read back from the stream
    refill = False  # after a failure: publish again from the first unconfirmed position
    while not stop.is_set():
        try:
            if position is None:
                position = await last_published(js, stream)
                log.info("relaying", stream=stream, after=position)
            batch = await asyncio.to_thread(source, position, options.batch_size)
            if not batch:
                await _pause(stop, options.poll_interval)
                continue
            if not refill:
                tail = await last_published(js, stream)
                if tail > position:  # another relay is ahead: go on after it
                    position = tail
                    continue
            position = await _publish(js, batch, position, options.publish_timeout)
            refill = False
        except PublishFailed as failed:
            position, refill = failed.confirmed, True
            await _pause(stop, 0.5)
        except (nats.errors.Error, TimeoutError, ConnectionError) as error:
            log.warning("stream not reachable", stream=stream, error=repr(error))
            await _pause(stop, 0.5)
        except PersistenceError as error:
            log.warning("source not readable", stream=stream, error=repr(error))
            await _pause(stop, 0.5)


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def log_source(reader: LogReader, prefix: str) -> Source:
    """The event log after a position, each event routed to its subject."""
    router = Router(reader)

    def read(after: int, limit: int) -> list[Outgoing]:
        notifications = reader.recorder.select_notifications(after, limit, inclusive_of_start=False)
        return [_event_message(n, router.route(n), prefix) for n in notifications]

    return read


_DECISION_TOPICS = (
    Consultation.Requested.TOPIC,
    Consultation.Commented.TOPIC,
    Consultation.SuggestionDecided.TOPIC,
)


def decisions_source(reader: LogReader, prefix: str) -> Source:
    """Every decision on a suggestion (003: accepted or rejected with its reason and legal
    basis, sent back to the participant), as a JSON message on its author's subject
    ``<prefix>.<pseudonym>.decisions``: a participant follows their own by pseudonym. The
    authors are learned from the comments read before; a restart reads them again."""
    authors: dict[tuple[str, int], str] = {}
    codes: dict[str, str] = {}
    learned = 0

    def read(after: int, limit: int) -> list[Outgoing]:
        nonlocal learned
        if after < learned:  # asked again from earlier (a refill): learn from the start
            authors.clear()
            codes.clear()
            learned = 0
        out: list[Outgoing] = []
        while len(out) < limit:
            page = reader.recorder.select_notifications(
                learned, limit, topics=_DECISION_TOPICS, inclusive_of_start=False
            )
            for n in page:
                learned = n.id
                event = reader.mapper.to_domain_event(n)
                call = str(event.originator_id)
                if isinstance(event, Consultation.Requested):
                    codes[call] = event.tracking_code
                elif isinstance(event, Consultation.Commented):
                    authors[(call, event.number)] = event.participant
                elif isinstance(event, Consultation.SuggestionDecided) and n.id > after:
                    author = authors.get((call, event.number))
                    if author is not None:
                        out.append(
                            _decision_message(n.id, author, codes.get(call, ""), event, prefix)
                        )
                if len(out) >= limit:
                    break
            if len(page) < limit:
                break
        return out

    return read


def _decision_message(
    position: int, author: str, code: str, event: Consultation.SuggestionDecided, prefix: str
) -> Outgoing:
    body = {
        "position": position,
        "tracking_code": code,
        "participant": author,
        "suggestion_number": event.number,
        "accepted": event.accepted,
        "reason": event.reason,
        "legal_basis": event.legal_basis,
        "decided_at": event.at,
    }
    return Outgoing(
        position=position,
        subject=f"{prefix}.{_token(author)}.decisions",
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers={
            HEADER_MSG_ID: f"{APP_NAME}:decision:{position}",
            HEADER_POSITION: str(position),
        },
    )


async def follow_decisions(
    js: JetStreamContext, reader: LogReader, stop: asyncio.Event, options: NatsOptions
) -> None:
    """Publish the decisions on suggestions to their authors' subjects until ``stop``."""
    await ensure_participants_stream(js, options)
    await follow(
        js,
        options.participants_stream,
        decisions_source(reader, options.participants_prefix),
        stop,
        options,
    )


def window_source(feed: WindowFeedView, prefix: str) -> Source:
    """The national-window feed after a position."""

    def read(after: int, limit: int) -> list[Outgoing]:
        return [_window_message(entry, prefix) for entry in feed.entries(after, limit)]

    return read


async def follow_window(
    js: JetStreamContext, feed: WindowFeedView, stop: asyncio.Event, options: NatsOptions
) -> None:
    """Publish the national-window feed to its stream until ``stop``."""
    await follow(
        js, options.window_stream, window_source(feed, options.window_prefix), stop, options
    )


def _nats_url(settings: Settings) -> str:
    if not settings.nats_url:
        raise ConfigError("TABADOL_NATS_URL is not set: the relay needs nats://host:port")
    return settings.nats_url


async def run_relay(
    settings: Settings, stop: asyncio.Event, options: NatsOptions | None = None
) -> None:
    """Relay the hub's event log to JetStream until ``stop`` is set (``tabadol relay``)."""
    options = options or NatsOptions()
    reader = LogReader(env=settings.eventsourcing_env())
    nc = await connect(_nats_url(settings), name="tabadol-relay")
    try:
        js = nc.jetstream()
        await ensure_streams(js, options)
        await asyncio.gather(
            follow(js, options.stream, log_source(reader, options.subject_prefix), stop, options),
            follow_decisions(js, reader, stop, options),
        )
    finally:
        await nc.close()
        reader.close()


async def run_window_publisher(
    settings: Settings,
    feed: WindowFeedView,
    stop: asyncio.Event,
    options: NatsOptions | None = None,
) -> None:
    """Publish the national-window feed (from an embedded view) until ``stop`` is set."""
    options = options or NatsOptions()
    nc = await connect(_nats_url(settings), name="tabadol-window")
    try:
        js = nc.jetstream()
        await ensure_streams(js, options)
        await follow_window(js, feed, stop, options)
    finally:
        await nc.close()
