"""User strings with terminal escapes and bidi overrides are inert in every renderer."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from lb_fixtures import perturb, write_predictions
from rich.console import Console

from petar_bench.commands._compare import comparison_table
from petar_bench.leaderboard import (
    ModelInfo,
    SubmissionMetadata,
    TrainingData,
    compare_runs,
    load_board,
    submit,
)
from petar_bench.leaderboard._text import safe_text
from petar_bench.leaderboard.render import board_report, entry_report, render_html, render_markdown
from petar_bench.records import Manifest

#: Clears the screen, retitles the window, rings the bell, then reads right to left.
HOSTILE = "\x1b[2J\x1b]0;pwned\x07 evil \u202eeman\u202c \x9b31m end"
RAW = ("\x1b", "\x07", "\x9b", "\u202e", "\u202c")


def test_safe_text_makes_controls_visible() -> None:
    assert safe_text("plain näme 🙂") == "plain näme 🙂"
    assert safe_text("a\tb\nc") == "a b c"
    assert safe_text("\x1b[2J") == "\\x1b[2J"
    assert safe_text("x\u202ey\u2066z\u2028") == "x\\u202ey\\u2066z\\u2028"
    assert safe_text("\x00\x7f\x85") == "\\x00\\x7f\\x85"


@pytest.fixture()
def hostile_board(board: Path, manifest: Manifest, tmp_path: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(3)
    rows = [
        {"sample_id": r.sample_id, "prediction": perturb(r.reference, rng, 0.2)}
        for r in manifest.split("test")
    ]
    meta = SubmissionMetadata(
        model=ModelInfo(name=HOSTILE, organisation=HOSTILE, parameters="\u202e7B"),
        training=TrainingData(description=HOSTILE),
        notes=HOSTILE,
    )
    preds = write_predictions(tmp_path / "hostile.jsonl", rows)
    path = submit(preds, meta, board=board, out_dir=board, dataset=manifest).path
    return board, path


def _plain_console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    # No terminal: rich writes no escape codes of its own, so any ESC came from user text.
    return Console(file=out, width=200, force_terminal=False, color_system=None), out


def test_terminal_markdown_and_html_never_emit_raw_controls(
    hostile_board: tuple[Path, Path],
) -> None:
    board, _ = hostile_board
    view = load_board(board)
    console, out = _plain_console()
    console.print(board_report(view))
    console.print(entry_report(view, view.ranked.rows[0].entry.entry_id))
    outputs = {"terminal": out.getvalue(), "md": render_markdown(view), "html": render_html(view)}
    for name, text in outputs.items():
        leaked = [repr(c) for c in RAW if c in text]
        assert not leaked, f"{name} printed raw {leaked}"
        # Shown as escapes (Markdown adds its own backslashes before them).
        assert "x1b" in text and "u202e" in text, f"{name} hid what was submitted"


def test_compare_table_title_is_inert(hostile_board: tuple[Path, Path], tmp_path: Path) -> None:
    _, entry = hostile_board
    odd = tmp_path / "\x1b]0;x\x07.json"
    odd.write_bytes(entry.read_bytes())
    result = compare_runs(odd, entry, n_trials=99, n_bootstrap=99)
    console, out = _plain_console()
    console.print(comparison_table(result))
    assert "\x1b" not in out.getvalue() and "\x07" not in out.getvalue()
