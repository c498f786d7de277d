"""Runs, `score --dataset` and submissions give `score_texts` the same inputs (one builder),
so a board's image-fidelity metrics are computed on a submission as they are on a run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lb_fixtures import board_config, write_predictions

from petar_bench.leaderboard import ModelInfo, SubmissionMetadata, TrainingData, submit
from petar_bench.metrics._inputs import dataset_inputs, needs_measurements

FIDELITY = ["pet_suvmax_fidelity", "pet_size_fidelity"]


def test_measurements_only_when_a_metric_needs_them(demo_dataset) -> None:
    manifest = demo_dataset.manifest
    records = manifest.split("test")[:4]
    predictions = {r.sample_id: r.reference for r in records}
    common = {
        "root": demo_dataset.root,
        "dataset": manifest.dataset,
        "synthetic": manifest.synthetic,
        "split_fingerprint": "sha256:x",
    }
    assert not needs_measurements(["bleu4", "rouge_l", "unknown-metric"])
    assert needs_measurements(["bleu4", "pet_size_fidelity"])
    plain = dataset_inputs(predictions, records, ["bleu4"], **common)
    assert plain.measurements is None and "measurements" not in plain.context()
    measured = dataset_inputs(predictions, records, ["pet_suvmax_fidelity"], **common)
    assert measured.measurements is not None
    assert set(measured.measurements) == {r.sample_id for r in records}
    for record in records:  # the demo generator writes the SUVmax it measured
        assert measured.measurements[record.sample_id]["suv_max"] == record.fields.suv_max
    assert measured.context()["patient_ids"] == {r.sample_id: r.patient_id for r in records}
    no_root = dataset_inputs(predictions, records, FIDELITY, **{**common, "root": None})
    assert no_root.measurements is None


def test_submission_computes_the_boards_fidelity_metrics(demo_dataset, tmp_path: Path) -> None:
    manifest = demo_dataset.manifest
    board = tmp_path / "board"
    board.mkdir()
    config = board_config(
        manifest,
        split_fingerprint=manifest.fingerprint("test"),
        required_metrics=["rouge_l"],
        optional_metrics=FIDELITY,
        primary_metric="rouge_l",
        n_bootstrap=99,
    )
    (board / "board.json").write_text(json.dumps(config))
    rows = [{"sample_id": r.sample_id, "prediction": r.reference} for r in manifest.split("test")]
    predictions = write_predictions(tmp_path / "predictions.jsonl", rows)
    metadata = SubmissionMetadata(
        model=ModelInfo(name="references"), training=TrainingData(description="none")
    )
    entry = submit(predictions, metadata, board=board, out_dir=board).entry
    for metric_id in FIDELITY:
        assert metric_id not in entry.not_computed, entry.not_computed.get(metric_id)
        assert entry.metrics[metric_id].value == pytest.approx(1.0)  # references state the truth
