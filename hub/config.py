"""Settings from the environment: the only module (with bootstrap) that reads it.

| variable | meaning | default |
|---|---|---|
| TABADOL_DATA_DIR | where the SQLite store and keys live | ./tabadol-data |
| TABADOL_EVENT_STORE | sqlite:///path or postgresql://user@host:port/db | SQLite in data dir |
| TABADOL_SIGNING_KEY | the hub's Ed25519 private key (PEM) | <data>/keys/hub-signing.pem |
| TABADOL_PUBLIC_KEYS | the public-key file auditors verify with | <data>/keys/public-keys.json |
| TABADOL_LISTEN | host:port of the gRPC server | 127.0.0.1:50051 |
| TABADOL_TLS_CERT / _KEY / _CLIENT_CA | PEM files: turn mTLS on (the hub's own certificate, also used to call other agencies' systems) | unset: refuse to serve |
| TABADOL_TLS_CRL | a CRL file (PEM or DER) signed by the client CA; watched every second, so a `tabadol pki revoke` holds within one | unset |
| TABADOL_CRL_URL | or: an http(s) URL of that CRL, fetched in the background (not with TABADOL_TLS_CRL) | unset |
| TABADOL_CRL_REFRESH_SECONDS | fetch TABADOL_CRL_URL this often (sooner if the CRL's nextUpdate comes first; after a failure in 1, 2, 4 … s) | 300 |
| TABADOL_CRL_TOLERANCE_SECONDS | the CRL in force may be this far past its nextUpdate; later, agency calls are UNAVAILABLE (fail closed) | 3600 |
| TABADOL_INSECURE_DEV_AUTH | 1: identity from the x-tabadol-agency header, tokenless e-participation (development only) | off |
| TABADOL_PKI_DIR | where `tabadol pki` keeps the development CA and certificates | <data>/pki |
| TABADOL_CIPHER_KEY | base64 AES key: encrypt event payloads at rest (AES-GCM) | unset |
| TABADOL_NATS_URL | nats://host:port: relay events to JetStream | unset |
| TABADOL_IDENTITY_URL | host:port of the national window's identity provider | unset: no exchanges |
| TABADOL_CIVIL_REGISTRY_URL | host:port of civil registration (ثبت احوال) | unset: no exchanges |
| TABADOL_DEEDS_REGISTRY_URL | host:port of the deeds registry (ثبت اسناد) | unset: no exchanges |
| TABADOL_POSTAL_CODE_URL | host:port of the postal-code service | unset: no exchanges |
| TABADOL_TREASURY_URL | host:port of the treasury payment switch | unset: no exchanges |
| TABADOL_CHECKPOINT_EVERY | sign a log checkpoint after this many new events | 1000 |
| TABADOL_CHECKPOINT_SECONDS | …or this many seconds after the last one, if any event is new | 60 |
| TABADOL_READ_MODELS | monitoring views: sqlite:///dir (a file per view) or postgresql://… | sqlite:///<data>/views |
| TABADOL_PSEUDONYM_KEY | the hub's pseudonym key (base64); workers must share it | <data>/keys/pseudonym.key |
| TABADOL_PROJECTIONS | embedded (serve projects) or workers (tabadol project does) | embedded |
| TABADOL_NATS_STREAM / _SUBJECT_PREFIX | relayed events stream / subjects | TABADOL_EVENTS / tabadol.events |
| TABADOL_NATS_WINDOW_STREAM / _WINDOW_PREFIX | national-window feed stream / subjects | TABADOL_WINDOW / tabadol.window |
| TABADOL_ACCESS_RIGHTS | a rights file (hub/application/rights.py) that seeds a new hub's rights table once | none: nothing allowed |
| TABADOL_RATE_LIMIT / _RATE_BURST | calls per second per principal / burst, then RESOURCE_EXHAUSTED | 200 / 400 |
| TABADOL_REFUSAL_WINDOW_SECONDS | refusals are summarised in one signed event per window | 10 |
| TABADOL_REFUSAL_RATE | a principal's refusals are answered no faster than this per second (each held up to 1 s, so a flood is paced by the hub; 0: answered at once) | 50 |
| TABADOL_PRINCIPAL_CALLS | admitted calls of one principal running at once, over all its connections; the next wait (0: no bound) | 16 |
| TABADOL_MAX_STREAMS | concurrent calls per client connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS; the client's transport queues the rest) | 100 |
| TABADOL_WITNESSES | JSON list of {"url", "key"}: witnesses that cosign each checkpoint (C2SP) | unset: none |
| TABADOL_TSA_URL | an RFC 3161 time-stamping authority (HTTP) for each checkpoint | unset: none |
| TABADOL_TSA_ROOTS | PEM files (comma-separated) of the TSA roots the hub checks tokens against | unset |
| TABADOL_HTTP_LISTEN | host:port of the HTTP port (/metrics, /healthz, /readyz), or off | 127.0.0.1:8080 |
| TABADOL_STORE_TIMEOUT | seconds within which an RPC answers UNAVAILABLE when the store does not answer | 2 |
| TABADOL_PROJECTION_STUCK_SECONDS | a view behind the log and not moving this long makes the hub NOT_SERVING | 30 |
| TABADOL_OPMON_STORE | operational records (sqlite:///file or postgresql://…), outside the trail | sqlite:///<data>/opmon.sqlite |
| TABADOL_OPMON_RETENTION_DAYS | operational records are deleted after this many days | 7 |
| TABADOL_OPMON_OPEN_DATA_DELAY_HOURS | operational open data covers only hours at least this old | 24 |
| TABADOL_REQUIRE_AGENCY_SIGNATURES | agencies whose every call must be signed with a registered key (`MOJ,TAX`, or `*`: all) | unset: none |
| TABADOL_AGENCY_SIGNATURE_WINDOW_SECONDS | a signed request's time may be this far from the hub's clock (nonces are kept as long) | 300 |
| TABADOL_OTEL | 1: OpenTelemetry traces of gRPC in and out, sent by OTLP as the standard OTEL_* variables say (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME default tabadol-hub); needs the otel extra | off |
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from connectors.systems import SYSTEMS
from hub.ledger.stores import APP_NAME, ConfigError, store_env

__all__ = [
    "APP_NAME",
    "EXCHANGE_SETTINGS",
    "ConfigError",
    "Settings",
    "settings_table",
    "store_env",
]

EXCHANGE_SETTINGS: dict[str, str] = {
    s: f"TABADOL_{s.upper().replace('-', '_')}_URL" for s in SYSTEMS
}
"""The settings naming the other agencies' systems (all five, or none)."""


