"""An imported dataset works with the leaderboard: a board pinned to its fingerprint takes a
submission; a board pinned to another fingerprint refuses it, naming both."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from petar_bench.commands import _leaderboard as commands
from petar_bench.datasets.importers._engine import ImportRequest, run_import
from petar_bench.errors import UserError


def _board(folder: Path, data: Path, split: str, fingerprint: str, synthetic: bool) -> Path:
    folder.mkdir()
    config = {
        "board_id": "imported",
        "title": "Imported board",
        "description": "A board over an imported dataset.",
        "dataset": str(data),
        "split": split,
        "split_fingerprint": fingerprint,
        "synthetic": synthetic,
        "required_metrics": ["rouge_l", "bleu1"],
        "optional_metrics": [],
        "primary_metric": "rouge_l",
        "n_trials": 199,
        "n_bootstrap": 99,
    }
    (folder / "board.json").write_text(json.dumps(config))
    return folder


def test_board_over_an_imported_dataset(exported, tmp_path: Path) -> None:
    data = tmp_path / "data"
    manifest = run_import(ImportRequest(src=exported("folders"), output=data)).manifest
    split = manifest.records[0].split
    records = [r for r in manifest.records if r.split == split]
    predictions = tmp_path / "preds.jsonl"
    predictions.write_text(
        "".join(
            json.dumps({"sample_id": r.sample_id, "prediction": r.reference}) + "\n"
            for r in records
        )
    )
    fingerprint = manifest.split_fingerprints[split]
    board = _board(tmp_path / "board", data, split, fingerprint, manifest.synthetic)
    console = Console(record=True, width=220)
    commands.submit(
        predictions,
        name="Echo",
        training_data="none",
        split=split,
        board=board,
        console=console,
    )
    view = commands.show(board=board, console=console)
    assert [r.entry.model.name for r in view.ranked.rows] == ["Echo"]

    wrong = _board(tmp_path / "wrong", data, split, "sha256:" + "0" * 64, manifest.synthetic)
    with pytest.raises(UserError, match=fingerprint):
        commands.submit(
            predictions,
            name="Echo",
            training_data="none",
            split=split,
            board=wrong,
            console=console,
        )
