"""The CRL in force (004 art. 13): from a file or an http(s) URL, checked without I/O.

:class:`RevocationList` keeps the last good CRL — one whose signature verifies under the
client CA (``CertificateRevocationList.is_signature_valid``), no older than the one it
replaces. :meth:`RevocationList.refresh` (blocking: run it in a thread) re-reads the file
when its mtime or size changed, or fetches the URL; a CRL that is unreadable or signed by
anyone else is *not used* and the last good one stays in force. :meth:`RevocationList.check`
only reads memory (the hub calls it on every RPC).

Fail closed, like X-Road's OCSP freshness: with no good CRL yet, or once the one in force
is past its nextUpdate by more than ``tolerance`` seconds, every certificate is refused
with :class:`CrlUnavailable` (the edge answers UNAVAILABLE naming the CRL).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import threading
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from hub.trail.pki import CertificateRefused

__all__ = ["CrlFetchFailed", "CrlUnavailable", "RevocationList"]

_MAX_BYTES = 16 * 1024 * 1024


class CrlUnavailable(CertificateRefused):
    """No CRL fresh enough to decide: nobody is admitted (fail closed)."""


class CrlFetchFailed(Exception):
    """A refresh did not yield a usable CRL; the last good one stays in force."""


@dataclass(frozen=True)
class _Good:
    revoked: frozenset[int]
    this_update: dt.datetime
    next_update: dt.datetime | None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def is_url(source: str | Path) -> bool:
    return isinstance(source, str) and source.startswith(("http://", "https://"))


class RevocationList:
    """Revoked serials of the CRL in force; see the module."""

    def __init__(
        self,
        source: str | Path,
        ca_path: Path,
        *,
        tolerance: float = 3600.0,
        timeout: float = 5.0,
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        self.source = source if is_url(source) else Path(source)
        self.is_url = is_url(source)
        self.tolerance = tolerance
        self._timeout = timeout
        self._clock = clock
        self._ca = x509.load_pem_x509_certificates(ca_path.read_bytes())
        self._lock = threading.Lock()  # refresh runs in a thread, check in the event loop
        self._stamp: tuple[int, int] | None = None
        self._good: _Good | None = None
        self._raw = b""
        self.problem: str | None = "not loaded yet"
        if not self.is_url:  # a file is read at once, as before; a URL by the refresher
            with contextlib.suppress(CrlFetchFailed):  # refused at check, said why
                self.refresh()

    # --- refreshing (blocking) -------------------------------------------------------------

    def refresh(self) -> bool:
        """Re-read the file if it changed, or fetch the URL. True if a new CRL is in force;
        raises :class:`CrlFetchFailed` (the last good CRL stays) if none could be used."""
        try:
            raw = self._fetch() if self.is_url else self._read_if_changed()
            if raw is None:
                return False
            if raw == self._raw:  # the CRL in force, again
                self.problem = None
                return False
            good = self._verify(raw)
        except CrlFetchFailed as error:
            self.problem = str(error)
            raise
        with self._lock:
            if self._good is not None and good.this_update < self._good.this_update:
                self.problem = f"the CRL {self.source} is older than the one in force: not used"
                raise CrlFetchFailed(self.problem)
            self._good, self._raw, self.problem = good, raw, None
        return True

    def _read_if_changed(self) -> bytes | None:
        path = Path(self.source)
        try:
            stat = path.stat()
        except FileNotFoundError:
            self._stamp = None
            raise CrlFetchFailed(f"the CRL {path} is missing") from None
        except OSError as error:  # a permission, a directory in the way
            self._stamp = None
            raise CrlFetchFailed(f"the CRL {path} is unreadable: {error}") from None
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp == self._stamp:
            return None
        self._stamp = stamp
        try:
            return path.read_bytes()
        except OSError as error:
            raise CrlFetchFailed(f"the CRL {path} is unreadable: {error}") from None

    def _fetch(self) -> bytes:
        request = urllib.request.Request(  # noqa: S310 (http/https only: checked in config)
            str(self.source), headers={"Accept": "application/pkix-crl, application/x-pem-file"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as answer:  # noqa: S310
                raw: bytes = answer.read(_MAX_BYTES + 1)
        except (OSError, ValueError, http.client.HTTPException) as error:  # a cut-off answer too
            raise CrlFetchFailed(f"the CRL {self.source} could not be fetched: {error}") from None
        if len(raw) > _MAX_BYTES:
            raise CrlFetchFailed(f"the CRL {self.source} is larger than {_MAX_BYTES} bytes")
        return raw

    def _verify(self, raw: bytes) -> _Good:
        try:
            crl = (
                x509.load_pem_x509_crl(raw)
                if raw.lstrip().startswith(b"-----")
                else x509.load_der_x509_crl(raw)
            )
        except ValueError as error:
            raise CrlFetchFailed(f"the CRL {self.source} is unreadable: {error}") from None
        signed = any(
            crl.issuer == ca.subject and crl.is_signature_valid(ca.public_key())  # type: ignore[arg-type]
            for ca in self._ca
        )
        if not signed:
            raise CrlFetchFailed(f"the CRL {self.source} is not signed by the client CA: not used")
        return _Good(
            frozenset(entry.serial_number for entry in crl),
            crl.last_update_utc,
            crl.next_update_utc,
        )

    # --- reading (no I/O) ------------------------------------------------------------------

    @property
    def next_update(self) -> dt.datetime | None:
        good = self._good
        return good.next_update if good is not None else None

    def seconds_to_next_update(self) -> float | None:
        next_update = self.next_update
        return None if next_update is None else (next_update - self._clock()).total_seconds()

    def age(self) -> float:
        """Seconds since the thisUpdate of the CRL in force (-1: none yet)."""
        good = self._good
        return (self._clock() - good.this_update).total_seconds() if good is not None else -1.0

    def stale(self) -> str | None:
        """Why no CRL may be relied on now, or None."""
        good = self._good
        if good is None:
            return f"no valid CRL from {self.source} yet ({self.problem})"
        if good.next_update is not None:
            late = (self._clock() - good.next_update).total_seconds()
            if late > self.tolerance:
                return (
                    f"the CRL {self.source} is stale: its next update was due"
                    f" {good.next_update:%Y-%m-%d %H:%M:%S}Z, {late:.0f} s ago"
                    f" (tolerance {self.tolerance:.0f} s); last refresh: {self.problem or 'ok'}"
                )
        return None

    def check(self, serial: int) -> None:
        """Raise :class:`CrlUnavailable` if no CRL may be relied on, or
        :class:`CertificateRefused` if ``serial`` is revoked."""
        problem = self.stale()
        if problem is not None:
            raise CrlUnavailable(problem)
        good = self._good
        if good is not None and serial in good.revoked:
            raise CertificateRefused(f"the client certificate (serial {serial}) is revoked")
