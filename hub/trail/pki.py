"""A development public-key infrastructure (004 art. 13): a CA, certificates, a CRL.

``tabadol pki init`` makes a CA in ``<data>/pki/`` (``ca.crt``, ``ca.key`` 0600, an empty
signed ``crl.pem``); ``tabadol pki issue agency:MOJ`` makes ``agency-moj.crt`` and
``agency-moj.key`` naming the principal by exactly one URI SAN
(:mod:`aggregates.principals`), plus DNS/IP SANs so the same certificate can serve TLS
(``localhost``, ``127.0.0.1`` by default); ``tabadol pki revoke`` adds a certificate to the
CRL. Keys are ECDSA P-256.

On the serving side :func:`principal_of_certificate` names the caller from a certificate
*strictly*: only URI SANs count (a DNS or e-mail SAN holding a spiffe URI names nobody),
and there must be exactly one URI under ``spiffe://tabadol.gov.ir/``.
:class:`hub.trail.revocation.RevocationList` checks a serial against the CRL (a file or a
URL), verified with the CA's key.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from aggregates.principals import URI_PREFIX, Principal

__all__ = [
    "CA_CERT",
    "CA_KEY",
    "CRL_FILE",
    "CertificateRefused",
    "IssuedCertificate",
    "PkiError",
    "certificate_paths",
    "init_ca",
    "issue",
    "principal_of_certificate",
    "revoke",
]

CA_CERT, CA_KEY, CRL_FILE, INDEX = "ca.crt", "ca.key", "crl.pem", "index.json"
_CRL_DAYS = 30


class PkiError(ValueError):
    """A PKI directory or request is unusable; the message says how to fix it."""


class CertificateRefused(Exception):
    """A peer certificate names no principal, several, or is revoked; the message says why."""


@dataclass(frozen=True)
class IssuedCertificate:
    principal: Principal
    cert: Path
    key: Path
    serial: int


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _load_ca(directory: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    try:
        cert = x509.load_pem_x509_certificate((directory / CA_CERT).read_bytes())
        key = serialization.load_pem_private_key((directory / CA_KEY).read_bytes(), None)
    except FileNotFoundError:
        raise PkiError(f"no CA in {directory}: run `tabadol pki init` first") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise PkiError(f"{directory / CA_KEY} is not an EC key")
    return cert, key


def _index(directory: Path) -> dict[str, dict[str, object]]:
    path = directory / INDEX
    if not path.exists():
        return {}
    loaded: dict[str, dict[str, object]] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _save_index(directory: Path, index: dict[str, dict[str, object]]) -> None:
    (directory / INDEX).write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")


def init_ca(
    directory: Path, *, common_name: str = "Tabadol development CA", days: int = 3650
) -> Path:
    """Make a CA (and an empty CRL) in ``directory``; refuses to overwrite one."""
    if (directory / CA_KEY).exists():
        raise PkiError(f"{directory} already holds a CA; remove it to start over")
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(directory / CA_KEY, _key_pem(key))
    (directory / CA_CERT).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _save_index(directory, {})
    _write_crl(directory, cert, key, revoked=())
    return directory / CA_CERT


def certificate_paths(directory: Path, principal: Principal) -> tuple[Path, Path]:
    """Where ``issue`` puts the certificate and key of ``principal``."""
    stem = f"{principal.kind.value}-{principal.code.lower()}"
    return directory / f"{stem}.crt", directory / f"{stem}.key"


def issue(
    directory: Path,
    principal: Principal,
    *,
    dns_names: Sequence[str] = ("localhost",),
    ip_addresses: Sequence[str] = ("127.0.0.1",),
    days: int = 825,
    extra_uris: Sequence[str] = (),
) -> IssuedCertificate:
    """A certificate for ``principal`` signed by the CA in ``directory`` (client and server
    use). ``extra_uris`` exists for tests of refused certificates."""
    ca_cert, ca_key = _load_ca(directory)
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    names: list[x509.GeneralName] = [x509.UniformResourceIdentifier(principal.uri)]
    names += [x509.UniformResourceIdentifier(uri) for uri in extra_uris]
    names += [x509.DNSName(name) for name in dns_names]
    names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ip_addresses]
    serial = x509.random_serial_number()
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COMMON_NAME, principal.name),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tabadol"),
                ]
            )
        )
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_path, key_path = certificate_paths(directory, principal)
    _write_private(key_path, _key_pem(key))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    index = _index(directory)
    index[str(serial)] = {
        "principal": principal.name,
        "file": cert_path.name,
        "issued_at": now.isoformat(),
        "revoked_at": None,
    }
    _save_index(directory, index)
    return IssuedCertificate(principal, cert_path, key_path, serial)


def revoke(directory: Path, what: str) -> list[int]:
    """Revoke by serial number or by principal (every certificate issued to it); rewrites
    the CRL. Returns the serials revoked."""
    ca_cert, ca_key = _load_ca(directory)
    index = _index(directory)
    wanted: list[str]
    if what.isdigit():
        wanted = [what] if what in index else []
    else:
        name = Principal.parse(what).name
        wanted = [serial for serial, entry in index.items() if entry["principal"] == name]
    if not wanted:
        raise PkiError(f"no certificate issued to {what!r} in {directory}")
    now = _now().isoformat()
    for serial in wanted:
        index[serial]["revoked_at"] = index[serial]["revoked_at"] or now
    _save_index(directory, index)
    revoked = [(int(s), e["revoked_at"]) for s, e in index.items() if e["revoked_at"]]
    _write_crl(directory, ca_cert, ca_key, revoked=revoked)
    return [int(s) for s in wanted]


def _write_crl(
    directory: Path,
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    *,
    revoked: Sequence[tuple[int, object]],
) -> None:
    now = _now()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now)
        .next_update(now + dt.timedelta(days=_CRL_DAYS))
    )
    for serial, when in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(dt.datetime.fromisoformat(str(when)))
            .build()
        )
    crl = builder.sign(ca_key, hashes.SHA256())
    (directory / CRL_FILE).write_bytes(crl.public_bytes(serialization.Encoding.PEM))


def principal_of_certificate(pem: bytes) -> tuple[Principal, int]:
    """The principal a peer certificate names, and its serial; :class:`CertificateRefused`
    unless it holds exactly one URI SAN under ``spiffe://tabadol.gov.ir/`` that names a
    principal. DNS, e-mail and other SAN types never name anyone."""
    try:
        cert = x509.load_pem_x509_certificate(pem)
    except ValueError as error:
        raise CertificateRefused(f"unreadable client certificate: {error}") from None
    try:
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        raise CertificateRefused("the client certificate has no subject alternative name") from None
    ours = [
        uri
        for uri in sans.get_values_for_type(x509.UniformResourceIdentifier)
        if uri.startswith(URI_PREFIX)
    ]
    if len(ours) != 1:
        raise CertificateRefused(
            f"a client certificate must name exactly one principal by a URI SAN {URI_PREFIX}<kind>/<CODE>; "
            f"this one has {len(ours)}"
        )
    principal = Principal.from_uri(ours[0])
    if principal is None:
        raise CertificateRefused(f"the URI SAN {ours[0]!r} names no principal")
    return principal, cert.serial_number
