"""Progress of long work on a terminal (rich): done, rate and time left; silent otherwise.

``with progress("verifying", total) as advance: ... advance(n)``. When stderr is not a
terminal (a pipe, a log file, a test), nothing is drawn and ``advance`` costs a call.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

__all__ = ["counted", "progress"]

_T = TypeVar("_T")


def _quiet(_: int = 1) -> None:
    return None


@contextmanager
def progress(
    label: str, total: int | None, unit: str = "events"
) -> Iterator[Callable[[int], None]]:
    """A function to call with how much more is done; a bar on a terminal, else nothing."""
    if not sys.stderr.isatty():
        yield _quiet
        return
    columns = [
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total, rate="")

        def advance(n: int = 1) -> None:
            bar.advance(task, n)
            speed = bar.tasks[0].speed
            if speed:
                bar.update(task, rate=f"{speed:,.0f} {unit}/s")

        yield advance


def counted(items: Iterable[_T], advance: Callable[[int], None], every: int = 1000) -> Iterator[_T]:
    """``items`` unchanged, reporting every ``every`` of them to ``advance``."""
    count = 0
    for item in items:
        yield item
        count += 1
        if count == every:
            advance(count)
            count = 0
    if count:
        advance(count)
