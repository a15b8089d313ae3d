"""The ``tabadol audit`` commands: export, verify, checkpoints, consistency, evidence bundles.

``hub.cli.main`` mounts :func:`add_audit_parser` and calls :func:`run_audit`; this module also
runs alone (``python -m hub.cli.audit audit …``, ``… keys …``) with the same arguments.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from aggregates.errors import DomainError
from hub.audit.anchors import (
    anchor_store_for,
    store_records,
    witnessed_note,
    write_checkpoint_records,
)
from hub.audit.bundles import build_bundle
from hub.audit.checkpoints import AuditLog, Checkpointer, LogInconsistent, checkpoint_store_for
from hub.audit.export import export_trail, open_recorder, read_trail, store_url, trail_size
from hub.audit.tile_store import tile_store_for
from hub.audit.verification import verify_source
from hub.cli.anchors import add_anchor_options, policy_from, tsa_roots_from
from hub.cli.progress import counted, progress
from hub.config import ConfigError, Settings
from hub.trail.agency_signatures import AgencyKeyRing
from hub.trail.anchoring import read_checkpoint_records
from hub.trail.bundle import BundleError, verify_bundle
from hub.trail.cosignature import WitnessPolicy
from hub.trail.keys import KeyFileError, PublicKeyRing, load_history, load_signer
from hub.trail.merkle import MerkleTree, ProofError, verify_consistency
from hub.trail.mirror import MirrorError, http_fetch, mirror_log, write_mirror
from hub.trail.verify import (
    open_hub_checkpoint,
    read_checkpoint_notes,
)

__all__ = ["add_audit_parser", "audit_verify", "main", "run_audit"]


# -- the parser -----------------------------------------------------------------------


def add_audit_parser(subparsers: Any) -> None:
    """Add ``audit`` and its subcommands to a ``tabadol`` subparsers object."""
    audit = subparsers.add_parser(
        "audit", help="export and verify the signed trail, its checkpoints and evidence"
    ).add_subparsers(dest="audit", required=True)
    keys_help = "public-key file (default: TABADOL_PUBLIC_KEYS)"
    source_help = "store URL or SQLite file (default: the hub's store)"

    export = audit.add_parser(
        "export",
        help="write the trail and its signed checkpoints as JSON Lines, up to a checkpoint",
    )
    export.add_argument("--source", help=source_help)
    export.add_argument("-o", "--output", default="-", help="file to write (default: stdout)")
    export.add_argument(
        "--include-unanchored",
        action="store_true",
        help="also write the events no signed checkpoint covers yet (verify then needs"
        " --allow-unanchored)",
    )

    verify = audit.add_parser(
        "verify", help="verify a trail offline: chains, signatures, and the tree vs checkpoints"
    )
    verify.add_argument("source", nargs="?", help="trail file, SQLite file or postgresql:// URL")
    verify.add_argument("--keys", type=Path, help=keys_help)
    verify.add_argument(
        "--checkpoints",
        type=Path,
        action="append",
        default=[],
        help="file of checkpoint notes to compare with (repeatable); a store's or an"
        " export's own are read too",
    )
    verify.add_argument(
        "--allow-unanchored",
        action="store_true",
        help="pass even when no signed checkpoint covers the last events (and say what is"
        " then not proven)",
    )
    verify.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="verify with this many processes (default 1); on a problem, one process names it",
    )
    verify.add_argument(
        "--agency-keys",
        type=Path,
        help="the agencies' public keys (tabadol agency-keys export): verify every agency's"
        " request signature kept in the trail",
    )
    add_anchor_options(verify)

    sign = audit.add_parser("checkpoint", help="sign a checkpoint of the whole log now")
    sign.add_argument("--source", help=source_help)

    notes = audit.add_parser("checkpoints", help="write the store's signed checkpoints")
    notes.add_argument("--source", help=source_help)
    notes.add_argument("-o", "--output", default="-", help="file to write (default: stdout)")

    consistency = audit.add_parser(
        "consistency", help="check that a newer checkpoint extends an older one you kept"
    )
    consistency.add_argument("old", type=Path, help="file with the older checkpoint note")
    consistency.add_argument("new", type=Path, help="file with the newer checkpoint note")
    consistency.add_argument("--keys", type=Path, help=keys_help)
    group = consistency.add_mutually_exclusive_group()
    group.add_argument("--source", help="trail or store to recompute the proof from")
    group.add_argument(
        "--proof", type=Path, help="consistency proof: base64 hashes, one a line (or JSON)"
    )

    bundle = audit.add_parser("bundle", help="write offline evidence for a case or an event")
    bundle.add_argument(
        "subject",
        help="case, consultation or petition tracking code, 16-digit inquiry code,"
        " <aggregate id>:<version>, or a store position",
    )
    bundle.add_argument("-o", "--output", required=True, help="bundle file to write")
    bundle.add_argument("--source", help=source_help)
    bundle.add_argument("--keys", type=Path, help=keys_help)
    bundle.add_argument("--tree-size", type=int, default=0, help="checkpoint size (0: latest)")

    check = audit.add_parser("verify-bundle", help="verify an evidence bundle offline")
    check.add_argument("bundle", type=Path, help="bundle file")
    check.add_argument(
        "--keys", type=Path, help="your public-key file to pin (default: TABADOL_PUBLIC_KEYS)"
    )
    check.add_argument(
        "--agency-keys",
        type=Path,
        help="the agencies' public keys (tabadol agency-keys export): verify their request"
        " signatures in the bundle",
    )
    add_anchor_options(check, timestamps=False)

    mirror = audit.add_parser(
        "mirror", help="mirror a hub's log over HTTP (C2SP tlog-tiles) and verify it, no gRPC"
    )
    mirror.add_argument("url", help="the log's prefix, e.g. http://hub:8080/log")
    mirror.add_argument("--keys", type=Path, help=keys_help)
    mirror.add_argument("-o", "--output", help="write the mirrored trail as an export")


def run_audit(args: argparse.Namespace, settings: Settings) -> int:
    """Run the ``audit`` subcommand in ``args``; returns the exit code."""
    commands = {
        "export": _export,
        "verify": _verify,
        "checkpoint": _sign,
        "checkpoints": _checkpoints,
        "consistency": _consistency,
        "bundle": _bundle,
        "verify-bundle": _verify_bundle,
        "mirror": _mirror,
    }
    try:
        return commands[args.audit](args, settings)
    except DomainError as error:  # a bad subject, an unknown case, no checkpoint yet
        print(f"tabadol: {error}", file=sys.stderr)
        return 2
    except LogInconsistent as error:
        print(f"REFUSED: {error}", file=sys.stderr)
        return 1


# -- export and verify ----------------------------------------------------------------


def _export(args: argparse.Namespace, settings: Settings) -> int:
    """Sign a checkpoint of the whole log (with the hub's key, when it is here), then write
    every checkpoint (with its witness cosignatures and time-stamp token) and the events
    up to the largest one."""
    source = args.source or settings.event_store
    log = _audit_log(source, settings, writes=True)
    if settings.signing_key.exists():
        try:
            Checkpointer(log, load_signer(settings.signing_key)).sign()
        except LogInconsistent as error:
            print(f"REFUSED: {error}", file=sys.stderr)
            return 1
    stored = log.store.all()
    covered = stored[-1].tree_size if stored else 0
    total = log.sync()
    limit = None if args.include_unanchored else covered
    url = store_url(source)
    records = store_records(url) if url else []  # the notes with their cosignatures, tokens
    rows = [
        (c.tree_size, c.signed_at, r.note, r.timestamp)
        for c, r in zip(stored, records, strict=True)
    ]
    with progress("exporting", limit if limit is not None else total) as advance:
        watch = partial(counted, advance=advance)
        if args.output == "-":
            count = export_trail(
                source, sys.stdout, origin=log.origin, checkpoints=rows, limit=limit, watch=watch
            )
        else:
            with Path(args.output).open("w", encoding="utf-8") as out:
                count = export_trail(
                    source, out, origin=log.origin, checkpoints=rows, limit=limit, watch=watch
                )
    where = "" if args.output == "-" else f" to {args.output}"
    print(
        f"exported {count} events and {len(rows)} signed checkpoints{where};"
        f" the largest checkpoint covers {covered} events",
        file=sys.stderr,
    )
    if total > count:
        print(
            f"  {total - count} newer events are not covered by a checkpoint yet and were left"
            " out (the hub signs one within TABADOL_CHECKPOINT_SECONDS; this command signs one"
            " when the hub's signing key is at hand)",
            file=sys.stderr,
        )
    return 0


def _verify(args: argparse.Namespace, settings: Settings) -> int:
    if args.jobs < 1:
        raise ValueError("--jobs: must be at least 1")
    return audit_verify(
        args.source or settings.event_store,
        args.keys or settings.public_keys,
        args.checkpoints,
        policy=policy_from(args),
        tsa_roots=tsa_roots_from(args),
        allow_unanchored=args.allow_unanchored,
        jobs=args.jobs,
        agency_keys_path=args.agency_keys,
    )


def _size_of(source: str) -> int | None:
    """The trail's size for a progress bar, or None (a file, or a source that fails: the
    verification says why)."""
    try:
        return trail_size(source)
    except (OSError, ValueError):
        return None


def audit_verify(
    source: str,
    keys_path: Path,
    checkpoint_files: Sequence[Path] = (),
    *,
    policy: WitnessPolicy | None = None,
    tsa_roots: Sequence[Any] = (),
    allow_unanchored: bool = False,
    jobs: int = 1,
    agency_keys_path: Path | None = None,
) -> int:
    """Verify a trail (with its own or the store's checkpoints) and print the outcome.

    With a witness ``policy``, some checkpoint must carry its quorum of cosignatures; with
    ``tsa_roots``, every checkpoint's RFC 3161 token is verified and reported; with
    ``agency_keys_path``, every agency's request signature in the trail.
    """
    keys = PublicKeyRing.load(keys_path)
    agency_keys = AgencyKeyRing.load(agency_keys_path) if agency_keys_path else None
    with progress("verifying", _size_of(source)) as advance:
        ok, lines = verify_source(
            source,
            keys,
            records=read_checkpoint_records(checkpoint_files),
            policy=policy,
            tsa_roots=tsa_roots,
            allow_unanchored=allow_unanchored,
            watch=partial(counted, advance=advance),
            jobs=jobs,
            agency_keys=agency_keys,
        )
    for line in lines:
        print(line)
    return 0 if ok else 1


# -- checkpoints ----------------------------------------------------------------------


def _audit_log(
    source: str | None, settings: Settings, keys_path: Path | None = None, *, writes: bool = False
) -> AuditLog:
    """The store's log; ``writes`` creates the checkpoint table if it is missing."""
    url = store_url(source or settings.event_store)
    if url is None:
        raise ValueError(f"{source}: needs a store (SQLite file or PostgreSQL URL), not an export")
    history = load_history(keys_path or settings.public_keys)
    recorder = open_recorder(url)
    return AuditLog(
        recorder,
        checkpoint_store_for(recorder, create=writes),
        origin=history.origin,
        keys=PublicKeyRing.from_history(history),
        tiles=tile_store_for(recorder, create=writes),
    )


def _sign(args: argparse.Namespace, settings: Settings) -> int:
    log = _audit_log(args.source, settings, writes=True)
    signer = load_signer(settings.signing_key)
    try:
        stored = Checkpointer(log, signer).sign()
    except LogInconsistent as error:
        print(f"REFUSED: {error}")
        return 1
    if stored is None:
        latest = log.store.latest()
        print(f"nothing new: checkpoint of size {latest.tree_size if latest else 0} is current")
        return 0
    print(stored.note, end="")
    return 0


def _checkpoints(args: argparse.Namespace, settings: Settings) -> int:
    url = store_url(args.source or settings.event_store)
    if url is None:
        raise ValueError("checkpoints are read from a store (SQLite file or PostgreSQL URL)")
    if args.output == "-":
        write_checkpoint_records(url, sys.stdout)
    else:
        with Path(args.output).open("w", encoding="utf-8") as out:
            count = write_checkpoint_records(url, out)
        print(f"wrote {count} checkpoints to {args.output}", file=sys.stderr)
    return 0


def _consistency(args: argparse.Namespace, settings: Settings) -> int:
    keys = PublicKeyRing.load(args.keys or settings.public_keys)
    try:
        old = open_hub_checkpoint(_one_note(args.old), keys)
        new = open_hub_checkpoint(_one_note(args.new), keys)
    except ValueError as error:
        print(f"FAILED: a checkpoint does not verify: {error}")
        return 1
    if old.size > new.size:
        print(
            f"FAILED: the newer checkpoint (size {new.size}) is smaller than the older ({old.size})"
        )
        return 1
    try:
        if args.proof:
            proof = _read_proof(args.proof)
        else:
            proof = _recompute_proof(args.source or settings.event_store, old.size, new.size)
        verify_consistency(old.size, new.size, old.root, new.root, proof)
    except ProofError as error:
        print(f"FAILED: checkpoint of size {new.size} does not extend size {old.size}: {error}")
        return 1
    print(
        f"OK: checkpoint of size {new.size} (key {new.key_id}) extends checkpoint of size"
        f" {old.size} (key {old.key_id}); {len(proof)}-hash consistency proof verified"
    )
    return 0


def _one_note(path: Path) -> str:
    notes = read_checkpoint_notes(path)
    if len(notes) != 1:
        raise ValueError(f"{path}: expected one checkpoint note, found {len(notes)}")
    return notes[0]


def _read_proof(path: Path) -> list[bytes]:
    text = path.read_text(encoding="utf-8").strip()
    hashes = json.loads(text).get("proof", []) if text.startswith("{") else text.split()
    return [base64.b64decode(h, validate=True) for h in hashes]


def _recompute_proof(source: str, old_size: int, new_size: int) -> list[bytes]:
    tree = MerkleTree()
    for event in read_trail(source):
        if tree.size == new_size:
            break
        tree.append_leaf_hash(event.leaf_hash())
    if tree.size < new_size:
        raise ProofError(f"the trail has only {tree.size} events, fewer than {new_size}")
    return tree.consistency_proof(old_size, new_size)


# -- evidence bundles -----------------------------------------------------------------


def _bundle(args: argparse.Namespace, settings: Settings) -> int:
    keys_path = args.keys or settings.public_keys
    log = _audit_log(args.source, settings, keys_path)
    with progress("reading the log", _size_of(args.source or settings.event_store)) as advance:
        log.sync(partial(counted, advance=advance))  # the tree and the aggregate map
    with progress("building the bundle", log.checkpoint(args.tree_size).tree_size) as advance:
        bundle = build_bundle(
            log,
            args.subject,
            load_history(keys_path),
            tree_size=args.tree_size,
            watch=partial(counted, advance=advance),
        )
    anchors = anchor_store_for(log.recorder, create=False)
    size = log.checkpoint(args.tree_size).tree_size
    bundle = replace(bundle, checkpoint=witnessed_note(bundle.checkpoint, anchors.for_size(size)))
    Path(args.output).write_text(bundle.to_json(), encoding="utf-8")
    print(
        f"wrote evidence for {bundle.subject}: {len(bundle.events)} events in the checkpoint"
        f" of size {log.checkpoint(args.tree_size).tree_size} -> {args.output}"
    )
    return 0


def _verify_bundle(args: argparse.Namespace, settings: Settings) -> int:
    keys_path: Path | None = args.keys
    if keys_path is None and settings.public_keys.exists():
        keys_path = settings.public_keys
    trusted = PublicKeyRing.load(keys_path) if keys_path else None
    agency_keys = AgencyKeyRing.load(args.agency_keys) if args.agency_keys else None
    try:
        report = verify_bundle(
            args.bundle.read_bytes(), trusted, policy=policy_from(args), agency_keys=agency_keys
        )
    except BundleError as error:
        print(f"FAILED: {error}")
        return 1
    summary = (
        f"{report.subject}: {report.events} events of {report.aggregates} aggregate(s)"
        f" are in the log's checkpoint of size {report.tree_size}, signed by {report.key_id}"
        f" ({report.origin})"
    )
    if not report.pinned:
        # Anyone can make a self-consistent bundle under keys of their own: without the
        # hub's published keys this proves nothing about the hub.
        print(f"UNPINNED: {summary}")
        print(
            "  the keys came from the bundle itself, so it is not proven to come from the hub:"
            " pass --keys with the hub's published public-key file"
        )
        return 3
    print(f"OK: {summary}")
    if report.witnesses:
        print(f"  witnesses: {report.witnesses}")
    if report.complete:
        print(
            f"  complete: the checkpoint's aggregate map proves these are all the events of"
            f" {report.kind} {report.subject} up to log size {report.tree_size}"
        )
    else:
        print("  one event and its chain: not a claim that the record has no other events")
    if report.agency_signatures:
        by_agency = ", ".join(f"{a} {n}" for a, n in sorted(report.agency_signatures.items()))
        print(
            f"  agency signatures: {sum(report.agency_signatures.values())} signed requests"
            f" verified ({by_agency}), covering {report.attested} events"
        )
    elif report.attested:
        print(
            f"  agency signatures: {report.attested} events carry an agency's signed request,"
            " NOT CHECKED (pass --agency-keys)"
        )
    return 0


def _mirror(args: argparse.Namespace, settings: Settings) -> int:
    keys = PublicKeyRing.load(args.keys or settings.public_keys)
    try:
        report = mirror_log(http_fetch(args.url), keys)
    except MirrorError as error:
        print(f"FAILED: {error}")
        return 1
    except OSError as error:
        print(f"tabadol: cannot fetch {args.url}: {error}", file=sys.stderr)
        return 2
    if args.output:
        with Path(args.output).open("w", encoding="utf-8") as out:
            write_mirror(report, out)
    print(
        f"OK: mirrored {report.size} entries ({report.bundles} entry bundles, {report.tiles}"
        f" hash tiles) from {args.url}; tiles, root, {report.trail.signatures} signatures and"
        " the aggregate map verified"
    )
    if args.output:
        print(f"  written to {args.output} (tabadol audit verify reads it)")
    return 0


# -- standalone -----------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m hub.cli.audit {audit,keys} …``: the same commands as ``tabadol``."""
    from hub.cli.keys import add_keys_parser, run_keys

    parser = argparse.ArgumentParser(prog="tabadol", description="Tabadol audit and keys")
    sub = parser.add_subparsers(dest="command", required=True)
    add_audit_parser(sub)
    add_keys_parser(sub)
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.command == "audit":
            return run_audit(args, settings)
        return run_keys(args, settings)
    except (ConfigError, KeyFileError, FileNotFoundError, ValueError) as error:
        print(f"tabadol: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
