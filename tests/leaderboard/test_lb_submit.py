"""Submissions: validation (every problem named at once), re-scoring, atomic entry writing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lb_fixtures import write_predictions

from petar_bench.errors import UserError
from petar_bench.leaderboard import (
    ModelInfo,
    SubmissionMetadata,
    TrainingData,
    TrainingSplit,
    read_entry,
    submit,
)
from petar_bench.records import Manifest


def meta(name: str = "model-a", **training: object) -> SubmissionMetadata:
    return SubmissionMetadata(
        model=ModelInfo(
            name=name,
            organisation="Org",
            parameters="4B",
            link="https://example.org/m",
            decoding={"greedy": True},
        ),
        training=TrainingData(description="none (zero-shot)", **training),  # type: ignore[arg-type]
    )


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_submit_writes_a_complete_entry(board: Path, manifest: Manifest, predictions_for) -> None:
    result = submit(predictions_for("a"), meta(), board=board, out_dir=board, dataset=manifest)
    entry = read_entry(result.path)
    assert json.loads(result.path.read_text()) == json.loads(result.entry.model_dump_json())
    assert "[" in result.path.read_text().split('"stats": [')[1].splitlines()[1]  # row per line
    test = manifest.split("test")
    assert result.path.parent == board and entry.entry_id.startswith("model-a-")
    assert entry.sample_ids == [r.sample_id for r in test]
    assert entry.split_fingerprint == manifest.split_fingerprints["test"]
    assert set(entry.metrics) == {"lbtest_f1", "lbtest_exact", "lbtest_dist"}
    f1 = entry.metrics["lbtest_f1"]
    assert f1.signature.startswith("impl:lbtest|tok:space") and "boot-patient-200" in f1.signature
    assert f1.ci95 is not None and f1.ci95[0] <= f1.value <= f1.ci95[1]
    assert len(f1.stats) == len(test) and len(f1.stats[0]) == 3
    assert len(entry.predictions_sha256) == 64
    assert max(entry.patient_index) == len({r.patient_id for r in test}) - 1
    assert set(entry.strata) >= {"tracer"}


def test_default_out_dir_is_the_users_board_folder(
    board: Path, manifest: Manifest, predictions_for, _isolated_home: Path
) -> None:
    result = submit(predictions_for("a"), meta(), board=board, dataset=manifest)
    assert result.path.parent == _isolated_home / "leaderboard" / "lbtest"


def test_missing_duplicated_and_foreign_ids_are_all_named(
    board: Path, manifest: Manifest, tmp_path: Path
) -> None:
    test = manifest.split("test")
    rows: list[dict | str] = [{"sample_id": r.sample_id, "prediction": "x y"} for r in test[3:]]
    rows.append({"sample_id": test[5].sample_id, "prediction": "again"})
    rows.append({"sample_id": "other_split_1", "prediction": "z"})
    rows.append("{not json")
    rows.append({"sample_id": test[0].sample_id, "prediction": "   "})
    path = write_predictions(tmp_path / "bad.jsonl", rows)
    with pytest.raises(UserError) as caught:
        submit(path, meta(), board=board, out_dir=board, dataset=manifest)
    message = str(caught.value)
    assert "\n" not in message
    assert f"2 sample ids missing: {test[1].sample_id}, {test[2].sample_id}" in message
    assert f"1 duplicated: {test[5].sample_id} (lines 3, {len(test) - 3 + 1})" in message
    assert "1 not in split test of lbtest-data: other_split_1" in message
    assert f"line {len(test) - 3 + 3}: not valid JSON" in message
    assert f"prediction for '{test[0].sample_id}' is empty" in message
    assert files_in(board) == ["board.json"]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"prediction": "x"}, "'sample_id' missing"),
        ({"sample_id": "S", "prediction": 3}, "is int, not text"),
        ({"sample_id": "S", "prediction": None}, "is NoneType, not text"),
        ({"sample_id": "S"}, "'prediction' missing"),
        ({"sample_id": "S", "prediction": "w " * 6000}, "characters (limit 10000)"),
        ([1, 2], "not a JSON object"),
    ],
)
def test_bad_rows_are_refused(
    board: Path, manifest: Manifest, tmp_path: Path, row, expected
) -> None:
    rows = [{"sample_id": r.sample_id, "prediction": "x"} for r in manifest.split("test")]
    path = write_predictions(tmp_path / "p.jsonl", [*rows, json.dumps(row)])
    with pytest.raises(UserError, match=re.escape(expected)):
        submit(path, meta(), board=board, out_dir=board, dataset=manifest)
    assert files_in(board) == ["board.json"]


def test_size_limits(board: Path, manifest: Manifest, tmp_path: Path) -> None:
    config = json.loads((board / "board.json").read_text())
    config["limits"] = {"max_file_bytes": 500, "max_line_bytes": 100, "max_prediction_chars": 50}
    (board / "board.json").write_text(json.dumps(config))
    rows = [{"sample_id": r.sample_id, "prediction": "x"} for r in manifest.split("test")]
    big = write_predictions(tmp_path / "big.jsonl", rows)
    with pytest.raises(UserError, match="exceeds the limit of 500"):
        submit(big, meta(), board=board, out_dir=board, dataset=manifest)
    config["limits"]["max_file_bytes"] = 10_000
    (board / "board.json").write_text(json.dumps(config))
    rows[0]["prediction"] = "y" * 120
    with pytest.raises(UserError, match=r"line 1: \d+ bytes long \(limit 100\)"):
        submit(
            write_predictions(tmp_path / "long.jsonl", rows),
            meta(),
            board=board,
            out_dir=board,
            dataset=manifest,
        )


def test_another_split_is_refused(board: Path, manifest: Manifest, tmp_path: Path) -> None:
    rows = [{"sample_id": r.sample_id, "prediction": "x"} for r in manifest.split("train")]
    path = write_predictions(tmp_path / "train.jsonl", rows)
    with pytest.raises(UserError, match=r"24 sample ids missing: .*; 8 not in split test"):
        submit(path, meta(), board=board, out_dir=board, dataset=manifest)
    declared = meta().model_copy(update={"split_fingerprint": manifest.split_fingerprints["train"]})
    with pytest.raises(UserError, match="predictions come from another split"):
        submit(path, declared, board=board, out_dir=board, dataset=manifest)


def test_a_changed_dataset_copy_is_refused(
    board: Path, manifest: Manifest, predictions_for
) -> None:
    changed = manifest.model_copy(update={"split_fingerprints": {"test": "sha256:other"}})
    with pytest.raises(UserError, match="run 'petar-bench data verify'"):
        submit(predictions_for("a"), meta(), board=board, out_dir=board, dataset=changed)


def test_harness_version_is_checked(board: Path, manifest: Manifest, predictions_for) -> None:
    future = meta().model_copy(update={"harness_version": "99.0.0"})
    with pytest.raises(UserError, match="made with petar-bench 99.0.0"):
        submit(predictions_for("a"), future, board=board, out_dir=board, dataset=manifest)
    ok = meta().model_copy(update={"harness_version": "0.1.0"})
    assert submit(predictions_for("a"), ok, board=board, out_dir=board, dataset=manifest).path


def test_training_on_test_patients_is_refused(
    board: Path, manifest: Manifest, predictions_for
) -> None:
    leaky = meta(patient_ids=["P100", "P003", "P005"])
    with pytest.raises(UserError, match="2 training patient ids are test patients: P003, P005"):
        submit(predictions_for("a"), leaky, board=board, out_dir=board, dataset=manifest)
    on_test = meta(datasets=[TrainingSplit(dataset="lbtest-data", split="test")])
    with pytest.raises(UserError, match="includes the evaluation split itself"):
        submit(predictions_for("a"), on_test, board=board, out_dir=board, dataset=manifest)
    clean = meta(patient_ids=["P100", "P101"], datasets=[TrainingSplit(dataset="x", split="train")])
    entry = submit(predictions_for("a"), clean, board=board, out_dir=board, dataset=manifest).entry
    assert entry.training.n_patients == 2 and entry.training.patient_ids_sha256
    assert "P100" not in entry.model_dump_json()


def test_resubmitting_the_same_file_is_refused(
    board: Path, manifest: Manifest, predictions_for
) -> None:
    path = predictions_for("a")
    submit(path, meta(), board=board, out_dir=board, dataset=manifest)
    with pytest.raises(UserError, match="already exists"):
        submit(path, meta(), board=board, out_dir=board, dataset=manifest)
    assert submit(path, meta(), board=board, out_dir=board, dataset=manifest, overwrite=True)


def test_a_required_metric_that_cannot_run_refuses(
    board: Path, manifest: Manifest, predictions_for
) -> None:
    config = json.loads((board / "board.json").read_text())
    config["required_metrics"] = ["lbtest_f1", "no_such_metric"]
    (board / "board.json").write_text(json.dumps(config))
    with pytest.raises(UserError):
        submit(predictions_for("a"), meta(), board=board, out_dir=board, dataset=manifest)
    assert files_in(board) == ["board.json"]


def test_unsafe_link_is_refused() -> None:
    with pytest.raises(ValueError, match="http"):
        ModelInfo(name="x", link="javascript:alert(1)")
