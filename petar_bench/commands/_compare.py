"""`petar-bench compare RUN_A RUN_B`: the comparison table and the optional JSON file.

The statistics live in `petar_bench.leaderboard._compare`; this prints them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from petar_bench.leaderboard._compare import Comparison, compare_runs
from petar_bench.leaderboard._text import safe_text


def comparison_table(result: Comparison) -> Table:
    table = Table(
        title=Text(
            safe_text(
                f"A = {result.a}  vs  B = {result.b}  (n = {result.n}, "
                f"{result.n_clusters} {result.unit} clusters)"
            )
        )
    )
    for header in ("metric", "A", "B", "A - B [95% CI]", "rel.", "d_z", "p", "p (Holm)", "better"):
        table.add_column(header, justify="left" if header == "metric" else "right")
    for r in result.metrics:
        table.add_row(
            safe_text(r.metric),
            f"{r.value_a:.4f}",
            f"{r.value_b:.4f}",
            f"{r.delta:+.4f} [{r.delta_ci95[0]:+.4f}, {r.delta_ci95[1]:+.4f}]",
            "" if r.relative is None else f"{100 * r.relative:+.1f}%",
            "" if r.effect_size_dz is None else f"{r.effect_size_dz:+.2f}",
            f"{r.p_value:.4f}",
            f"{r.p_holm:.4f}",
            r.better,
        )
    return table


def compare_cli(
    run_a: Path,
    run_b: Path,
    *,
    n_trials: int = 10_000,
    seed: int = 12345,
    console: Console,
    metrics: Sequence[str] | None = None,
    output: Path | None = None,
) -> Comparison:
    """What `petar-bench compare` prints (and, with `output`, writes as JSON)."""
    if output is not None:
        from petar_bench.fileio import ensure_output_file

        ensure_output_file(Path(output), what="comparison file")
    result = compare_runs(run_a, run_b, metrics=metrics, n_trials=n_trials, seed=seed)
    if result.synthetic:
        console.print(
            Text("SYNTHETIC DATA: a comparison on the generated demo split.", style="bold yellow")
        )
    console.print(comparison_table(result))
    console.print(
        Text(
            f"Paired approximate randomization ({result.n_trials} trials, whole {result.unit}s "
            f"swapped, seed {result.seed}); Holm over {len(result.metrics)} metrics; better = "
            f"significant at alpha {result.alpha} in the metric's direction.",
            style="dim",
        )
    )
    for metric_id, why in result.skipped.items():
        console.print(Text(safe_text(f"not compared {metric_id}: {why}"), style="dim"))
    if output is not None:
        from petar_bench.fileio import atomic_write_text

        atomic_write_text(Path(output), json.dumps(result.model_dump(mode="json"), indent=1) + "\n")
        console.print(Text(f"comparison written to {output}"))
    return result
