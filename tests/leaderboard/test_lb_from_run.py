"""Submitting a run directory (how baseline entries are made): metadata from config.json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from petar_bench.errors import UserError
from petar_bench.leaderboard.from_run import run_metadata, submit_run
from petar_bench.records import Manifest


def make_run(tmp_path: Path, predictions: Path, manifest: Manifest, **config: object) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    shutil.copy(predictions, run / "predictions.jsonl")
    data = {
        "model": "constant",
        "model_card": {
            "name": "constant",
            "description": "most frequent training finding",
            "decoding": {},
            "settings": {},
        },
        "dataset": manifest.dataset,
        "split_fingerprint": manifest.split_fingerprints["test"],
        "full_split": True,
        "provenance": {"packages": {"petar-bench": "0.1.0"}},
    }
    data.update(config)
    (run / "config.json").write_text(json.dumps(data))
    return run


def test_baseline_run_becomes_an_entry(
    board: Path, manifest: Manifest, predictions_for, tmp_path: Path
) -> None:
    run = make_run(tmp_path, predictions_for("c"), manifest)
    result = submit_run(run, board=board, out_dir=board, dataset=manifest)
    entry = result.entry
    assert entry.kind == "baseline" and entry.model.name == "constant"
    assert entry.training.datasets[0].split == "train"  # the constant adapter fits on train
    assert entry.declared_harness_version == "0.1.0"
    assert entry.notes == "most frequent training finding"


def test_rule_based_adapter_declares_no_training_data() -> None:
    meta = run_metadata(
        {"model": "measure", "model_card": {"name": "measure"}, "dataset": "synthetic-demo"}
    )
    assert meta.training.datasets == [] and meta.training.description.startswith("none")


def test_pretrained_or_unknown_models_must_declare() -> None:
    card = {"name": "petar-4b", "checkpoint": "laynad/PETAR-4B"}
    with pytest.raises(UserError, match="declare its training data"):
        run_metadata({"model": "petar-4b", "model_card": card, "dataset": "x"})
    with pytest.raises(UserError, match="declare its training data"):
        run_metadata({"model": "no-such-model", "model_card": {}, "dataset": "x"})


def test_partial_run_is_refused(
    board: Path, manifest: Manifest, predictions_for, tmp_path: Path
) -> None:
    run = make_run(tmp_path, predictions_for("c"), manifest, full_split=False)
    with pytest.raises(UserError, match="only part of its split"):
        submit_run(run, board=board, out_dir=board, dataset=manifest)
    with pytest.raises(UserError, match="not a finished run"):
        submit_run(tmp_path, board=board, out_dir=board, dataset=manifest)
