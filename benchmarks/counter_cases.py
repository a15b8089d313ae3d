"""Supervision benchmark: the time of one ``ListCounterCases`` page (the use case) over a
store holding many opened cases.

Run:  .venv/bin/python -m benchmarks.counter_cases [--store sqlite|postgres] [--cases 3000]
          [--share 30] [--page 100] [--rounds 5]

The store gets ``--cases`` opened cases of MOJ's service: one in ``--share`` by counter
P-1001 (one counter among many: 100 of 3,000), the others by counter P-2002 and MOJ itself;
then P-1001's pages of ``--page`` cases are read by MOJ:
the first page (on a new process, the index folds the log once: "cold"), the first page
again, the last page, and every page (all of P-1001's cases, following the tokens), the
median of ``--rounds`` each.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from benchmarks._support import temporary_store
from hub.application.hub import TabadolHub
from hub.config import Settings
from hub.servicers.convert import spec_from_proto
from hub.trail.keys import Signer
from tests.samples import AGENCY, SERVICE_CODE, applicant, spec_proto

COUNTERS = ("counter:P-1001", "counter:P-2002")


def _hub(url: str, tmp: Path) -> TabadolHub:
    settings = Settings.from_env(
        {"TABADOL_DATA_DIR": str(tmp / "data"), "TABADOL_EVENT_STORE": url}
    )
    return TabadolHub(Signer(Ed25519PrivateKey.generate()), env=settings.eventsourcing_env())


def _fill(hub: TabadolHub, cases: int, share: int) -> None:
    hub.catalogue.register_service_record(SERVICE_CODE, spec_from_proto(spec_proto()), by=AGENCY)
    for number, counter in enumerate(COUNTERS, start=1):
        code = counter.removeprefix("counter:")
        hub.counters.register_counter(
            code,
            name=f"دفتر پیشخوان {code}",
            kind="government",
            province="tehran",
            county="تهران",
            address=f"خیابان {number}",
            postal_code="1316943891",
            by=counter,
        )
        hub.counters.delegate(counter, SERVICE_CODE, level="full", by=AGENCY, reason="bench")
    for serial in range(cases):
        hub.cases.open_case(
            SERVICE_CODE,
            applicant(serial + 1),
            channel="web",
            postal_code="1316943891",
            by=COUNTERS[0] if serial % share == 0 else (COUNTERS[1], AGENCY)[serial % 2],
        )


def _ms(call: object) -> float:
    started = time.perf_counter()
    call()  # type: ignore[operator]
    return (time.perf_counter() - started) * 1000


def run(store: str, cases: int, share: int, page: int, rounds: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="tabadol-bench-counters-") as tmp_dir:
        tmp = Path(tmp_dir)
        url, drop = temporary_store(store, tmp)
        try:
            filler = _hub(url, tmp)
            _fill(filler, cases, share)
            filler.close()
            cold, first, final, walk = [], [], [], []
            for _ in range(rounds):
                hub = _hub(url, tmp)  # a new process's view of the store
                try:

                    def page_at(token: str, hub: TabadolHub = hub) -> object:
                        return hub.cases.counter_cases(
                            AGENCY, "P-1001", page_size=page, page_token=token
                        )

                    cold.append(_ms(lambda: page_at("")))
                    first.append(_ms(lambda: page_at("")))
                    tokens = [""]
                    started = time.perf_counter()
                    while token := page_at(tokens[-1]).next_page_token:  # type: ignore[attr-defined]
                        tokens.append(token)
                    walk.append((time.perf_counter() - started) * 1000)
                    last = tokens[-1]
                    final.append(_ms(lambda last=last: page_at(last)))  # type: ignore[misc]
                finally:
                    hub.close()
        finally:
            drop()
    return {
        "store": store,
        "cases": cases,
        "p1001_cases": len(range(0, cases, share)),
        "page": page,
        "first_page_cold_ms": round(statistics.median(cold), 1),
        "first_page_ms": round(statistics.median(first), 1),
        "last_page_ms": round(statistics.median(final), 1),
        "all_pages_ms": round(statistics.median(walk), 1),
        "pages": len(tokens),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--share", type=int, default=30, help="P-1001 opens one case in N")
    parser.add_argument("--page", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="600 cases, two rounds")
    args = parser.parse_args()
    if args.quick:
        args.cases, args.rounds = 600, 2
    print(
        json.dumps(
            run(args.store, args.cases, args.share, args.page, args.rounds), ensure_ascii=False
        )
    )


if __name__ == "__main__":
    main()
