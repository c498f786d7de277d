"""Everything the suite prints on a terminal: messages, the synthetic-data banner, score
tables (one column per run) and progress bars that stay quiet where nobody watches.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

#: The one-line banner (a run announces it); the score table adds the explanation below.
SYNTHETIC_BANNER = "SYNTHETIC DATA — not comparable to real results"
SYNTHETIC_EXPLANATION = (
    "These scores come from the generated demo dataset. They test the pipeline and rank "
    "baselines on phantoms; they are not comparable to results on real PET/CT (PETARSeg-11K)."
)

# ---- messages -----------------------------------------------------------------------------


def plain(console: Console, text: str) -> None:
    """Print text that may hold brackets (ids, paths, '[rank 0/2]') without markup."""
    console.print(text, markup=False, highlight=False)


def warning(console: Console, text: str) -> None:
    console.print(Text("warning: ", style="yellow") + Text(text), highlight=False)


def print_banner(console: Console) -> None:
    console.print(f"[bold yellow]{SYNTHETIC_BANNER}[/]")


# ---- score tables -------------------------------------------------------------------------


def _number(value: float | None, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _cell(metric: Any) -> str:
    """'value [low, high]'; n/a where a value is undefined (e.g. no lesion states the field)."""
    text = _number(metric.value)
    if metric.ci95 is not None and metric.value is not None:
        low, high = metric.ci95
        text += f"\n[dim][{_number(low, 3)}, {_number(high, 3)}][/]"
    return text


def print_scores(reports: Mapping[str, Any], console: Console) -> None:
    """One table: rows = metrics (in first-seen order), columns = runs."""
    if any(getattr(r, "synthetic", False) for r in reports.values()):
        console.print(
            Panel(
                f"{SYNTHETIC_BANNER}. {SYNTHETIC_EXPLANATION}",
                style="bold yellow",
                title="synthetic",
            )
        )
    metric_ids: list[str] = []
    for report in reports.values():
        metric_ids += [m for m in report.metrics if m not in metric_ids]
    table = Table(title="Scores: value and [95% CI] (patient-clustered bootstrap)")
    table.add_column("metric", no_wrap=True)
    table.add_column("better")
    for label in reports:
        table.add_column(escape(label), justify="right")
    for metric_id in metric_ids:
        cells, better = [], ""
        for report in reports.values():
            metric = report.metrics.get(metric_id)
            cells.append(_cell(metric) if metric is not None else "-")
            if metric is not None:
                better = "higher" if metric.higher_is_better else "lower"
        table.add_row(escape(metric_id), better, *cells)
    console.print(table)
    shared = {
        (getattr(r, "n", None), getattr(r, "split_fingerprint", None)) for r in reports.values()
    }
    if len(shared) == 1:
        n, fingerprint = shared.pop()
        console.print(
            escape(f"n={n} samples; split fingerprint {fingerprint or 'n/a'}"), soft_wrap=True
        )
    else:
        for label, report in reports.items():
            console.print(
                escape(f"{label}: n={report.n}; split fingerprint {report.split_fingerprint}"),
                soft_wrap=True,
            )
    for label, report in reports.items():
        for metric_id, metric in report.metrics.items():
            for warning in getattr(metric, "warnings", None) or []:
                console.print(escape(f"{label}: warning: {metric_id}: {warning}"), soft_wrap=True)
        for metric_id, reason in (getattr(report, "not_computed", None) or {}).items():
            console.print(escape(f"{label}: not computed: {metric_id}: {reason}"), soft_wrap=True)


def show_scores(console: Console, label: str, report: Any, *, synthetic: bool) -> None:
    """The score table of one report (a ScoreReport, or a plain dict from a custom scorer)."""
    if hasattr(report, "metrics") and not isinstance(report, dict):
        if synthetic and not getattr(report, "synthetic", False):
            print_banner(console)
        print_scores({label: report}, console)
        return
    if synthetic:
        print_banner(console)
    data = report.model_dump(mode="json") if hasattr(report, "model_dump") else dict(report)
    console.print(_plain_table(label, data))


def _plain_table(label: str, data: dict[str, Any]) -> Table:
    table = Table(title=f"Scores: {label}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("95% CI", justify="right")
    for metric_id, metric in (data.get("metrics") or {}).items():
        value = metric.get("value") if isinstance(metric, dict) else metric
        ci = metric.get("ci95") if isinstance(metric, dict) else None
        shown = f"{value:.4f}" if isinstance(value, (int, float)) else str(value)
        ci_text = f"[{ci[0]:.4f}, {ci[1]:.4f}]" if isinstance(ci, (list, tuple)) else "-"
        table.add_row(metric_id, shown, ci_text)
    return table


# ---- progress -----------------------------------------------------------------------------


def running_under_ci() -> bool:
    """CI systems set CI (GitHub: "true", GitLab/Travis: "true", some: "1"); "false"/"0" or
    an empty value mean a developer switched it off."""
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def progress_enabled(console: Console) -> bool:
    """Bars only on a terminal, and never under CI (logs would fill with redraws)."""
    return console.is_terminal and not running_under_ci()


@contextmanager
def progress_bar(
    console: Console, total: int, description: str, *, enabled: bool = True
) -> Iterator[Callable[[int], None]]:
    """Yields `advance(n)`; the bar stays on screen with elapsed time and ETA."""
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


@contextmanager
def progress_callback(console: Console, label: str) -> Iterator[Callable[[int, int], None]]:
    """A `(done, total) -> None` callback drawing a transient bar with ETA (no-op when quiet)."""
    if not progress_enabled(console):
        yield lambda done, total: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeRemainingColumn(), console=console, transient=True) as bar:
        task = bar.add_task(escape(label), total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def stderr_progress(label: str) -> AbstractContextManager[Callable[[int, int], None]]:
    """`progress_callback` on a console of its own on stderr, for library code that has no
    console to hand (first use of a cached dataset)."""
    return progress_callback(Console(stderr=True), label)


# ---- a run's reporter ---------------------------------------------------------------------


@dataclass
class ConsoleReporter:
    """A run's messages, banner, score table and progress bar on a rich console (the
    `petar_bench.engine._reporting.RunReporter` the commands hand to the engine)."""

    console: Console = field(default_factory=Console)

    @classmethod
    def on_terminal(cls) -> ConsoleReporter:
        return cls(Console())

    def message(self, text: str) -> None:
        plain(self.console, text)

    def warning(self, text: str) -> None:
        warning(self.console, text)

    def synthetic_banner(self) -> None:
        print_banner(self.console)

    def scores(self, label: str, report: object, *, synthetic: bool) -> None:
        show_scores(self.console, label, report, synthetic=synthetic)

    def progress(
        self, total: int, label: str, *, enabled: bool = True
    ) -> AbstractContextManager[Callable[[int], None]]:
        return progress_bar(self.console, total, label, enabled=enabled)
