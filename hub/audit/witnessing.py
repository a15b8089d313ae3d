"""Send each new checkpoint to the configured witnesses and keep their cosignatures.

``TABADOL_WITNESSES`` names them (a JSON list of ``{"url": …, "key": <witness vkey>}``).
:class:`WitnessSender` runs as a background task of ``serve``, beside the checkpointer,
and never blocks a write: it polls the checkpoint table (so it also sees checkpoints
another replica signed), and for every witness that has not cosigned the latest one it
sends ``add-checkpoint`` (c2sp.org/tlog-witness) with a consistency proof from the size
that witness last cosigned. The answer is checked with the witness's own key before the
cosignature is stored beside the checkpoint. A witness that is down or refuses is
retried with exponential backoff (1 s doubling to 60 s); only the latest checkpoint is
sent (it covers every earlier one). A ``409`` with ``text/x.tlog.size`` tells the size
the witness has: the next request starts from there.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog

from hub.audit.anchors import Anchor, AnchorStore
from hub.audit.checkpoints import AuditLog, StoredCheckpoint
from hub.trail.cosignature import (
    CosignatureError,
    CosignerKey,
    cosignatures,
    merge_signature_lines,
    parse_cosigner_vkey,
)
from hub.trail.encoding import utc_text

__all__ = ["WitnessEndpoint", "WitnessSender", "WitnessStatus", "parse_witnesses"]

log = structlog.get_logger("tabadol.witnessing")

_SIZE_TYPE = "text/x.tlog.size"


@dataclass(frozen=True)
class WitnessEndpoint:
    """A witness the hub asks: its submission prefix and its cosigner key."""

    url: str
    key: CosignerKey

    @property
    def name(self) -> str:
        return self.key.name


def parse_witnesses(text: str) -> list[WitnessEndpoint]:
    """``[{"url": "http://host:port", "key": "<name>+<id>+<base64>"}, …]`` → endpoints."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"TABADOL_WITNESSES is not JSON: {exc}") from None
    if not isinstance(document, list):
        raise ValueError("TABADOL_WITNESSES must be a JSON list of {url, key}")
    endpoints: list[WitnessEndpoint] = []
    for number, entry in enumerate(document, start=1):
        if not isinstance(entry, dict) or not {"url", "key"} <= set(entry):
            raise ValueError(f"TABADOL_WITNESSES entry {number} needs 'url' and 'key'")
        try:
            key = parse_cosigner_vkey(str(entry["key"]))
        except CosignatureError as exc:
            raise ValueError(f"TABADOL_WITNESSES entry {number}: {exc}") from None
        endpoints.append(WitnessEndpoint(str(entry["url"]).rstrip("/"), key))
    if len({e.name for e in endpoints}) != len(endpoints):
        raise ValueError("TABADOL_WITNESSES names a witness twice")
    return endpoints


@dataclass
class WitnessStatus:
    """What the hub knows of one witness (for logs, metrics and health)."""

    name: str
    cosigned_size: int = 0
    """The largest checkpoint size this witness cosigned (0: none yet)."""
    known_size: int = 0
    """The size the witness says it holds: the old size of the next request."""
    attempts: int = 0
    failures: int = 0
    consecutive_failures: int = 0
    last_error: str = ""
    next_attempt: float = 0.0
    last_success: str = ""


class _Refused(Exception):
    def __init__(self, status: int, text: str, size: int | None = None) -> None:
        super().__init__(f"HTTP {status}: {text.strip()}")
        self.status = status
        self.size = size


