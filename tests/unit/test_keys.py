"""The signed key history: rotation, revocation, tampering, and which key is valid where."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.domain import Aggregate

from hub.audit.export import events_from
from hub.config import store_env
from hub.ledger.signing import LedgerApplication
from hub.trail.encoding import parse_utc, utc_text
from hub.trail.keys import (
    KEY_HISTORY_FORMAT,
    PUBLIC_KEYS_FORMAT,
    KeyFileError,
    KeyHistory,
    PublicKeyRing,
    Signer,
    init_keys,
    load_history,
    load_signer,
    revoke_key,
    rotate_keys,
)
from hub.trail.verify import verify_trail

T0 = datetime(2026, 3, 21, 8, 0, tzinfo=UTC)


def new_signer() -> Signer:
    return Signer(Ed25519PrivateKey.generate())


@pytest.fixture
def three() -> tuple[list[Signer], KeyHistory]:
    """A history of three keys: genesis, then two rotations (at log sizes 10 and 25)."""
    a, b, c = new_signer(), new_signer(), new_signer()
    history = KeyHistory.genesis(a, at=T0)
    history = history.rotated(a, b, at=T0 + timedelta(days=30), from_size=10)
    history = history.rotated(b, c, at=T0 + timedelta(days=60), from_size=25)
    return [a, b, c], history


def reload(document: dict[str, Any]) -> KeyHistory:
    return KeyHistory.from_document(json.loads(json.dumps(document)))


def test_a_history_round_trips_through_its_file(three: tuple[list[Signer], KeyHistory]) -> None:
    signers, history = three
    document = history.to_document()
    assert document["format"] == KEY_HISTORY_FORMAT
    assert document["origin"] == f"tabadol.gov.ir/hub/{signers[0].key_id}"
    again = reload(document)
    assert again == history
    assert [e.key_id for e in again.entries] == [s.key_id for s in signers]
    assert [e.valid_until for e in again.entries] == [
        "2026-04-20T08:00:00Z",
        "2026-05-20T08:00:00Z",
        None,
    ]
    assert again.entries[0].endorsed_by == signers[0].key_id  # self-signed genesis
    assert again.entries[2].endorsed_by == signers[1].key_id


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["keys"][1].update(valid_from_size=0), "bad endorsement"),
        (
            lambda d: d["keys"][1].update(valid_from="2026-04-21T08:00:00Z"),
            "valid_until of key .* is not its successor's",
        ),
        (lambda d: d["keys"].pop(1), "valid_until of key .* is not its successor's"),
        (
            lambda d: (
                d["keys"].pop(1),
                d["keys"][0].update(valid_until=d["keys"][1]["valid_from"]),
            ),
            "must be endorsed by",
        ),
        (lambda d: d["keys"].reverse(), "must be endorsed by"),
        (lambda d: d.update(origin="tabadol.gov.ir/hub/elsewhere"), "bad endorsement"),
        (lambda d: d["keys"][2].update(valid_until="2027-01-01T00:00:00Z"), "valid_until"),
        (lambda d: d["keys"][0].update(key_id=d["keys"][1]["key_id"]), "does not match its key"),
        (
            lambda d: d["keys"][2].update(public_key=d["keys"][1]["public_key"]),
            "does not match its key",
        ),
        (lambda d: d["keys"][0].update(algorithm="rsa"), "algorithm"),
        (lambda d: d["keys"][0].update(extra=1), "unexpected or missing fields"),
        (lambda d: d["keys"][0].update(valid_from="2026-03-21 08:00:00+00:00"), "not canonical"),
        (lambda d: d.update(format="tabadol-public-keys/9"), "expected format"),
    ],
)
def test_any_change_to_the_history_is_refused(
    three: tuple[list[Signer], KeyHistory], edit: Any, message: str
) -> None:
    document = three[1].to_document()
    edit(document)
    with pytest.raises(KeyFileError, match=message):
        reload(document)


def test_a_key_cannot_be_added_without_the_latest_private_key(
    three: tuple[list[Signer], KeyHistory],
) -> None:
    signers, history = three
    with pytest.raises(KeyFileError, match="not the latest key"):
        history.rotated(signers[0], new_signer(), at=T0 + timedelta(days=90), from_size=30)
    forger = new_signer()
    forged = history.to_document()
    entry = KeyHistory.genesis(forger, at=T0, origin=history.origin).to_document()["keys"][0]
    entry["endorsed_by"] = signers[2].key_id  # claims the current key endorsed it
    forged["keys"][2]["valid_until"] = entry["valid_from"]
    forged["keys"].append(entry)
    with pytest.raises(KeyFileError, match="bad endorsement"):
        reload(forged)


def test_which_key_may_sign_which_event(three: tuple[list[Signer], KeyHistory]) -> None:
    (a, b, c), history = three
    assert history.check_event(a.key_id, 500) == ""  # rotation alone invalidates nothing
    assert history.check_event(b.key_id, 10) == ""
    assert "before it existed" in history.check_event(b.key_id, 9)
    assert "before it existed" in history.check_event(c.key_id, 24)
    assert "unknown key" in history.check_event(new_signer().key_id, 0)
    assert history.check_checkpoint(c.key_id, 25) == ""
    assert "before it existed" in history.check_checkpoint(c.key_id, 24)


def test_a_revoked_key_is_trusted_only_below_its_trusted_size(
    three: tuple[list[Signer], KeyHistory],
) -> None:
    (a, b, c), history = three
    revoked = history.revoked(b.key_id, c, at=T0 + timedelta(days=50), trusted_size=18)
    assert revoked.check_event(b.key_id, 17) == ""
    assert "signed by revoked key" in revoked.check_event(b.key_id, 18)
    assert revoked.check_checkpoint(b.key_id, 18) == ""
    assert "signed by revoked key" in revoked.check_checkpoint(b.key_id, 19)
    again = reload(revoked.to_document())
    assert again == revoked
    assert again.to_document()["keys"][1]["revoked_at"] == "2026-05-10T08:00:00Z"
    with pytest.raises(KeyFileError, match="cannot revoke itself"):
        history.revoked(c.key_id, c, at=T0, trusted_size=0)
    with pytest.raises(KeyFileError, match="already revoked"):
        revoked.revoked(b.key_id, a, at=T0, trusted_size=0)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["revocations"][0].update(trusted_size=99), "bad signature"),
        (lambda d: d["revocations"][0].update(reason="nothing happened"), "bad signature"),
        (lambda d: d["revocations"][0].update(by=d["keys"][0]["key_id"]), "bad signature"),
        (lambda d: d["revocations"].clear(), "revoked_at"),
        (lambda d: d["keys"][1].update(revoked_at=None), "revoked_at"),
        (lambda d: d["revocations"].append(dict(d["revocations"][0])), "revoked twice"),
    ],
)
def test_a_changed_or_dropped_revocation_is_refused(
    three: tuple[list[Signer], KeyHistory], edit: Any, message: str
) -> None:
    (_, b, c), history = three
    document = history.revoked(b.key_id, c, at=T0, trusted_size=5, reason="leak").to_document()
    edit(document)
    with pytest.raises(KeyFileError, match=message):
        reload(document)


def test_histories_merge_when_one_extends_the_other(
    three: tuple[list[Signer], KeyHistory],
) -> None:
    (a, b, c), history = three
    older = KeyHistory.genesis(a, at=T0).rotated(a, b, at=T0 + timedelta(days=30), from_size=10)
    revoked_older = older.revoked(a.key_id, b, at=T0, trusted_size=3)
    merged = revoked_older.merged(history)
    assert [e.key_id for e in merged.entries] == [a.key_id, b.key_id, c.key_id]
    assert "revoked" in merged.check_event(a.key_id, 3)
    other = KeyHistory.genesis(a, at=T0).rotated(a, new_signer(), at=T0, from_size=10)
    with pytest.raises(KeyFileError, match="disagree"):
        other.merged(history)


# -- files ---------------------------------------------------------------------------


def test_init_rotate_and_revoke_files(tmp_path: Path) -> None:
    private, public = tmp_path / "keys" / "hub.pem", tmp_path / "keys" / "public-keys.json"
    first = init_keys(private, public, now=T0)
    ring = PublicKeyRing.load(public)
    assert list(ring) == [first.key_id] and ring.origin == f"tabadol.gov.ir/hub/{first.key_id}"
    with pytest.raises(KeyFileError, match="refusing to overwrite"):
        init_keys(private, public)
    with pytest.raises(KeyFileError, match="keys rotate"):
        init_keys(private, public, force=True)

    old, new, retired = rotate_keys(private, public, from_size=42, now=T0 + timedelta(days=1))
    assert old.key_id == first.key_id and load_signer(private).key_id == new.key_id
    assert load_signer(retired).key_id == first.key_id
    assert retired.stat().st_mode & 0o777 == 0o600 and private.stat().st_mode & 0o777 == 0o600
    history = load_history(public)
    assert [e.valid_from_size for e in history.entries] == [0, 42]

    revocation = revoke_key(private, public, first.key_id, at=T0, trusted_size=7, reason="leak")
    assert revocation.by == new.key_id
    assert "revoked key" in PublicKeyRing.load(public).check_event(first.key_id, 7)
    assert PublicKeyRing.load(public).check_event(first.key_id, 6) == ""


def test_the_legacy_key_file_still_loads_and_extends(tmp_path: Path) -> None:
    signer = new_signer()
    raw = signer.public_key.public_bytes_raw()
    public = tmp_path / "public-keys.json"
    public.write_text(
        json.dumps(
            {
                "format": PUBLIC_KEYS_FORMAT,
                "keys": [
                    {
                        "key_id": signer.key_id,
                        "algorithm": "ed25519",
                        "public_key": base64.b64encode(raw).decode(),
                        "created_at": "2026-01-01T00:00:00+00:00",
                    }
                ],
            }
        )
    )
    ring = PublicKeyRing.load(public)
    assert list(ring) == [signer.key_id] and ring.history is not None
    assert not ring.history.signed and ring.origin == f"tabadol.gov.ir/hub/{signer.key_id}"
    assert ring.check_event(signer.key_id, 10**6) == ""
    added = init_keys(tmp_path / "new.pem", public)
    document = json.loads(public.read_text())
    assert document["format"] == PUBLIC_KEYS_FORMAT
    assert [k["key_id"] for k in document["keys"]] == [signer.key_id, added.key_id]
    assert document["keys"][0]["created_at"] == "2026-01-01T00:00:00+00:00"
    with pytest.raises(KeyFileError, match="legacy format"):
        rotate_keys(tmp_path / "new.pem", public, from_size=0)


def test_times_are_canonical_utc() -> None:
    assert utc_text(parse_utc("2026-03-21T11:30:00+03:30")) == "2026-03-21T08:00:00Z"
    with pytest.raises(ValueError, match="no UTC offset"):
        parse_utc("2026-03-21T08:00:00")
    with pytest.raises(ValueError, match="not an ISO 8601"):
        parse_utc("yesterday")


# -- trails verify against the key valid at each event -------------------------------


class Memo(Aggregate):
    TOPIC = "test.keys.memo"

    class Created(Aggregate.Created):
        TOPIC = "test.keys.memo.created"


class Ledger(LedgerApplication):
    name = "TabadolHub"


def test_a_trail_across_a_rotation_and_a_revocation(tmp_path: Path) -> None:
    a, b = new_signer(), new_signer()
    env = store_env(f"sqlite:///{tmp_path / 'events.sqlite'}")
    for signer in (a, b):  # the hub, then the hub restarted with the new key
        app = Ledger(signer, env=env)
        for _ in range(5):
            app.save(Memo())
    trail = list(events_from(app.recorder))
    assert len(trail) == 10

    history = KeyHistory.genesis(a, at=T0).rotated(a, b, at=T0, from_size=5)
    report = verify_trail(trail, PublicKeyRing.from_history(history))
    assert report.ok and report.keys == {a.key_id: 5, b.key_id: 5}

    early = KeyHistory.genesis(a, at=T0).rotated(a, b, at=T0, from_size=7)
    report = verify_trail(trail, PublicKeyRing.from_history(early))
    assert report.problem is not None and report.problem.position == trail[5].position
    assert "before it existed" in report.problem.reason

    revoked = history.revoked(a.key_id, b, at=T0, trusted_size=3)
    report = verify_trail(trail, PublicKeyRing.from_history(revoked))
    assert report.problem is not None and report.problem.position == trail[3].position
    assert f"signed by revoked key {a.key_id}" in report.problem.reason
