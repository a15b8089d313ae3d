"""A reference RFC 3161 time-stamping authority: keys, certificates and the signed token.

The state directory holds ``tsa-root.pem`` (the root certificate verifiers pin),
``tsa.pem`` (the time-stamping certificate), and the two private keys (mode 0600). It is
made on first use and reused after, so tokens stay verifiable across restarts.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["POLICY_OID", "TimestampAuthority"]

POLICY_OID: Final = "2.25.171470357130271883125829563425476153667"
"""The simulator's TSA policy (a UUID-derived OID, ITU-T X.667)."""

_DIGESTS: Final = {
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
}


def _write_private(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)


def _load_private(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path}: not an EC private key")
    return key


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "IR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tabadol reference TSA"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


@dataclass
class TimestampAuthority:
    """Issues RFC 3161 time-stamp tokens signed by its time-stamping certificate."""

    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey
    root: x509.Certificate
    accuracy_seconds: int = 1

    @classmethod
    def open(cls, state_dir: Path, *, name: str = "Tabadol reference TSA") -> TimestampAuthority:
        """Load the authority from ``state_dir``, creating its chain the first time."""
        state_dir.mkdir(parents=True, exist_ok=True)
        root_path, cert_path = state_dir / "tsa-root.pem", state_dir / "tsa.pem"
        key_path = state_dir / "tsa-key.pem"
        if not (cert_path.exists() and key_path.exists() and root_path.exists()):
            return cls._create(state_dir, name)
        return cls(
            x509.load_pem_x509_certificate(cert_path.read_bytes()),
            _load_private(key_path),
            x509.load_pem_x509_certificate(root_path.read_bytes()),
        )

    @classmethod
    def _create(cls, state_dir: Path, name: str) -> TimestampAuthority:
        now = datetime.now(UTC) - timedelta(minutes=5)
        root_key = ec.generate_private_key(ec.SECP256R1())
        root_name = _name(f"{name} root")
        root = (
            x509.CertificateBuilder()
            .subject_name(root_name)
            .issuer_name(root_name)
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + timedelta(days=3650))
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
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False
            )
            .sign(root_key, hashes.SHA256())
        )
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(root_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + timedelta(days=1825))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                critical=False,
            )
            .sign(root_key, hashes.SHA256())
        )
        pem = serialization.Encoding.PEM
        _write_private(state_dir / "tsa-root-key.pem", root_key)
        _write_private(state_dir / "tsa-key.pem", key)
        (state_dir / "tsa-root.pem").write_bytes(root.public_bytes(pem))
        (state_dir / "tsa.pem").write_bytes(certificate.public_bytes(pem))
        return cls(certificate, key, root)

    @property
    def name(self) -> str:
        """The TSA's subject, as RFC 4514 text."""
        return self.certificate.subject.rfc4514_string()

    # -- the protocol ------------------------------------------------------------------

    def respond(self, request_der: bytes, *, now: datetime | None = None) -> bytes:
        """Answer a DER ``TimeStampReq`` with a DER ``TimeStampResp`` (granted or rejected)."""
        try:
            request = tsp.TimeStampReq.load(request_der, strict=True)
            imprint = request["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            digest = imprint["hashed_message"].native
            version = request["version"].native
        except (ValueError, TypeError, KeyError):
            return _rejection("bad_data_format", "the request is not a DER TimeStampReq")
        if version != "v1":
            return _rejection("bad_request", "only TimeStampReq version 1 is supported")
        hasher = _DIGESTS.get(algorithm)
        if hasher is None:
            return _rejection("bad_alg", f"unsupported hash algorithm {algorithm}")
        if len(digest) != hasher().digest_size:
            return _rejection("bad_data_format", "the imprint's length does not fit its algorithm")
        policy = request["req_policy"].native
        if policy is not None and policy != POLICY_OID:
            return _rejection("unaccepted_policy", f"policy {policy} is not this TSA's")
        token = self._token(request, now or datetime.now(UTC))
        granted = tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})
        answer: bytes = granted.dump()
        return answer

    def _token(self, request: tsp.TimeStampReq, now: datetime) -> cms.ContentInfo:
        cert = asn1_x509.Certificate.load(self.certificate.public_bytes(serialization.Encoding.DER))
        info = {
            "version": "v1",
            "policy": POLICY_OID,
            "message_imprint": request["message_imprint"],
            "serial_number": secrets.randbits(120),
            "gen_time": now.astimezone(UTC).replace(microsecond=0),
            "accuracy": {"seconds": self.accuracy_seconds},
            "ordering": False,
            "tsa": asn1_x509.GeneralName({"directory_name": cert.subject}),
        }
        if request["nonce"].native is not None:
            info["nonce"] = request["nonce"].native
        tst_info = tsp.TSTInfo(info)
        content = tst_info.dump()
        signed_attrs = cms.CMSAttributes(
            [
                cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
                cms.CMSAttribute(
                    {"type": "message_digest", "values": [hashlib.sha256(content).digest()]}
                ),
                cms.CMSAttribute(
                    {
                        "type": "signing_certificate_v2",
                        "values": [
                            {
                                "certs": [
                                    {
                                        "hash_algorithm": {"algorithm": "sha256"},
                                        "cert_hash": hashlib.sha256(cert.dump()).digest(),
                                    }
                                ]
                            }
                        ],
                    }
                ),
            ]
        )
        signature = self.private_key.sign(signed_attrs.dump(), ec.ECDSA(hashes.SHA256()))
        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier(
                    {
                        "issuer_and_serial_number": {
                            "issuer": cert.issuer,
                            "serial_number": cert.serial_number,
                        }
                    }
                ),
                "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "signed_attrs": signed_attrs,
                "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
                "signature": signature,
            }
        )
        certificates = [cert] if request["cert_req"].native else []
        signed_data = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
                "encap_content_info": {
                    "content_type": "tst_info",
                    "content": core.ParsableOctetString(content),
                },
                "certificates": certificates,
                "signer_infos": [signer_info],
            }
        )
        return cms.ContentInfo({"content_type": "signed_data", "content": signed_data})


def _rejection(failure: str, text: str) -> bytes:
    """A ``TimeStampResp`` with only its status (asn1crypto's type insists on a token)."""
    info = {
        "status": "rejection",
        "status_string": [text],
        "fail_info": tsp.PKIFailureInfo({failure}),
    }
    status: bytes = tsp.PKIStatusInfo(info).dump()
    return b"\x30" + _der_length(len(status)) + status


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw
