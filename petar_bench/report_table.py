"""Rich tables of score reports, one column per run, with the synthetic-data banner."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

SYNTHETIC_BANNER = (
    "SYNTHETIC DATA: these scores come from the generated demo dataset. They test the "
    "pipeline and rank baselines on phantoms; they are not comparable to results on real "
    "PET/CT (PETARSeg-11K)."
)


def _cell(metric: Any) -> str:
    value = f"{metric.value:.4f}"
    if metric.ci95 is not None:
        low, high = metric.ci95
        value += f" [{low:.4f}, {high:.4f}]"
    return value


def print_scores(reports: Mapping[str, Any], console: Console) -> None:
    """One table: rows = metrics (in first-seen order), columns = runs."""
    if any(getattr(r, "synthetic", False) for r in reports.values()):
        console.print(Panel(SYNTHETIC_BANNER, style="bold yellow", title="synthetic"))
    metric_ids: list[str] = []
    for report in reports.values():
        metric_ids += [m for m in report.metrics if m not in metric_ids]
    table = Table(title="Scores (value [95% CI, patient bootstrap])")
    table.add_column("metric")
    table.add_column("better")
    for label in reports:
        table.add_column(label, justify="right")
    for metric_id in metric_ids:
        cells, better = [], ""
        for report in reports.values():
            metric = report.metrics.get(metric_id)
            cells.append(_cell(metric) if metric is not None else "-")
            if metric is not None:
                better = "higher" if metric.higher_is_better else "lower"
        table.add_row(metric_id, better, *cells)
    console.print(table)
    for label, report in reports.items():
        n = getattr(report, "n", None)
        fingerprint = getattr(report, "split_fingerprint", None)
        console.print(f"{label}: n={n}, split fingerprint {fingerprint or 'n/a'}")
        for metric_id, reason in (getattr(report, "not_computed", None) or {}).items():
            console.print(f"  not computed: {metric_id}: {reason}")
