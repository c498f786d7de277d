"""scores.json belongs to the run that wrote it: a re-run that dies before scoring leaves no
scores beside its predictions, and scores of another run key are refused on read."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from petar_bench.engine import RunRequest, run_benchmark
from petar_bench.errors import UserError
from petar_bench.leaderboard._loaded import load_scored


def _run(dataset: Path, out: Path, captured: Any, variant: str, scorer: Any) -> Any:
    request = RunRequest(
        model="engine-echo",
        dataset=str(dataset),
        output_dir=out,
        model_options={"variant": variant},
        metrics=("rouge_l",),  # real scores.json files, read back through read_scores
    )
    return run_benchmark(request, scorer=scorer, reporter=captured.reporter)


def _crash_in_scoring(*args: Any, **kwargs: Any) -> Any:
    raise KeyboardInterrupt  # stands for a kill while the metrics run


def test_rerun_that_dies_in_scoring_leaves_no_stale_scores(tiny_dataset, tmp_path, captured):
    run = tmp_path / "run"
    first = _run(tiny_dataset, run, captured, "a", None)
    scores = json.loads((run / "scores.json").read_text())
    assert scores["run_key"] == first.run_key
    load_scored(run)  # its own scores: accepted
    with pytest.raises(KeyboardInterrupt):
        _run(tiny_dataset, run, captured, "b", _crash_in_scoring)
    predictions = (run / "predictions.jsonl").read_text()
    assert predictions.count("[b]") > 0  # the new run's predictions are in place ...
    assert not (run / "scores.json").exists()  # ... and the old scores are gone
    with pytest.raises(UserError, match="no scores.json"):
        load_scored(run)


def test_scores_of_another_run_key_are_refused(tiny_dataset, tmp_path, captured):
    a, b = tmp_path / "a", tmp_path / "b"
    first = _run(tiny_dataset, a, captured, "a", None)
    second = _run(tiny_dataset, b, captured, "b", None)
    shutil.copy(a / "scores.json", b / "scores.json")  # e.g. left by an older version
    for path in (b, b / "scores.json"):
        with pytest.raises(UserError, match=f"written by run {first.run_key}.*{second.run_key}"):
            load_scored(path)
    unstamped = json.loads((a / "scores.json").read_text())
    del unstamped["run_key"]
    (b / "scores.json").write_text(json.dumps(unstamped))
    with pytest.raises(UserError, match="does not say which run it scores"):
        load_scored(b)
