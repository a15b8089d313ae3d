"""The development PKI: certificates name one principal by a URI SAN; a CRL revokes."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509

from aggregates.errors import InvalidInput
from aggregates.principals import Principal, PrincipalKind, is_operator
from hub.trail.pki import (
    CertificateRefused,
    PkiError,
    init_ca,
    issue,
    principal_of_certificate,
    revoke,
)
from hub.trail.revocation import CrlFetchFailed, CrlUnavailable, RevocationList


@pytest.fixture
def ca(tmp_path: Path) -> Path:
    init_ca(tmp_path / "pki")
    return tmp_path / "pki"


def test_principals_parse_and_name_their_uris() -> None:
    assert Principal.parse("moj") == Principal.agency("MOJ")
    counter = Principal.parse("counter:P-1001")
    assert counter.kind is PrincipalKind.COUNTER
    assert counter.uri == "spiffe://tabadol.gov.ir/counter/P-1001"
    assert Principal.from_uri(counter.uri) == counter
    assert Principal.from_uri("spiffe://tabadol.gov.ir/agency/moj") is None  # not canonical
    assert Principal.from_uri("spiffe://tabadol.gov.ir/agency/MOJ/x") is None
    assert Principal.from_uri("spiffe://example.org/agency/MOJ") is None
    assert is_operator(Principal.parse("hub:TABADOL"))
    assert not is_operator(Principal.agency("MOJ"))
    with pytest.raises(InvalidInput):
        Principal.parse("mayor:X1")
    with pytest.raises(InvalidInput):
        Principal.parse("agency:1X")


def test_an_issued_certificate_names_its_principal(ca: Path) -> None:
    issued = issue(ca, Principal.agency("MOJ"))
    principal, serial = principal_of_certificate(issued.cert.read_bytes())
    assert principal == Principal.agency("MOJ")
    assert serial == issued.serial
    cert = x509.load_pem_x509_certificate(issued.cert.read_bytes())
    assert cert.issuer == x509.load_pem_x509_certificate((ca / "ca.crt").read_bytes()).subject
    assert (issued.key.stat().st_mode & 0o777) == 0o600


def test_init_refuses_to_overwrite_a_ca(ca: Path) -> None:
    with pytest.raises(PkiError, match="already holds a CA"):
        init_ca(ca)


def test_only_uri_sans_name_a_principal(ca: Path) -> None:
    # A DNS SAN that spells a spiffe URI names nobody.
    issued = issue(ca, Principal.agency("MOJ"), dns_names=("spiffe://tabadol.gov.ir/agency/TAX",))
    assert principal_of_certificate(issued.cert.read_bytes())[0] == Principal.agency("MOJ")
    two = issue(ca, Principal.agency("TAX"), extra_uris=("spiffe://tabadol.gov.ir/agency/MOJ",))
    with pytest.raises(CertificateRefused, match="exactly one"):
        principal_of_certificate(two.cert.read_bytes())
    bad = issue(ca, Principal.agency("TAX"), extra_uris=())
    assert principal_of_certificate(bad.cert.read_bytes())[0] == Principal.agency("TAX")


def test_a_revoked_certificate_is_refused_once_the_crl_changes(ca: Path) -> None:
    moj = issue(ca, Principal.agency("MOJ"))
    tax = issue(ca, Principal.agency("TAX"))
    crl = RevocationList(ca / "crl.pem", ca / "ca.crt")
    crl.check(moj.serial)
    assert revoke(ca, "agency:MOJ") == [moj.serial]
    crl.check(moj.serial)  # no I/O per call: the refresher (hub/servicers/crl.py) reads it
    assert crl.refresh() is True
    assert crl.refresh() is False  # unchanged: not read again
    with pytest.raises(CertificateRefused, match="revoked"):
        crl.check(moj.serial)
    crl.check(tax.serial)


def test_a_crl_not_signed_by_the_ca_refuses_everyone(ca: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    init_ca(other)
    moj = issue(ca, Principal.agency("MOJ"))
    crl = RevocationList(other / "crl.pem", ca / "ca.crt")
    with pytest.raises(CrlUnavailable, match="not signed"):
        crl.check(moj.serial)


def test_a_bad_crl_is_not_used_and_the_last_good_one_stays(ca: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    init_ca(other)
    moj = issue(ca, Principal.agency("MOJ"))
    revoke(ca, "agency:MOJ")
    crl = RevocationList(ca / "crl.pem", ca / "ca.crt")
    (ca / "crl.pem").write_bytes((other / "crl.pem").read_bytes())  # another CA's, empty
    with pytest.raises(CrlFetchFailed, match="not signed"):
        crl.refresh()
    with pytest.raises(CertificateRefused, match="revoked"):  # still revoked
        crl.check(moj.serial)


def test_a_crl_answer_cut_off_mid_way_is_a_failed_fetch(ca: Path) -> None:
    """A chunked answer cut off by the network raises http.client's IncompleteRead, which is
    no OSError: it once escaped and ended the refresher for good."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def answer() -> None:
        conn, _ = server.accept()
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n")
        conn.close()

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    crl = RevocationList(f"http://127.0.0.1:{server.getsockname()[1]}/crl", ca / "ca.crt")
    with pytest.raises(CrlFetchFailed, match="could not be fetched"):
        crl.refresh()
    thread.join(5)
    server.close()
