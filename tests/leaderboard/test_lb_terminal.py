"""The terminal board fits ordinary terminals (80-120 columns) without cutting anything.

rich cuts a cell that does not fit with "…"; these tests render at real widths and check
that every name, value, CI, p-value and signature field is printed whole.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lb_fixtures import EVIL, fill_board
from rich.cells import cell_len
from rich.console import Console

from petar_bench.leaderboard import load_board
from petar_bench.leaderboard._board import BoardView
from petar_bench.leaderboard.render import board_report, entry_report
from petar_bench.leaderboard.render._common import fmt_ci, fmt_p
from petar_bench.leaderboard.render._terminal import _break_at_pipes
from petar_bench.records import Manifest


def _render(view: BoardView, width: int, entry: str | None = None) -> str:
    console = Console(width=width, record=True)
    if entry is None:
        console.print(board_report(view))
    else:
        console.print(entry_report(view, entry))
    text = console.export_text()
    too_wide = [line for line in text.splitlines() if cell_len(line) > width]
    assert not too_wide, f"lines wider than {width}: {too_wide[:3]}"
    return text


def _ranked_section(view: BoardView, text: str) -> str:
    """From the ranked table's title down to the note that follows it."""
    start = text.index(view.config.title)
    return text[start : text.index("Rank group:", start)]


def _check_ranked(view: BoardView, text: str) -> None:
    ranked = _ranked_section(view, text)
    assert "…" not in ranked, "a cell of the ranked table was cut"
    for row in view.ranked.rows:
        for metric_id in view.config.required_metrics:
            score = view.ranked.score(row.entry, metric_id)
            assert score is not None
            assert f"{score.value:.3f}" in ranked, (row.entry.model.name, metric_id)
            assert fmt_ci(score) in ranked, (row.entry.model.name, metric_id)
        assert fmt_p(row.p_adjusted) in ranked


@pytest.fixture()
def shipped() -> BoardView:
    view = load_board("synthetic-demo")
    assert view.ranked.rows, "the shipped demo board lost its baseline entries"
    return view


def test_shipped_board_at_100_columns_cuts_no_cell(shipped: BoardView) -> None:
    text = _render(shipped, 100)
    ranked = _ranked_section(shipped, text)
    for row in shipped.ranked.rows:
        name = row.entry.model.name
        assert any(name in line for line in ranked.splitlines()), f"{name} not whole"
    _check_ranked(shipped, text)
    assert "…" not in text


@pytest.mark.parametrize("width", [80, 120])
def test_shipped_board_fits_other_widths(shipped: BoardView, width: int) -> None:
    text = _render(shipped, width)
    _check_ranked(shipped, text)
    assert "…" not in text
    assert "SYNTHETIC DATA" in text and "REPORTED IN THE PAPER, NOT RE-SCORED" not in text


@pytest.mark.parametrize("width", [80, 100])
def test_paper_table_shows_on_the_real_data_board(width: int) -> None:
    view = load_board("petarseg-11k-test")
    text = _render(view, width)
    assert view.paper is not None and "REPORTED IN THE PAPER, NOT RE-SCORED" in text
    for row in view.paper.rows:
        assert any(row.model in line for line in text.splitlines()), row.model
    assert "BLEU (variant not stated)" in text and "…" not in text


def test_shipped_board_keeps_optional_metrics_signatures_and_reasons(
    shipped: BoardView,
) -> None:
    text = _render(shipped, 100)
    ranked = shipped.ranked
    optional = [m for m in ranked.metrics if m not in shipped.config.required_metrics]
    for row in ranked.rows:
        for metric_id in optional:
            score = ranked.score(row.entry, metric_id)
            if score is not None:
                assert f"{score.value:.3f}" in text, (row.entry.model.name, metric_id)
    for signature in ranked.signatures.values():
        for field in signature.split("|"):
            assert field in text, field
    for reasons in ranked.not_computed.values():
        for reason in reasons:
            assert " ".join(reason.split()[:3]) in text
    assert shipped.paper is None  # the paper's numbers are on the real-data board only


def test_shipped_entry_view_fits_80_columns(shipped: BoardView) -> None:
    entry = shipped.ranked.rows[0].entry
    text = _render(shipped, 80, entry=entry.entry_id)
    assert "…" not in text
    assert entry.model.organisation in text and entry.predictions_sha256[:40] in text
    for score in entry.metrics.values():
        assert f"{score.value:.3f}" in text and fmt_ci(score) in text


def test_long_hostile_name_wraps_but_numbers_stay_whole(
    board: Path, manifest: Manifest, tmp_path: Path
) -> None:
    fill_board(board, manifest, tmp_path)
    view = load_board(board)
    for width in (80, 100):
        text = _render(view, width)
        _check_ranked(view, text)
        assert "…" not in text
        assert "[red]rich[/red]" in text and "<script>" in text  # printed, not markup
    wide = _render(view, 400)
    assert EVIL in wide


def test_signatures_break_between_fields_only() -> None:
    signature = "rouge_l|impl:petar-bench-0.1.0|tok:ptb-corenlp-3.4.1|case:lc|avg:sample-mean"
    broken = _break_at_pipes(signature, 30)
    assert broken.replace("\n", "") == signature
    assert all(line.endswith("|") for line in broken.splitlines()[:-1])
    assert all(len(line) <= 30 for line in broken.splitlines())
    assert _break_at_pipes(signature, 200) == signature
