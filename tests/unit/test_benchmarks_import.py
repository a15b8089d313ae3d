"""Every benchmark still imports against today's code (benchmarks are not run by
``make test``; a stale one would otherwise be found only by ``make bench``)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import benchmarks

MODULES = sorted(
    m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.name.startswith("_")
)


def test_there_are_benchmarks() -> None:
    assert {"cases", "ledger", "audit", "views"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_a_benchmark_module_imports_and_has_a_main(name: str) -> None:
    module = importlib.import_module(f"benchmarks.{name}")
    assert callable(getattr(module, "main", None)), f"benchmarks.{name} has no main()"


@pytest.mark.parametrize("name", MODULES)
def test_every_benchmark_has_a_quick_mode_and_is_in_make_bench(name: str) -> None:
    source = inspect.getsource(importlib.import_module(f"benchmarks.{name}"))
    assert '"--quick"' in source, f"benchmarks.{name} has no --quick mode"
    makefile = (Path(__file__).parents[2] / "Makefile").read_text(encoding="utf-8")
    bench = makefile.split("\nbench:", 1)[1].split("\n\n", 1)[0]
    assert re.search(rf"benchmarks\.{name}\b", bench), f"make bench does not run {name}"
    quick = makefile.split("\nbench-quick:", 1)[1].split("\n\n", 1)[0]
    assert re.search(rf"\b{name}\b", quick), f"make bench-quick does not run {name}"
