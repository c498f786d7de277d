"""Fixtures of the report and reader-study tests: two tiny scored runs (the non-neural
`measure` and `constant` baselines on the first lesions of the demo test split)."""

from __future__ import annotations

import sys
from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console

# The headless-browser helper is shared with the leaderboard's browser test.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "leaderboard"))

N_SAMPLES = 8
METRICS = ("bleu1", "rouge_l", "pet_region_acc", "pet_laterality_acc")


@pytest.fixture(scope="session")
def report_runs(demo_dataset, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    from petar_bench.console import ConsoleReporter
    from petar_bench.engine import RunRequest, run_benchmark

    root = tmp_path_factory.mktemp("report-runs")
    quiet = ConsoleReporter(Console(file=StringIO()))
    made = []
    for model in ("measure", "constant"):
        request = RunRequest(
            model=model,
            dataset="demo",
            limit=N_SAMPLES,
            output_dir=root / f"run-{model}",
            metrics=METRICS,
        )
        made.append(run_benchmark(request, reporter=quiet, quiet=True).run_dir)
    return made
