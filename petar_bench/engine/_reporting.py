"""How the engine tells its caller what is happening, without printing anything itself.

`run_benchmark` and `merge_shards` report through a `RunReporter`: the commands give them
one over their terminal console (`petar_bench.console.ConsoleReporter`), a library user may
give any object with these five methods (a logger, a notebook widget, a silent one).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol


class RunReporter(Protocol):
    """What a run tells its caller: lines of text, the synthetic banner, scores, progress."""

    def message(self, text: str) -> None:
        """One line of plain text (it may hold brackets: ids, paths, '[rank 0/2]')."""

    def warning(self, text: str) -> None:
        """Something the user should act on; the run goes on."""

    def synthetic_banner(self) -> None:
        """The data is synthetic: say so before anything else is read as a result."""

    def scores(self, label: str, report: object, *, synthetic: bool) -> None:
        """The scores of a finished run (a ScoreReport, or what a custom scorer returned)."""

    def progress(
        self, total: int, label: str, *, enabled: bool = True
    ) -> AbstractContextManager[Callable[[int], None]]:
        """A context that yields `advance(n)`, called as samples are generated."""
        ...


def terminal_reporter() -> RunReporter:
    """The default: the terminal, as the CLI shows it."""
    from petar_bench.console import ConsoleReporter

    return ConsoleReporter.on_terminal()
