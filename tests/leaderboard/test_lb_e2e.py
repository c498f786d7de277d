"""Acceptance: a new user submits two systems' synthetic-demo predictions to the shipped board,
sees them ranked with CIs in the terminal and on the HTML page, and is refused, with a clear
one-line message and nothing written, for a missing sample, a repeated one, or another split.

The two systems are the demo references with words dropped (a mild and a heavy
perturbation), so the test needs the demo dataset and the real metrics, not the baselines.
The shipped board scores METEOR too (a Java process, ~10 s per submission) and tries
BERTScore (~3 s to find no model offline): that variant is marked slow; the default run uses
a copy of the shipped board without those two.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from lb_fixtures import perturb, write_predictions
from rich.console import Console

from petar_bench import registry
from petar_bench.commands import _leaderboard as commands
from petar_bench.errors import UserError
from petar_bench.leaderboard import load_board_config

BOARD = "synthetic-demo"


@pytest.fixture(scope="module")
def demo(demo_dataset):
    """The demo dataset from the session's private cache (never a stale user cache)."""
    config = load_board_config(BOARD)
    missing = [m for m in config.required_metrics if m not in registry.metrics.names()]
    assert not missing, f"board metrics not registered: {missing}"
    from petar_bench.datasets._catalog import resolve_dataset

    handle = resolve_dataset(config.dataset)
    if config.split_fingerprint != handle.manifest.split_fingerprints.get(config.split):
        pytest.fail(
            "the shipped demo board's fingerprint differs from the generated demo: "
            "regenerate the board (docs/leaderboard.md, 'Maintainers')"
        )
    return handle.manifest


def _predictions(manifest, path: Path, drop: float, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    rows = [
        {"sample_id": r.sample_id, "prediction": perturb(r.reference, rng, drop)}
        for r in manifest.split("test")
    ]
    return write_predictions(path, rows)


def _submit(path: Path, name: str, console: Console, board: Path | None = None):
    return commands.submit(
        path,
        name=name,
        organisation="Tests",
        params="0",
        training_data="none",
        board=board,
        console=console,
    )


@pytest.fixture(params=["fast-metrics", pytest.param("shipped", marks=pytest.mark.slow)])
def board(request: pytest.FixtureRequest, tmp_path: Path) -> Path | None:
    """None = the shipped board itself; else a copy of its config without the slow metrics."""
    if request.param == "shipped":
        return None
    config = load_board_config(BOARD).model_dump()
    slow = ("meteor", "bertscore")
    config["optional_metrics"] = [m for m in config["optional_metrics"] if m not in slow]
    folder = tmp_path / "board-copy"
    folder.mkdir()
    (folder / "board.json").write_text(json.dumps(config))
    return folder


def test_submit_show_render_and_refusals(
    demo, board: Path | None, tmp_path: Path, _isolated_home: Path
) -> None:
    console = Console(record=True, width=250)
    light = _submit(_predictions(demo, tmp_path / "light.jsonl", 0.15, 0), "Light", console, board)
    heavy = _submit(_predictions(demo, tmp_path / "heavy.jsonl", 0.6, 1), "Heavy", console, board)
    user_dir = board or _isolated_home / "leaderboard" / BOARD
    assert {light.path.parent, heavy.path.parent} == {user_dir}

    view = commands.show(board=board, console=console)
    names = [r.entry.model.name for r in view.ranked.rows if r.entry.kind == "submission"]
    assert names == ["Light", "Heavy"]
    out = console.export_text()
    assert "SYNTHETIC DATA" in out and "Light" in out and "Heavy" in out
    assert "REPORTED IN THE PAPER, NOT RE-SCORED" not in out  # real-data board only
    row = next(r for r in view.ranked.rows if r.entry.model.name == "Heavy")
    primary = view.config.primary_metric
    assert row.entry.metrics[primary].ci95 is not None and row.p_adjusted is not None

    page = tmp_path / "board.html"
    commands.render(format="html", output=page, board=board, console=console)
    html = page.read_text()
    assert 'data-entry="' + light.entry.entry_id in html and "Light" in html
    assert "[95% CI]" in html and "<svg" in html

    records = demo.split("test")
    rows = [{"sample_id": r.sample_id, "prediction": "a finding"} for r in records]
    cases = {
        "missing": (rows[1:], f"1 sample ids missing: {records[0].sample_id}"),
        "repeated": ([*rows, rows[3]], f"1 duplicated: {records[3].sample_id}"),
        "other split": (
            [{"sample_id": r.sample_id, "prediction": "x"} for r in demo.split("train")],
            "not in split test of",
        ),
    }
    before = sorted(p.name for p in user_dir.iterdir())
    for name, (bad_rows, expected) in cases.items():
        path = write_predictions(tmp_path / f"{name}.jsonl", bad_rows)
        with pytest.raises(UserError) as caught:
            _submit(path, name, console, board)
        assert expected in str(caught.value) and "\n" not in str(caught.value), name
    assert sorted(p.name for p in user_dir.iterdir()) == before


def test_cli_refusal_is_one_line_without_traceback(
    demo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from petar_bench.cli import main

    records = demo.split("test")
    rows = [{"sample_id": r.sample_id, "prediction": "x"} for r in records[2:]]
    path = write_predictions(tmp_path / "short.jsonl", rows)
    with pytest.raises(SystemExit) as caught:
        main(["leaderboard", "submit", str(path), "--name", "Short", "--training-data", "none"])
    assert caught.value.code != 0
    err = capsys.readouterr().err
    assert "2 sample ids missing" in err and "Traceback" not in err
    assert json.dumps(records[0].sample_id)[1:-1] in err
