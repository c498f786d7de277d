"""`petar-bench demo`: the newcomer's first minute — three baselines on the synthetic demo."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console

DEMO_MODELS = ("measure", "retrieval", "constant")


def run_demo(*, output_dir: Path, metrics: Sequence[str], console: Console) -> dict:
    """Run (or resume) each demo baseline on the demo test split and print one table."""
    from petar_bench.console import ConsoleReporter, print_scores
    from petar_bench.engine import RunRequest, run_benchmark

    reports = {}
    for model in DEMO_MODELS:
        console.print(f"[bold]{model}[/]: generating and scoring the synthetic test split")
        request = RunRequest(
            model=model,
            model_options={},
            dataset="demo",
            split="test",
            output_dir=output_dir / model,
            metrics=tuple(metrics),
            argv=list(sys.argv),
        )
        result = run_benchmark(request, reporter=ConsoleReporter(console), quiet=True)
        reports[model] = result.scores
    print_scores(reports, console)
    console.print(
        f"Run directories: {output_dir}/<model>. Next: 'petar-bench ls models' for real "
        "models, 'petar-bench leaderboard submit' to submit, 'petar-bench --help' for all."
    )
    return reports
