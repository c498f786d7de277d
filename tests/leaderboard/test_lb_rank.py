"""Ranking: order by the primary metric's direction, rank groups, and who may share a board."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from lb_fixtures import board_config

from petar_bench.leaderboard import (
    BoardConfig,
    ModelInfo,
    SubmissionMetadata,
    TrainingData,
    load_board,
    rank_board,
    read_entry,
    submit,
)
from petar_bench.records import Manifest
from petar_bench.stats import holm


def meta(name: str) -> SubmissionMetadata:
    return SubmissionMetadata(model=ModelInfo(name=name), training=TrainingData(description="none"))


@pytest.fixture()
def three(board: Path, manifest: Manifest, predictions_for) -> dict[str, Path]:
    """good and good-too are alike; weak drops most words."""
    specs = {"good": (0.1, 0), "good-too": (0.1, 1), "weak": (0.7, 2)}
    paths = {}
    for name, (drop, seed) in specs.items():
        result = submit(
            predictions_for(name, drop, seed),
            meta(name),
            board=board,
            out_dir=board,
            dataset=manifest,
        )
        paths[name] = result.path
    return paths


def test_rank_groups(board: Path, three: dict[str, Path]) -> None:
    ranked = load_board(board).ranked
    names = [r.entry.model.name for r in ranked.rows]
    assert names[2] == "weak" and set(names[:2]) == {"good", "good-too"}
    groups = [r.group for r in ranked.rows]
    assert groups == [1, 1, 2]
    top, tied, weak = ranked.rows
    assert top.compared_with is None and top.p_value is None
    assert tied.compared_with == top.entry.entry_id and tied.p_adjusted >= 0.05
    assert weak.compared_with == top.entry.entry_id and weak.p_adjusted < 0.05
    assert ranked.metrics == ["lbtest_f1", "lbtest_exact", "lbtest_dist"]
    assert not ranked.excluded


def test_lower_is_better_primary_sorts_ascending(
    board: Path, manifest: Manifest, three: dict[str, Path]
) -> None:
    config = BoardConfig.model_validate(
        board_config(
            manifest, primary_metric="lbtest_dist", required_metrics=["lbtest_dist", "lbtest_f1"]
        )
    )
    entries = [read_entry(p) for p in three.values()]
    ranked = rank_board(config, entries)
    values = [r.entry.metrics["lbtest_dist"].value for r in ranked.rows]
    assert values == sorted(values) and ranked.rows[-1].entry.model.name == "weak"


def _tamper(path: Path, target: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    data["entry_id"] = target.stem
    target.write_text(json.dumps(data))


def test_entries_that_cannot_share_the_board_are_listed(
    board: Path, three: dict[str, Path]
) -> None:
    good = three["good"]

    def other_split(d):
        d["split_fingerprint"] = "sha256:elsewhere"

    def other_signature(d):
        d["metrics"]["lbtest_f1"]["signature"] = "impl:other"

    def no_exact(d):
        del d["metrics"]["lbtest_exact"]
        d["not_computed"]["lbtest_exact"] = "no java here"

    def inflated(d):
        d["metrics"]["lbtest_f1"]["value"] = 0.999

    for name, change in [
        ("x-split", other_split),
        ("x-sig", other_signature),
        ("x-missing", no_exact),
        ("x-inflated", inflated),
    ]:
        _tamper(good, board / f"{name}.json", change)
    (board / "broken.json").write_text("{")
    ranked = load_board(board).ranked
    assert len(ranked.rows) == 3
    reasons = {Path(x.name).stem: x.reason for x in ranked.excluded}
    assert "split fingerprint" in reasons["x-split"]
    assert "signature" in reasons["x-sig"]
    assert reasons["x-missing"] == "lacks required metric lbtest_exact (no java here)"
    assert "give" in reasons["x-inflated"] and "not the stored 0.999" in reasons["x-inflated"]
    assert "leaderboard entry" in reasons["broken"] and "not valid JSON" in reasons["broken"]


def test_optional_metric_missing_is_listed_with_its_reason(
    board: Path, three: dict[str, Path]
) -> None:
    for path in three.values():
        data = json.loads(path.read_text())
        del data["metrics"]["lbtest_dist"]
        data["not_computed"]["lbtest_dist"] = "Java not found"
        path.write_text(json.dumps(data))
    ranked = load_board(board).ranked
    assert ranked.metrics == ["lbtest_f1", "lbtest_exact"]
    assert ranked.not_computed == {"lbtest_dist": ["Java not found"]}


def test_unpinned_board_ranks_nothing(board: Path, manifest: Manifest, three) -> None:
    config = BoardConfig.model_validate(board_config(manifest, split_fingerprint=None))
    ranked = rank_board(config, [read_entry(p) for p in three.values()])
    assert ranked.rows == [] and all("no pinned" in x.reason for x in ranked.excluded)


def test_primary_must_be_required(manifest: Manifest) -> None:
    with pytest.raises(ValueError, match="primary_metric"):
        BoardConfig.model_validate(board_config(manifest, primary_metric="lbtest_dist"))


def test_holm_matches_hand_computation() -> None:
    # p sorted: 0.01 (x3 = 0.03), 0.02 (x2 = 0.04), 0.04 (x1 = 0.04, monotone)
    assert np.allclose(holm([0.04, 0.01, 0.02]), [0.04, 0.03, 0.04])


def test_the_same_predictions_under_another_name_get_one_row(
    board: Path, three: dict[str, Path]
) -> None:
    _tamper(three["good"], board / "good-again.json", lambda d: d["model"].update(name="Again"))
    ranked = load_board(board).ranked
    assert len(ranked.rows) == 3
    assert [(Path(x.name).name, x.reason) for x in ranked.excluded] == [
        ("good-again.json", f"same predictions as {three['good'].stem}")
    ]
