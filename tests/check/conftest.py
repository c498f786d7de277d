"""Real run directories for the check tests: measure and constant on the demo test split, and
a copy of measure whose numbers were perturbed in 20% of the samples (re-scored)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from rich.console import Console

#: No Java metric: these tests are about check, not METEOR.
METRICS = ("bleu4", "rouge_l", "pet_region_acc", "pet_suvmax_fidelity")


def _run(model: str, out: Path) -> Path:
    from petar_bench.engine import RunRequest, run_benchmark

    result = run_benchmark(
        RunRequest(model=model, dataset="demo", split="test", output_dir=out, metrics=METRICS),
        quiet=True,
    )
    assert result.complete and result.scored and result.n_failed == 0
    return out


def _shift(match: re.Match[str]) -> str:
    text = match.group(0)
    return f"{float(text) + 2.5:.1f}" if "." in text else str(int(text) + 7)


def perturb_numbers(run_dir: Path, out: Path, every: int = 5) -> Path:
    """Copy a run and change every number in every `every`-th prediction (20% for 5).

    The copy is re-scored with `petar-bench score`; its config.json goes (these predictions
    are not the run's any more, and a run's scores must carry its run key)."""
    from petar_bench.commands._score import score_files

    shutil.copytree(run_dir, out)
    (out / "config.json").unlink()
    (out / "scores.json").unlink()
    rows = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    for i, row in enumerate(rows):
        if i % every == 0:
            row["prediction"] = re.sub(r"\d+(?:\.\d+)?", _shift, row["prediction"])
    (out / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    score_files(
        out / "predictions.jsonl",
        references=None,
        dataset="demo",
        split="test",
        metrics=METRICS,
        output=out / "scores.json",
        console=Console(quiet=True),
    )
    # 'score' does not know the run; the copy keeps its run's key, as a re-scored run would.
    scores = json.loads((out / "scores.json").read_text())
    scores["run_key"] = json.loads((run_dir / "scores.json").read_text())["run_key"]
    (out / "scores.json").write_text(json.dumps(scores))
    return out


@pytest.fixture(scope="session")
def check_runs(demo_dataset, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("check-runs")
    runs = {m: _run(m, root / m) for m in ("measure", "constant")}
    runs["perturbed"] = perturb_numbers(runs["measure"], root / "perturbed")
    return runs
