"""Data-use hygiene: a gated dataset's reference texts never reach entries, boards or pages.

Every reference of the test dataset carries a canary token; none may appear in anything
the leaderboard writes or prints. Entries keep hashes, counts and scores only.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lb_fixtures import CANARY, board_config, fill_board, make_manifest
from rich.console import Console

from petar_bench.leaderboard import compare_runs, load_board, read_entry
from petar_bench.leaderboard._submission import assert_no_references
from petar_bench.leaderboard.render import board_report, entry_report, render_html, render_markdown


@pytest.fixture()
def gated(tmp_path: Path) -> tuple[Path, list[Path]]:
    manifest = make_manifest(synthetic=False, dataset="gated-data")
    folder = tmp_path / "gated-board"
    folder.mkdir()
    (folder / "board.json").write_text(json.dumps(board_config(manifest)))
    return folder, fill_board(folder, manifest, tmp_path)


def test_no_reference_text_anywhere(gated: tuple[Path, list[Path]], tmp_path: Path) -> None:
    folder, entries = gated
    view = load_board(folder)
    assert len(view.ranked.rows) == 3 and not view.config.synthetic
    console = Console(record=True, width=300)
    console.print(board_report(view))
    console.print(entry_report(view, "good"))
    outputs = {
        "markdown": render_markdown(view),
        "html": render_html(view),
        "terminal": console.export_text(),
        "compare": compare_runs(
            entries[0], entries[2], n_trials=99, n_bootstrap=99
        ).model_dump_json(),
    }
    outputs.update({p.name: p.read_text() for p in entries})
    for name, text in outputs.items():
        assert CANARY not in text, f"reference text leaked into {name}"
    assert "SYNTHETIC" not in outputs["html"]


def test_entries_hold_hashes_and_scores_only(gated: tuple[Path, list[Path]]) -> None:
    _, entries = gated
    data = json.loads(entries[0].read_text())
    assert set(data) == {
        "schema_version",
        "entry_id",
        "board_id",
        "kind",
        "model",
        "training",
        "dataset",
        "synthetic",
        "split",
        "split_fingerprint",
        "harness_version",
        "declared_harness_version",
        "predictions_sha256",
        "predictions",
        "n",
        "sample_ids",
        "patient_index",
        "metrics",
        "not_computed",
        "strata",
        "created",
        "notes",
    }
    assert "reference" not in json.dumps(data) and 'prediction"' not in json.dumps(data)
    assert all(isinstance(i, int) for i in data["patient_index"])


def test_guard_refuses_an_entry_carrying_a_reference(gated: tuple[Path, list[Path]]) -> None:
    _, entries = gated
    manifest = make_manifest(synthetic=False, dataset="gated-data")
    record = manifest.split("test")[4]
    entry = read_entry(entries[0])
    leaky = entry.model_copy(update={"notes": f"see {record.reference}"})
    with pytest.raises(RuntimeError, match=record.sample_id):
        assert_no_references(leaky, manifest.split("test"))
    assert_no_references(entry, manifest.split("test"))