@dataclass
class WitnessSender:
    """Gets the latest checkpoint cosigned by every configured witness, in the background."""

    log: AuditLog
    anchors: AnchorStore
    witnesses: Sequence[WitnessEndpoint]
    timeout: float = 5.0
    min_backoff: float = 1.0
    max_backoff: float = 60.0
    clock: Callable[[], float] = time.monotonic
    status: dict[str, WitnessStatus] = field(default_factory=dict)
    poll: float = 1.0
    """Seconds between rounds of :meth:`run`."""
    on_result: Callable[[str, str, float], None] | None = None
    """Called with (witness name, outcome "cosigned"/"failed", seconds): metrics."""

    def __post_init__(self) -> None:
        cosigned: dict[str, int] = {}
        for anchor in self.anchors.all():
            if anchor.kind == "cosignature":
                cosigned[anchor.authority] = max(
                    cosigned.get(anchor.authority, 0), anchor.tree_size
                )
        for witness in self.witnesses:
            size = cosigned.get(witness.name, 0)
            self.status.setdefault(witness.name, WitnessStatus(witness.name, size, size))

    # -- one round ------------------------------------------------------------------

    def round(self) -> int:
        """Send the latest checkpoint to every witness that is due; blocking.

        Returns how many new cosignatures were stored.
        """
        latest = self.log.store.latest()
        if latest is None:
            return 0
        stored = 0
        for witness in self.witnesses:
            state = self.status[witness.name]
            if state.cosigned_size >= latest.tree_size or self.clock() < state.next_attempt:
                continue
            stored += self._submit(witness, state, latest)
        return stored

    def _submit(
        self, witness: WitnessEndpoint, state: WitnessStatus, latest: StoredCheckpoint
    ) -> int:
        started = self.clock()
        for _ in range(2):  # a second try when the witness tells us its size (409)
            state.attempts += 1
            try:
                line = self._add_checkpoint(witness, state.known_size, latest)
            except _Refused as exc:
                if exc.size is not None and exc.size != state.known_size:
                    state.known_size = exc.size
                    continue
                self._failed(witness, state, str(exc), started)
                return 0
            except (OSError, CosignatureError, ValueError) as exc:
                self._failed(witness, state, str(exc), started)
                return 0
            anchor = Anchor(
                latest.tree_size, "cosignature", witness.name, line, utc_text(datetime.now(UTC))
            )
            self.anchors.add(anchor)
            state.cosigned_size = state.known_size = latest.tree_size
            state.consecutive_failures, state.next_attempt = 0, 0.0
            state.last_error, state.last_success = "", anchor.at
            log.info("checkpoint cosigned", witness=witness.name, size=latest.tree_size)
            if self.on_result:
                self.on_result(witness.name, "cosigned", self.clock() - started)
            return 1
        self._failed(witness, state, "the witness keeps changing its size", started)
        return 0

    def _failed(
        self, witness: WitnessEndpoint, state: WitnessStatus, error: str, started: float
    ) -> None:
        state.failures += 1
        state.consecutive_failures += 1
        delay = min(self.max_backoff, self.min_backoff * 2 ** (state.consecutive_failures - 1))
        state.next_attempt = self.clock() + delay
        if error != state.last_error:
            log.warning("witness did not cosign", witness=witness.name, error=error, retry_in=delay)
        state.last_error = error
        if self.on_result:
            self.on_result(witness.name, "failed", self.clock() - started)

    def _add_checkpoint(self, witness: WitnessEndpoint, old: int, latest: StoredCheckpoint) -> str:
        if old > latest.tree_size:
            raise ValueError(
                f"the witness holds size {old}, larger than the hub's latest checkpoint"
                f" {latest.tree_size}: it saw another log under this origin"
            )
        proof = self.log.consistency(old, latest.tree_size).proof if old else []
        body = f"old {old}\n" + "".join(base64.b64encode(h).decode() + "\n" for h in proof)
        body += "\n" + latest.note
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting
            witness.url + "/add-checkpoint", data=body.encode(), method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                text = answer.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", "replace")
            size = None
            if exc.code == 409 and exc.headers.get("Content-Type", "").startswith(_SIZE_TYPE):
                with contextlib.suppress(ValueError):
                    size = int(text.strip())
            raise _Refused(exc.code, text, size) from None
        lines = [line for line in text.split("\n") if line]
        note = merge_signature_lines(latest.note, lines)
        found = [c for c in cosignatures(note, [witness.key]) if c.witness.name == witness.name]
        if not found:
            raise CosignatureError(f"the answer carries no cosignature by {witness.name}")
        return found[0].line

    # -- the task -------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Round after round until ``stop`` is set (an asyncio task of ``serve``)."""
        if not self.witnesses:
            return
        log.info("witnessing", witnesses=[w.name for w in self.witnesses])
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.round)
            except Exception:  # the store is down, …: witnessing is never fatal
                log.exception("witness round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.poll)
