"""Library side of `petar-bench ls models|metrics|datasets`."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

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


def _describe(entry: Any) -> tuple[str, str]:
    """(better, signature) of the metric with its default options, built without side
    effects where it offers that: a metric that starts a helper process when built (METEOR's
    JVM) takes `prestart`, and a listing must not start one."""
    try:
        metric = entry.factory(prestart=False)
        signature = metric.signature()  # wrappers build their inner metric only here
    except Exception:  # most metrics have no such option: build it as it comes
        metric = entry.factory()
        signature = metric.signature()
    return ("higher" if metric.higher_is_better else "lower"), signature


def list_metrics(console: Console) -> None:
    """One line per metric (id, better, needs), its signature with default options below.

    Plain lines rather than a table: the signatures are long, a table folds them into a
    narrow column, and laying out a 40-row table costs more than the rest of the command.
    """
    rows: list[tuple[str, str, str, str]] = []
    for entry in registry.metrics.entries():
        try:
            better, signature = _describe(entry)
        except Exception as exc:  # a metric that cannot be built still gets listed
            better, signature = "?", f"(unavailable: {str(exc).splitlines()[0]})"
        rows.append((entry.name, better, ", ".join(entry.needs) or "-", signature))
    width = max([len("id"), *(len(r[0]) for r in rows)])
    console.print(Text("Metrics", style="bold"))
    console.print(Text(f"{'id':<{width}}  better  needs", style="bold"))
    console.print(Text("  signature (default options)", style="dim"))
    for name, better, needs, signature in rows:
        line = Text(f"{name:<{width}}", style="bold")
        line.append(f"  {better:<6}  {needs}")
        console.print(line)
        console.print(Text(f"  {signature}", style="dim"), overflow="fold")


def list_datasets(console: Console) -> None:
    table = Table(title="Datasets")
    for column in ("name", "description"):
        table.add_column(column)
    for entry in registry.datasets.entries():
        table.add_row(escape(entry.name), escape(entry.description))
    console.print(table)
    console.print("Any directory with a manifest.json can be passed as --dataset DIR.")
