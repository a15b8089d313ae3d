"""Runs the monitoring projections: in process (embedded mode) or as NATS workers.

Embedded (``tabadol serve``): the projections catch up with the log in batches, then one
thread follows it for all of them, in batches too (:class:`EmbeddedProjections`). The views
live in SQLite files in the data dir, or in PostgreSQL.

Scale-out (``tabadol project``): :func:`run_projection_worker` consumes the relay's
JetStream stream with one durable pull consumer per view, which any number of workers
share. A worker applies each fetched batch in one transaction and acks it after the commit.
Whatever NATS delivers twice, late or out of order is harmless: a position at or below the
view's is skipped (the tracking table refuses it anyway), and a position that jumps ahead
of the view first fills the gap from the event store, the source of truth.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from uuid import UUID

import nats
import structlog
from eventsourcing.persistence import IntegrityError, Notification
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from hub.config import ConfigError, Settings
from hub.ledger.leadership import SchemaLock
from hub.ledger.log_reader import LogReader
from hub.ledger.stores import APP_NAME, store_env
from hub.streams.relay import (
    HEADER_AGGREGATE,
    HEADER_POSITION,
    HEADER_TOPIC,
    HEADER_VERSION,
    NatsOptions,
    connect,
    ensure_streams,
    follow_window,
)
from hub.trail.pseudonyms import WINDOW_SUBJECT, Pseudonymiser, load_pseudonym_key
from projections._sql import (
    CATCH_UP_BATCH,
    SQLProjection,
    SQLView,
    catch_up,
    open_view,
)
from projections.monitoring import MONITORING, MonitoringViews
from projections.window_feed import WindowFeedProjection, WindowFeedView

__all__ = [
    "EmbeddedProjections",
    "ProjectionOptions",
    "ViewConsumer",
    "apply_in_order",
    "open_views",
    "rebuild",
    "run_projection_worker",
]

log = structlog.get_logger("tabadol.projector")

_RESUBSCRIBE_AFTER_IDLE_FETCHES = 5  # fetches of 1 s with nothing new


@dataclass(frozen=True)
class ProjectionOptions:
    """Where the views live and the hub's pseudonym key (created when missing).

    ``read_models`` is ``sqlite:///<directory>`` (one file per view) or a PostgreSQL URL
    (tables ``window_feed``, ``case_status``… and ``<view>_tracking``). ``batch_size``:
    events per transaction when catching up or rebuilding (:data:`CATCH_UP_BATCH`).
    """

    read_models: str
    pseudonym_key: Path
    batch_size: int = CATCH_UP_BATCH

    @classmethod
    def for_settings(cls, settings: Settings) -> ProjectionOptions:
        """Views in ``<data dir>/views``, the secret in ``<data dir>/keys/pseudonym.key``."""
        return cls(
            read_models=f"sqlite:///{settings.data_dir / 'views'}",
            pseudonym_key=settings.data_dir / "keys" / "pseudonym.key",
        )

    def view_env(self, name: str) -> dict[str, str]:
        """eventsourcing settings of one view, prefixed with its name (``CASE_STATUS_…``)."""
        parts = urlsplit(self.read_models)
        if parts.scheme == "sqlite":
            directory = Path(unquote(parts.path.removeprefix("/")))
            directory.mkdir(parents=True, exist_ok=True)
            plain = store_env(f"sqlite:///{directory / (name + '.sqlite')}")
        else:
            plain = store_env(self.read_models)
        return {f"{name.upper()}_{key}": value for key, value in plain.items()}

    def projection_classes(self) -> list[tuple[type[SQLProjection[Any]], type[SQLView]]]:
        """The monitoring projections, the feed bound to the pseudonym secret."""
        pseudonymize = Pseudonymiser(
            load_pseudonym_key(self.pseudonym_key, create=True), WINDOW_SUBJECT
        )
        return [
            (
                projection.keyed(pseudonymize)
                if issubclass(projection, WindowFeedProjection)
                else projection,
                interface,
            )
            for projection, interface in MONITORING
        ]


def _module(env: dict[str, str], name: str) -> str:
    return env[f"{name.upper()}_PERSISTENCE_MODULE"]


def open_views(options: ProjectionOptions) -> MonitoringViews:
    """The monitoring views, for reading (a hub whose projections run elsewhere)."""
    with _views_schema(options):
        return MonitoringViews.of(
            [
                open_view(interface, projection.name, options.view_env(projection.name))
                for projection, interface in MONITORING
            ]
        )


def _views_schema(options: ProjectionOptions) -> SchemaLock:
    """The schema lock of the views' database (a no-op on SQLite): opening a view creates
    its tables, and processes doing so at once on a fresh PostgreSQL database race in its
    catalogue (``duplicate key … pg_type_typname_nsp_index``)."""
    parts = urlsplit(options.read_models)
    return SchemaLock(store_env(options.read_models) if parts.scheme != "sqlite" else {})


def _open_projections(options: ProjectionOptions) -> list[SQLProjection[Any]]:
    """Each monitoring projection on its view, tables created (under the schema lock)."""
    with _views_schema(options):
        return [
            projection_class(
                open_view(interface, projection_class.name, options.view_env(projection_class.name))
            )
            for projection_class, interface in options.projection_classes()
        ]


def _catch_up_all(
    settings: Settings,
    options: ProjectionOptions,
    *,
    reset: bool = False,
    on_batch: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Bring every view up to the log's end in batches, reading the log once for all."""
    reader = LogReader(env=settings.eventsourcing_env())
    projections = _open_projections(options)
    try:
        if reset:
            for projection in projections:
                projection.view.reset(APP_NAME)
        read = catch_up(
            projections,
            reader.recorder,
            reader.mapper,
            APP_NAME,
            batch_size=options.batch_size,
            on_batch=on_batch,
        )
    finally:
        for projection in projections:
            projection.view.datastore.close()
        reader.close()
    return {projection.name: read for projection in projections}


