"""The functions behind `petar-bench leaderboard show|render|submit`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lb_fixtures import board_config
from rich.console import Console

from petar_bench.commands import _leaderboard as commands
from petar_bench.errors import UserError
from petar_bench.records import Manifest, write_manifest


@pytest.fixture()
def folder_board(tmp_path: Path, manifest: Manifest) -> Path:
    """A board whose dataset is a folder, as `--dataset DIR` users have."""
    data = tmp_path / "data"
    write_manifest(manifest, data)
    board = tmp_path / "cli-board"
    board.mkdir()
    (board / "board.json").write_text(json.dumps(board_config(manifest, dataset=str(data))))
    return board


def test_submit_show_render_through_commands(
    folder_board: Path, predictions_for, tmp_path: Path
) -> None:
    console = Console(record=True, width=220)
    result = commands.submit(
        predictions_for("a"),
        name="Cli model",
        training_data="none",
        decoding='{"greedy": true}',
        dataset="demo",  # the CLI's default: a name, so the board's own dataset is used
        split="test",
        board=folder_board,
        console=console,
    )
    assert result.path.parent == folder_board
    assert result.entry.model.decoding == {"greedy": True}
    assert "written to" in console.export_text()
    view = commands.show(board=folder_board, console=console)
    assert [r.entry.model.name for r in view.ranked.rows] == ["Cli model"]
    commands.show(board=folder_board, console=console, entry="Cli model")
    assert "predictions sha256" in console.export_text()
    text = commands.render(format="md", output=None, board=folder_board, console=console)
    assert "Cli model" in text
    out = tmp_path / "page.html"
    commands.render(format="html", output=out, board=folder_board, console=console)
    assert out.read_text().startswith("<!DOCTYPE html>")
    with pytest.raises(UserError, match="choose 'md' or 'html'"):
        commands.render(format="pdf", output=None, board=folder_board, console=console)


def test_submit_options_are_checked(folder_board: Path, predictions_for) -> None:
    console = Console(record=True)
    path = predictions_for("a")
    with pytest.raises(UserError, match="declare the training data"):
        commands.submit(path, name="x", board=folder_board, console=console)
    with pytest.raises(UserError, match="ranks split 'test', not 'val'"):
        commands.submit(
            path, name="x", training_data="none", split="val", board=folder_board, console=console
        )
    with pytest.raises(UserError, match="--name"):
        commands.submit(path, training_data="none", board=folder_board, console=console)
    with pytest.raises(UserError, match="--link"):
        commands.submit(
            path,
            name="x",
            training_data="none",
            link="ftp://x",
            board=folder_board,
            console=console,
        )
    assert sorted(p.name for p in folder_board.iterdir()) == ["board.json"]


def test_training_declaration_parsing(tmp_path: Path) -> None:
    patients = tmp_path / "patients.txt"
    patients.write_text("# training patients\nP1\n\nP2\n")
    parsed = commands.parse_training("petarseg-11k:train, in-house CT reports", patients)
    assert [(d.dataset, d.split) for d in parsed.datasets] == [("petarseg-11k", "train")]
    assert parsed.patient_ids == ["P1", "P2"]
    assert parsed.description == "petarseg-11k:train, in-house CT reports"


def test_metadata_file(folder_board: Path, predictions_for, tmp_path: Path) -> None:
    meta = tmp_path / "meta.json"
    meta.write_text(
        json.dumps(
            {
                "model": {"name": "From file", "parameters": "3B"},
                "training": {"description": "none"},
            }
        )
    )
    result = commands.submit(
        predictions_for("a"), metadata=meta, board=folder_board, console=Console(record=True)
    )
    assert result.entry.model.parameters == "3B"
    meta.write_text(json.dumps({"model": {"name": "x"}}))
    with pytest.raises(UserError, match="training: Field required"):
        commands.submit(
            predictions_for("a"), metadata=meta, board=folder_board, console=Console(record=True)
        )
