"""Library side of `petar-bench ls models|metrics|datasets`."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from petar_bench import registry


def list_models(console: Console) -> None:
    table = Table(title="Model adapters")
    for column in ("name", "description", "needs", "source"):
        table.add_column(column)
    for entry in registry.models.entries():
        table.add_row(
            *(escape(c) for c in (entry.name, entry.description, ", ".join(entry.needs) or "-")),
            escape(entry.source),
        )
    console.print(table)
    console.print("Third-party adapters register through the 'petar_bench.models' entry point.")


def list_metrics(console: Console) -> None:
    table = Table(title="Metrics")
    for column in ("id", "better", "needs", "signature (defaults)"):
        table.add_column(column, overflow="fold")
    for entry in registry.metrics.entries():
        try:
            metric = entry.factory()
            better = "higher" if metric.higher_is_better else "lower"
            signature = metric.signature()
        except Exception as exc:  # a metric that cannot be built still gets listed
            better, signature = "?", f"(unavailable: {str(exc).splitlines()[0]})"
        needs = ", ".join(entry.needs) or "-"
        table.add_row(*(escape(c) for c in (entry.name, better, needs, signature)))
    console.print(table)


def list_datasets(console: Console) -> None:
    table = Table(title="Datasets")
    for column in ("name", "description"):
        table.add_column(column)
    for entry in registry.datasets.entries():
        table.add_row(escape(entry.name), escape(entry.description))
    console.print(table)
    console.print("Any directory with a manifest.json can be passed as --dataset DIR.")
