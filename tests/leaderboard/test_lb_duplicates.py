"""Duplicate submissions are found by content, and the earlier entry keeps its row."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from petar_bench.leaderboard import (
    ModelInfo,
    SubmissionMetadata,
    TrainingData,
    load_board,
    read_entry,
    submit,
)
from petar_bench.records import Manifest


def _submit(board: Path, manifest: Manifest, preds: Path, name: str) -> Path:
    meta = SubmissionMetadata(model=ModelInfo(name=name), training=TrainingData(description="none"))
    return submit(preds, meta, board=board, out_dir=board, dataset=manifest).path


def _variants(original: Path, tmp_path: Path) -> dict[str, Path]:
    """The same predictions as `original`, saved differently."""
    text = original.read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    crlf = tmp_path / "crlf.jsonl"
    crlf.write_bytes(text.replace("\n", "\r\n").encode())
    blank = tmp_path / "blank.jsonl"
    blank.write_bytes(b"\xef\xbb\xbf\n\n" + text.replace("\n", "\n\n").encode() + b"\n\n")
    reordered = tmp_path / "reordered.jsonl"
    reordered.write_text(
        "".join(
            json.dumps({"prediction": r["prediction"] + "\n", "sample_id": r["sample_id"]}) + "\n"
            for r in rows
        )
    )
    return {"crlf": crlf, "blank": blank, "reordered": reordered}


def test_reformatted_copies_submitted_later_are_not_ranked(
    board: Path, manifest: Manifest, tmp_path: Path, predictions_for: Callable[..., Path]
) -> None:
    original = predictions_for("original", drop=0.1)
    first = _submit(board, manifest, original, "zz original")
    _submit(board, manifest, predictions_for("other", drop=0.5, seed=4), "other")
    # Copies under names that sort first, so load order alone would favour them.
    copies = {
        k: _submit(board, manifest, p, f"aa {k}") for k, p in _variants(original, tmp_path).items()
    }
    ranked = load_board(board).ranked
    assert sorted(r.entry.model.name for r in ranked.rows) == ["other", "zz original"]
    excluded = {Path(x.name).stem: x.reason for x in ranked.excluded}
    assert excluded == {p.stem: f"same predictions as {first.stem}" for p in copies.values()}
    for path in copies.values():  # bytes differ, so only the content hash caught them
        assert read_entry(path).predictions_sha256 != read_entry(first).predictions_sha256


def test_byte_identical_copy_sorting_first_does_not_take_the_row(
    board: Path, manifest: Manifest, tmp_path: Path, predictions_for: Callable[..., Path]
) -> None:
    original = predictions_for("original", drop=0.1)
    first = _submit(board, manifest, original, "measure")
    copy = tmp_path / "copy.jsonl"
    shutil.copy(original, copy)
    later = _submit(board, manifest, copy, "a copy")
    assert later.name < first.name  # loaded first from the folder
    ranked = load_board(board).ranked
    assert [r.entry.model.name for r in ranked.rows] == ["measure"]
    assert [(Path(x.name).stem, x.reason) for x in ranked.excluded] == [
        (later.stem, f"same predictions as {first.stem}")
    ]
