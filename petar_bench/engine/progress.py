"""A progress bar with ETA for interactive terminals; nothing but the final count elsewhere."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape


def progress_enabled(console: Console) -> bool:
    """Bars only on a terminal, and never under CI (logs would fill with redraws)."""
    ci = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
    return console.is_terminal and not ci


@contextmanager
def progress_bar(
    console: Console, total: int, description: str, *, enabled: bool = True
) -> Iterator[Callable[[int], None]]:
    """Yields `advance(n)`."""
    if not (enabled and progress_enabled(console)) or total == 0:
        yield lambda n: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(escape(description), total=total)  # '[rank 0/2]' is text
        yield lambda n: progress.advance(task, n)