def settings_table() -> list[tuple[str, str, str]]:
    """(variable, meaning, default) of every setting: the table at the top of this module,
    written once, which ``tabadol serve --help`` prints."""
    rows = []
    for line in (__doc__ or "").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("TABADOL_"):
            rows.append((cells[0], cells[1], cells[2]))
    return rows


def _agency_codes(env: Mapping[str, str], name: str) -> frozenset[str]:
    """``MOJ,TAX`` or ``*``, canonical (upper case), or a ConfigError naming the code."""
    codes = frozenset(c.strip().upper() for c in (env.get(name) or "").split(",") if c.strip())
    for code in codes - {"*"}:
        if not code.replace("-", "").isalnum():
            raise ConfigError(f"{name}: {code!r} is not an agency code (MOJ, TAX, …) or *")
    return codes


def _positive(
    env: Mapping[str, str],
    name: str,
    default: str,
    kind: type[int] | type[float],
    *,
    zero: bool = False,
) -> float:
    """A positive number (or zero, if ``zero``) from the environment, or a ConfigError
    naming the variable."""
    text = env.get(name) or default
    try:
        value = kind(text)
    except ValueError:
        raise ConfigError(f"{name}: expected a positive number, got {text!r}") from None
    if value < 0 or (value == 0 and not zero):
        raise ConfigError(f"{name}: must be {'0 or more' if zero else 'positive'}, got {text!r}")
    return value


def _witnesses(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """TABADOL_WITNESSES: ``[{"url": "http://…", "key": "<witness vkey>"}, …]``."""
    text = env.get("TABADOL_WITNESSES") or ""
    if not text.strip():
        return ()
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"TABADOL_WITNESSES is not JSON: {exc}") from None
    entries = document if isinstance(document, list) else None
    if entries is None or not all(
        isinstance(e, dict) and isinstance(e.get("url"), str) and isinstance(e.get("key"), str)
        for e in entries
    ):
        raise ConfigError('TABADOL_WITNESSES must be a JSON list of {"url": …, "key": …}')
    return tuple((e["url"], e["key"]) for e in entries)