def rebuild(
    settings: Settings,
    options: ProjectionOptions,
    on_batch: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Empty every monitoring view and project the whole log again; events read per view.
    ``on_batch`` hears how many events each batch read (to show progress).

    Stop the runners or workers first: a rebuild under their feet races them.
    """
    return _catch_up_all(settings, options, reset=True, on_batch=on_batch)


def _reached(projection: SQLProjection[Any], reader: LogReader, position: int) -> bool:
    """Whether ``projection``'s view has every event of its topics up to ``position``."""
    tracked = projection.view.max_tracking_id(APP_NAME) or 0
    if tracked >= position:
        return True
    pending = reader.recorder.select_notifications(
        tracked, 1, stop=position, topics=projection.topics, inclusive_of_start=False
    )
    return not pending


FOLLOW_INTERVAL = 0.02
"""Seconds between looks at the log's head when the embedded views are up to date."""


class EmbeddedProjections:
    """The monitoring projections following the log in this process.

    One thread follows the log for all the views: whenever the log's head moved it reads
    what is new in batches (:func:`projections._sql.catch_up`: each batch decoded once for
    every view, and one transaction per view), then looks at the head again every
    :data:`FOLLOW_INTERVAL` seconds. A view whose batch fails stops (the others go on) and
    is reported by :meth:`failure` until :meth:`restart_failed` opens it again from its
    tracked position. (The live path used to be one eventsourcing ``ProjectionRunner`` per
    view: three threads, each decoding every event and committing once per event.)
    """

    def __init__(self, settings: Settings, options: ProjectionOptions | None = None) -> None:
        self._settings = settings
        self._options = options or ProjectionOptions.for_settings(settings)
        self._lock = threading.Lock()  # the projections, their failures
        self._projections: list[SQLProjection[Any]] = []
        self._failures: dict[str, str] = {}
        self._retired: list[SQLView] = []  # views of restarted projections: readers may hold them
        self._reader: LogReader | None = None
        self._stop = threading.Event()
        self._restarted = threading.Event()  # a view opened again: catch it up at once
        self._thread: threading.Thread | None = None

    def start(self) -> MonitoringViews:
        """Catch up in batches, then follow the log; returns the views to read."""
        started = time.monotonic()
        caught = _catch_up_all(self._settings, self._options)
        self._reader = LogReader(env=self._settings.eventsourcing_env())
        self._projections = _open_projections(self._options)
        self._thread = threading.Thread(
            target=self._follow, name="tabadol-projections", daemon=True
        )
        self._thread.start()
        log.info(
            "projections following the log", caught_up=caught, seconds=time.monotonic() - started
        )
        return self.views

    def _healthy(self) -> list[SQLProjection[Any]]:
        with self._lock:
            return [p for p in self._projections if p.name not in self._failures]

    def _fail(self, projection: SQLProjection[Any], error: BaseException) -> None:
        with self._lock:
            self._failures.setdefault(projection.name, f"{projection.name}: {error!r}")
        log.error("projection stopped", projection=projection.name, error=repr(error)[:300])

    def _follow(self) -> None:
        assert self._reader is not None
        recorder, mapper = self._reader.recorder, self._reader.mapper
        seen = -1
        while not self._stop.is_set():
            healthy = self._healthy()
            if not healthy:
                self._stop.wait(FOLLOW_INTERVAL)
                continue
            try:
                head = recorder.max_notification_id() or 0
            except Exception as error:  # the store is down: every view stops, as it would
                for projection in healthy:
                    self._fail(projection, error)
                continue
            if head == seen and not self._restarted.is_set():
                self._stop.wait(FOLLOW_INTERVAL)
                continue
            self._restarted.clear()
            try:
                catch_up(healthy, recorder, mapper, APP_NAME)
            except Exception:  # which view failed? each alone, so only that one stops
                for projection in healthy:
                    try:
                        catch_up(projection, recorder, mapper, APP_NAME)
                    except Exception as error:
                        self._fail(projection, error)
                continue
            seen = head

    def restart_failed(self) -> list[str]:
        """Open again each projection that stopped (it goes on from its tracked position);
        returns their names. Raises when one cannot open yet (the store still down): try
        later."""
        with self._lock:
            failed = [
                (index, projection)
                for index, projection in enumerate(self._projections)
                if projection.name in self._failures
            ]
        restarted = []
        classes = dict((cls.name, cls) for cls, _ in self._options.projection_classes())
        interfaces = dict((p.name, i) for p, i in MONITORING)
        for index, old in failed:
            name = old.name
            with _views_schema(self._options):
                view = open_view(interfaces[name], name, self._options.view_env(name))
            fresh = classes[name](view)
            with self._lock:
                self._projections[index] = fresh
                self._retired.append(old.view)
                self._failures.pop(name, None)
            restarted.append(name)
        if restarted:
            self._restarted.set()
        return restarted

    def positions(self) -> dict[str, tuple[int, int]]:
        """View name → (the log position it has applied, events of its topics after it)."""
        assert self._reader is not None
        found = {}
        with self._lock:
            projections = list(self._projections)
        for projection in projections:
            tracked = projection.view.max_tracking_id(APP_NAME) or 0
            pending = self._reader.recorder.select_notifications(
                tracked, 1000, topics=projection.topics, inclusive_of_start=False
            )
            found[projection.name] = (tracked, len(pending))
        return found

    def head(self) -> int:
        """The highest position in the log (0 when empty or nothing follows it)."""
        if self._reader is None:
            return 0
        return self._reader.recorder.max_notification_id() or 0

    @property
    def views(self) -> MonitoringViews:
        with self._lock:
            return MonitoringViews.of([projection.view for projection in self._projections])

    def wait(self, position: int, timeout: float = 5.0) -> None:
        """Block until every view has applied the log up to ``position``; raises
        ``TimeoutError``. (A view tracks only its topics' events, so each view waits for
        the last of its events at or before ``position``.)"""
        assert self._reader is not None
        deadline = time.monotonic() + timeout
        with self._lock:
            projections = list(self._projections)
        for projection in projections:
            while not _reached(projection, self._reader, position):
                self.raise_failure()
                if time.monotonic() > deadline:
                    raise TimeoutError(f"views did not reach position {position} in {timeout}s")
                time.sleep(0.002)

    def raise_failure(self) -> None:
        """Raise the error that stopped a projection, if one did."""
        reason = self.failure()
        if reason is not None:
            raise RuntimeError(f"projection stopped: {reason}")

    def failure(self) -> str | None:
        """Why a projection stopped following the log, or None while all follow it."""
        with self._lock:
            return next(iter(self._failures.values()), None)

    def close(self) -> None:
        """Stop following the log and close the views and the reader; a view that fails to
        close is logged, and the others are still closed."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            if self._thread.is_alive():
                log.error("the projections' thread did not stop within 30 s")
        with self._lock:
            views = [p.view for p in self._projections] + self._retired
            self._projections, self._retired = [], []
        for view in views:
            try:
                view.datastore.close()
            except Exception as error:  # keep closing the others; the error is reported
                log.error("closing a view failed", error=repr(error))
        if self._reader is not None:
            with contextlib.suppress(Exception):
                self._reader.close()
            self._reader = None


# --- scale-out: projection workers fed by JetStream ---------------------------------------


def _notification(message: Msg) -> Notification:
    headers = message.headers or {}
    return Notification(
        id=int(headers[HEADER_POSITION]),
        originator_id=UUID(headers[HEADER_AGGREGATE]),
        originator_version=int(headers[HEADER_VERSION]),
        topic=headers[HEADER_TOPIC],
        state=message.data,
    )


def apply_in_order(
    projection: SQLProjection[Any],
    reader: LogReader,
    notifications: Sequence[Notification],
    *,
    batch_size: int = 500,
) -> int:
    """Apply what NATS delivered, exactly once and in position order, whatever the
    delivery: positions the view has are skipped, and a gap before or between the others is
    filled from the event store first. Returns how many events were applied."""
    applied = 0
    while True:
        tracked = projection.view.max_tracking_id(APP_NAME) or 0
        fresh = sorted({n.id: n for n in notifications if n.id > tracked}.values(), key=_id)
        if not fresh:
            return applied
        if fresh[0].id > tracked + 1:  # behind what NATS brings: catch up from the store
            applied += catch_up(
                projection,
                reader.recorder,
                reader.mapper,
                APP_NAME,
                batch_size=batch_size,
                stop=fresh[0].id - 1,
            )
            continue
        batch: list[Notification] = []
        for notification in fresh:
            after = batch[-1].id if batch else tracked
            if notification.id > after + 1:  # what NATS left out between two of its messages
                batch.extend(
                    reader.recorder.select_notifications(
                        after, notification.id, stop=notification.id - 1, inclusive_of_start=False
                    )
                )
            batch.append(notification)
        decoded = projection.decode_batch(batch, APP_NAME, reader.mapper.to_domain_event)
        try:
            projection.process_batch(decoded)
        except IntegrityError:
            if (projection.view.max_tracking_id(APP_NAME) or 0) > tracked:
                continue  # another worker applied some first: skip what it did
            raise
        return applied + len(batch)


def _id(notification: Notification) -> int:
    return notification.id


class ViewConsumer:
    """One view fed by its durable pull consumer (shared by every worker)."""

    def __init__(
        self,
        js: JetStreamContext,
        projection: SQLProjection[Any],
        reader: LogReader,
        options: NatsOptions,
    ) -> None:
        self._js = js
        self._projection = projection
        self._reader = reader
        self._options = options
        self.durable = f"{options.durable_prefix}-{projection.name.replace('_', '-')}"
        self._sub: JetStreamContext.PullSubscription | None = None
        self.stale = True  # (re)subscribe before the next fetch

    async def _subscribe(self) -> JetStreamContext.PullSubscription:
        if self._sub is not None:
            with contextlib.suppress(nats.errors.Error):  # the old one may be dead already
                await self._sub.unsubscribe()
        self._sub = await self._js.pull_subscribe(
            f"{self._options.subject_prefix}.>",
            durable=self.durable,
            stream=self._options.stream,
            config=ConsumerConfig(
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                ack_wait=30,
                max_ack_pending=4 * self._options.batch_size,
            ),
        )
        self.stale = False
        return self._sub

    async def run(self, stop: asyncio.Event) -> None:
        """Fetch, apply, ack, until ``stop``; re-subscribes after a reconnect or silence."""
        idle = 0
        while not stop.is_set():
            try:
                sub = (
                    self._sub
                    if self._sub is not None and not self.stale
                    else await self._subscribe()
                )
                messages = await sub.fetch(self._options.batch_size, timeout=1.0)
            except TimeoutError:  # nothing new: fetch raises (nats' or asyncio's), never []
                idle += 1
                # nats.py#504: a pull subscription can go deaf after a server restart; a
                # re-subscription to the durable consumer is cheap, so 5 quiet seconds suffice.
                self.stale = self.stale or idle % _RESUBSCRIBE_AFTER_IDLE_FETCHES == 0
                continue
            except (nats.errors.Error, ConnectionError) as error:
                log.warning("fetch failed", view=self._projection.name, error=repr(error))
                self.stale = True
                await asyncio.sleep(0.5)
                continue
            idle = 0
            await self._handle(messages)

    async def _handle(self, messages: list[Msg]) -> None:
        relayed: list[Msg] = []
        notifications: list[Notification] = []
        for message in messages:
            try:
                notifications.append(_notification(message))
                relayed.append(message)
            except (KeyError, ValueError):  # not the relay's: never again (the store fills gaps)
                log.error(
                    "not a relayed event", view=self._projection.name, subject=message.subject
                )
                await message.term()
        try:
            await asyncio.to_thread(
                apply_in_order,
                self._projection,
                self._reader,
                notifications,
                batch_size=self._options.batch_size,
            )
        except Exception as error:  # logged, then nak: the messages come back later
            log.error("apply failed", view=self._projection.name, error=repr(error))
            for message in relayed:
                await message.nak(delay=1.0)
            return
        for message in relayed:  # only after the view committed
            await message.ack()


async def run_projection_worker(
    settings: Settings,
    stop: asyncio.Event,
    options: ProjectionOptions | None = None,
    nats_options: NatsOptions | None = None,
) -> None:
    """``tabadol project``: keep the monitoring views from JetStream until ``stop``, and
    publish the national-window feed to its stream. Run as many as you like."""
    if not settings.nats_url:
        raise ConfigError("TABADOL_NATS_URL is not set: projection workers read JetStream")
    options = options or ProjectionOptions.for_settings(settings)
    nats_options = nats_options or NatsOptions()
    reader = LogReader(env=settings.eventsourcing_env())
    projections = _open_projections(options)
    consumers: list[ViewConsumer] = []

    async def resubscribe() -> None:
        log.info("reconnected to NATS: re-creating pull subscriptions")
        for consumer in consumers:
            consumer.stale = True

    nc = await connect(settings.nats_url, name="tabadol-projector", on_reconnect=resubscribe)
    try:
        js = nc.jetstream()
        await ensure_streams(js, nats_options)
        consumers.extend(ViewConsumer(js, p, reader, nats_options) for p in projections)
        feed = next(p.view for p in projections if isinstance(p.view, WindowFeedView))
        log.info("projection worker consuming", views=[c.durable for c in consumers])
        await asyncio.gather(
            *(consumer.run(stop) for consumer in consumers),
            follow_window(js, feed, stop, nats_options),
        )
    finally:
        await nc.close()
        for projection in projections:
            projection.view.datastore.close()
        reader.close()
