"""Rich tables of score reports, one column per run, with the synthetic-data banner."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

SYNTHETIC_BANNER = (
    "SYNTHETIC DATA: these scores come from the generated demo dataset. They test the "
    "pipeline and rank baselines on phantoms; they are not comparable to results on real "
    "PET/CT (PETARSeg-11K)."
)


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
        console.print(Panel(SYNTHETIC_BANNER, style="bold yellow", title="synthetic"))
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
