"""Progress bars that stay quiet where nobody watches (CI, pipes)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console


def interactive(console: Console) -> bool:
    return console.is_terminal and not os.environ.get("CI")


@contextmanager
def progress_callback(console: Console, label: str) -> Iterator[Callable[[int, int], None]]:
    """A `(done, total) -> None` callback drawing a rich bar with ETA (no-op when quiet)."""
    if not interactive(console):
        yield lambda done, total: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
