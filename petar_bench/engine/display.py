"""What a run prints: the synthetic-data banner and the score table."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from petar_bench.engine.finalize import SYNTHETIC_BANNER, report_json


def plain(console: Console, text: str) -> None:
    """Print text that may hold brackets (ids, paths, '[rank 0/2]') without markup."""
    console.print(text, markup=False, highlight=False)


def warning(console: Console, text: str) -> None:
    console.print(Text("warning: ", style="yellow") + Text(text), highlight=False)


def print_banner(console: Console) -> None:
    console.print(f"[bold yellow]{SYNTHETIC_BANNER}[/]")


def show_scores(console: Console, label: str, report: Any, *, synthetic: bool) -> None:
    """The shared report table when the report is a ScoreReport, else a plain one."""
    if hasattr(report, "metrics") and not isinstance(report, dict):
        from petar_bench.report_table import print_scores

        if synthetic and not getattr(report, "synthetic", False):
            print_banner(console)
        print_scores({label: report}, console)
        return
    if synthetic:
        print_banner(console)
    console.print(_plain_table(label, json.loads(report_json(report))))


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
