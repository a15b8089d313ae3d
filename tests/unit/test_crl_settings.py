"""TABADOL_CRL_URL and its refresh schedule: an http(s) URL, one CRL source, backoff."""

from __future__ import annotations

import pytest

from hub.config import ConfigError, Settings
from hub.servicers.crl import next_wait, until_stale

TLS = {
    "TABADOL_TLS_CERT": "hub.crt",
    "TABADOL_TLS_KEY": "hub.key",
    "TABADOL_TLS_CLIENT_CA": "ca.crt",
}


def test_a_crl_url_is_http_and_the_only_crl() -> None:
    settings = Settings.from_env({**TLS, "TABADOL_CRL_URL": "https://ca.example/crl"})
    assert (settings.crl_url, settings.crl_refresh, settings.crl_tolerance) == (
        "https://ca.example/crl",
        300.0,
        3600.0,
    )
    with pytest.raises(ConfigError, match="http"):
        Settings.from_env({**TLS, "TABADOL_CRL_URL": "file:///etc/crl.pem"})
    with pytest.raises(ConfigError, match="not both"):
        Settings.from_env({**TLS, "TABADOL_CRL_URL": "http://x/c", "TABADOL_TLS_CRL": "c.pem"})
    with pytest.raises(ConfigError, match="needs TABADOL_TLS_CERT"):
        Settings.from_env({"TABADOL_CRL_URL": "http://x/c"})
    with pytest.raises(ConfigError, match="TABADOL_CRL_TOLERANCE_SECONDS"):
        Settings.from_env(
            {**TLS, "TABADOL_CRL_URL": "http://x/c", "TABADOL_CRL_TOLERANCE_SECONDS": "-1"}
        )


def test_the_refresh_honours_next_update_and_backs_off() -> None:
    assert next_wait(None, every=300, failures=0) == 300
    assert next_wait(42.0, every=300, failures=0) == 42  # the CRL's nextUpdate comes first
    assert next_wait(-5.0, every=300, failures=0) == 1  # past it: at most once a second
    backoff = [next_wait(None, every=10, failures=n) for n in (1, 2, 3, 4, 5)]
    assert backoff == [1, 2, 4, 8, 10]


def test_until_stale_counts_to_next_update_plus_tolerance() -> None:
    class Crl:
        tolerance = 60.0

        def __init__(self, due: float | None) -> None:
            self.due = due

        def seconds_to_next_update(self) -> float | None:
            return self.due

    assert until_stale(Crl(30.0)) == 90.0  # type: ignore[arg-type]
    assert until_stale(Crl(-59.0)) == 1.0  # type: ignore[arg-type]
    assert until_stale(Crl(-61.0)) is None  # type: ignore[arg-type]  (stale already)
    assert until_stale(Crl(None)) is None  # type: ignore[arg-type]  (no nextUpdate)
