"""The scores file is read through its schema: `read_scores` returns the ScoreReport that
was written, and refuses other schema versions and malformed files with one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from petar_bench.errors import UserError
from petar_bench.metrics.scoring import SCORES_SCHEMA_VERSION, read_scores, score_texts


def _report_file(tmp_path: Path) -> Path:
    report = score_texts(
        {"a": "mild uptake in the left lung", "b": "node", "c": "liver lesion"},
        {"a": "uptake in the left lung", "b": "node in the neck", "c": "liver lesion"},
        ["rouge_l", "bleu1"],
        patient_ids={"a": "p1", "b": "p1", "c": "p2"},
        n_bootstrap=50,
    )
    path = tmp_path / "scores.json"
    path.write_text(report.model_dump_json(indent=1))
    return path


def test_read_scores_returns_what_was_written(tmp_path: Path) -> None:
    path = _report_file(tmp_path)
    report = read_scores(path)
    assert report.schema_version == SCORES_SCHEMA_VERSION == 1
    assert report.sample_ids == ["a", "b", "c"] and report.patient_ids == ["p1", "p1", "p2"]
    assert set(report.metrics) == {"rouge_l", "bleu1"}
    assert report.model_dump_json(indent=1) == path.read_text()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"schema_version": 2}, "schema_version 2; this petar-bench reads version 1"),
        ({"schema_version": None}, "schema_version None"),
        ({"metrics": {"rouge_l": {"value": "high"}}}, "not a valid scores file"),
    ],
)
def test_other_versions_and_bad_fields_are_one_line_errors(
    tmp_path: Path, change: dict, message: str
) -> None:
    path = _report_file(tmp_path)
    data = json.loads(path.read_text())
    data.update(change)
    path.write_text(json.dumps(data))
    with pytest.raises(UserError, match=message) as caught:
        read_scores(path)
    assert "\n" not in str(caught.value)


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        read_scores(tmp_path / "nothing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(UserError, match="is not valid JSON"):
        read_scores(tmp_path / "bad.json")
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(UserError, match="not a scores file"):
        read_scores(tmp_path / "list.json")