def _http_listen(env: Mapping[str, str]) -> str | None:
    text = env.get("TABADOL_HTTP_LISTEN") or "127.0.0.1:8080"
    if text.lower() == "off":
        return None
    host, sep, port = text.rpartition(":")
    if not (sep and host and port.isdigit() and int(port) <= 65535):
        raise ConfigError(f"TABADOL_HTTP_LISTEN: expected host:port or off, got {text[:100]!r}")
    return text


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    event_store: str
    signing_key: Path
    public_keys: Path
    listen: str
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_client_ca: Path | None = None
    tls_crl: Path | None = None
    crl_url: str | None = None
    crl_refresh: float = 300.0
    crl_tolerance: float = 3600.0
    insecure_dev_auth: bool = False
    pki_dir: Path = Path("tabadol-data/pki")
    rate_limit: float = 200.0
    rate_burst: float = 400.0
    refusal_window: float = 10.0
    refusal_rate: float = 50.0
    max_streams: int = 100
    principal_calls: int = 16
    cipher_key: str | None = None
    nats_url: str | None = None
    access_rights: Path | None = None
    checkpoint_every: int = 1000
    read_models: str = ""
    pseudonym_key: Path = Path("tabadol-data/keys/pseudonym.key")
    projections: str = "embedded"
    nats_stream: str = "TABADOL_EVENTS"
    nats_subject_prefix: str = "tabadol.events"
    nats_window_stream: str = "TABADOL_WINDOW"
    nats_window_prefix: str = "tabadol.window"
    checkpoint_seconds: float = 60.0
    identity_url: str | None = None
    civil_registry_url: str | None = None
    deeds_registry_url: str | None = None
    postal_code_url: str | None = None
    treasury_url: str | None = None
    http_listen: str | None = "127.0.0.1:8080"
    witnesses: tuple[tuple[str, str], ...] = ()
    """(submission URL, witness vkey) of each witness (TABADOL_WITNESSES)."""
    tsa_url: str | None = None
    tsa_roots: tuple[Path, ...] = ()
    # operability (issue 11)
    store_timeout: float = 2.0
    projection_stuck_seconds: float = 30.0
    opmon_store: str = ""
    opmon_retention_days: float = 7.0
    opmon_open_data_delay_hours: float = 24.0
    # agencies sign what they ask (issue 14)
    require_agency_signatures: frozenset[str] = frozenset()
    """Agency codes whose calls must be signed; ``*``: every agency."""
    agency_signature_window: float = 300.0
    otel: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("TABADOL_DATA_DIR", "tabadol-data"))
        event_store = env.get("TABADOL_EVENT_STORE") or f"sqlite:///{data_dir / 'events.sqlite'}"
        store_env(event_store)  # validate early, with the variable named
        tls = [env.get(f"TABADOL_TLS_{n}") for n in ("CERT", "KEY", "CLIENT_CA")]
        if any(tls) and not all(tls):
            raise ConfigError(
                "TABADOL_TLS_CERT, TABADOL_TLS_KEY and TABADOL_TLS_CLIENT_CA go together"
            )
        dev_auth = env.get("TABADOL_INSECURE_DEV_AUTH", "")
        if dev_auth not in ("", "0", "1"):
            raise ConfigError(f"TABADOL_INSECURE_DEV_AUTH must be 1 or 0, got {dev_auth!r}")
        if dev_auth == "1" and all(tls):
            raise ConfigError("TABADOL_INSECURE_DEV_AUTH=1 and TABADOL_TLS_* exclude each other")
        crl = env.get("TABADOL_TLS_CRL") or None
        if crl and not all(tls):
            raise ConfigError("TABADOL_TLS_CRL needs TABADOL_TLS_CERT, _KEY and _CLIENT_CA")
        crl_url = env.get("TABADOL_CRL_URL") or None
        if crl_url:
            if not crl_url.startswith(("http://", "https://")):
                raise ConfigError(f"TABADOL_CRL_URL must be an http(s) URL, got {crl_url[:100]!r}")
            if crl:
                raise ConfigError("set TABADOL_TLS_CRL or TABADOL_CRL_URL, not both")
            if not all(tls):
                raise ConfigError("TABADOL_CRL_URL needs TABADOL_TLS_CERT, _KEY and _CLIENT_CA")
        exchanges = {name: env.get(name) or None for name in EXCHANGE_SETTINGS.values()}
        if any(exchanges.values()) and not all(exchanges.values()):
            missing = ", ".join(name for name, url in exchanges.items() if not url)
            raise ConfigError(f"the other agencies' systems go together: set {missing} too")
        otel = env.get("TABADOL_OTEL", "")
        if otel not in ("", "0", "1"):
            raise ConfigError(f"TABADOL_OTEL must be 1 or 0, got {otel[:100]!r}")
        projections = env.get("TABADOL_PROJECTIONS", "embedded")
        if projections not in ("embedded", "workers"):
            raise ConfigError(
                f"TABADOL_PROJECTIONS must be embedded or workers, got {projections!r}"
            )
        return cls(
            data_dir=data_dir,
            event_store=event_store,
            signing_key=Path(env.get("TABADOL_SIGNING_KEY", data_dir / "keys" / "hub-signing.pem")),
            public_keys=Path(
                env.get("TABADOL_PUBLIC_KEYS", data_dir / "keys" / "public-keys.json")
            ),
            listen=env.get("TABADOL_LISTEN", "127.0.0.1:50051"),
            tls_cert=Path(tls[0]) if tls[0] else None,
            tls_key=Path(tls[1]) if tls[1] else None,
            tls_client_ca=Path(tls[2]) if tls[2] else None,
            tls_crl=Path(crl) if crl else None,
            crl_url=crl_url,
            crl_refresh=_positive(env, "TABADOL_CRL_REFRESH_SECONDS", "300", float),
            crl_tolerance=_positive(env, "TABADOL_CRL_TOLERANCE_SECONDS", "3600", float, zero=True),
            insecure_dev_auth=dev_auth == "1",
            pki_dir=Path(env.get("TABADOL_PKI_DIR", data_dir / "pki")),
            rate_limit=_positive(env, "TABADOL_RATE_LIMIT", "200", float),
            rate_burst=_positive(env, "TABADOL_RATE_BURST", "400", float),
            refusal_window=_positive(env, "TABADOL_REFUSAL_WINDOW_SECONDS", "10", float),
            refusal_rate=_positive(env, "TABADOL_REFUSAL_RATE", "50", float, zero=True),
            max_streams=int(_positive(env, "TABADOL_MAX_STREAMS", "100", int)),
            principal_calls=int(_positive(env, "TABADOL_PRINCIPAL_CALLS", "16", int, zero=True)),
            cipher_key=env.get("TABADOL_CIPHER_KEY") or None,
            nats_url=env.get("TABADOL_NATS_URL") or None,
            access_rights=Path(env["TABADOL_ACCESS_RIGHTS"])
            if env.get("TABADOL_ACCESS_RIGHTS")
            else None,
            checkpoint_every=int(_positive(env, "TABADOL_CHECKPOINT_EVERY", "1000", int)),
            checkpoint_seconds=_positive(env, "TABADOL_CHECKPOINT_SECONDS", "60", float),
            read_models=env.get("TABADOL_READ_MODELS") or f"sqlite:///{data_dir / 'views'}",
            pseudonym_key=Path(
                env.get("TABADOL_PSEUDONYM_KEY", data_dir / "keys" / "pseudonym.key")
            ),
            projections=projections,
            nats_stream=env.get("TABADOL_NATS_STREAM", "TABADOL_EVENTS"),
            nats_subject_prefix=env.get("TABADOL_NATS_SUBJECT_PREFIX", "tabadol.events"),
            nats_window_stream=env.get("TABADOL_NATS_WINDOW_STREAM", "TABADOL_WINDOW"),
            nats_window_prefix=env.get("TABADOL_NATS_WINDOW_PREFIX", "tabadol.window"),
            identity_url=exchanges["TABADOL_IDENTITY_URL"],
            civil_registry_url=exchanges["TABADOL_CIVIL_REGISTRY_URL"],
            deeds_registry_url=exchanges["TABADOL_DEEDS_REGISTRY_URL"],
            postal_code_url=exchanges["TABADOL_POSTAL_CODE_URL"],
            treasury_url=exchanges["TABADOL_TREASURY_URL"],
            http_listen=_http_listen(env),
            witnesses=_witnesses(env),
            tsa_url=env.get("TABADOL_TSA_URL") or None,
            tsa_roots=tuple(
                Path(p.strip())
                for p in (env.get("TABADOL_TSA_ROOTS") or "").split(",")
                if p.strip()
            ),
            store_timeout=_positive(env, "TABADOL_STORE_TIMEOUT", "2", float),
            projection_stuck_seconds=_positive(
                env, "TABADOL_PROJECTION_STUCK_SECONDS", "30", float
            ),
            opmon_store=env.get("TABADOL_OPMON_STORE") or f"sqlite:///{data_dir / 'opmon.sqlite'}",
            opmon_retention_days=_positive(env, "TABADOL_OPMON_RETENTION_DAYS", "7", float),
            opmon_open_data_delay_hours=_positive(
                env, "TABADOL_OPMON_OPEN_DATA_DELAY_HOURS", "24", float
            ),
            require_agency_signatures=_agency_codes(env, "TABADOL_REQUIRE_AGENCY_SIGNATURES"),
            agency_signature_window=_positive(
                env, "TABADOL_AGENCY_SIGNATURE_WINDOW_SECONDS", "300", float
            ),
            otel=otel == "1",
        )

    def eventsourcing_env(self) -> dict[str, str]:
        env = store_env(self.event_store)
        if self.cipher_key:
            env["CIPHER_TOPIC"] = "eventsourcing.cryptography:AESCipher"
            env["CIPHER_KEY"] = self.cipher_key
        return env

    @property
    def mtls(self) -> bool:
        return self.tls_cert is not None

    @property
    def exchange_targets(self) -> dict[str, str] | None:
        """System name → host:port of the other agencies' systems; None when unset."""
        urls = {
            "identity": self.identity_url,
            "civil-registry": self.civil_registry_url,
            "deeds-registry": self.deeds_registry_url,
            "postal-code": self.postal_code_url,
            "treasury": self.treasury_url,
        }
        return {name: url for name, url in urls.items() if url} if all(urls.values()) else None
