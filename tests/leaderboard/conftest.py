"""Fixtures of the leaderboard tests (helpers live in lb_fixtures.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from lb_fixtures import (
    board_config,
    make_manifest,
    perturb,
    registered_test_metrics,
    write_predictions,
)

from petar_bench.records import Manifest


@pytest.fixture(autouse=True)
def _test_metrics() -> Iterator[None]:
    with registered_test_metrics():
        yield


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep user entries of the tests out of the real ~/.petar-bench."""
    home = tmp_path / "home"
    monkeypatch.setenv("PETAR_BENCH_HOME", str(home))
    return home


@pytest.fixture()
def manifest() -> Manifest:
    return make_manifest()


@pytest.fixture()
def board(tmp_path: Path, manifest: Manifest) -> Path:
    folder = tmp_path / "board"
    folder.mkdir()
    (folder / "board.json").write_text(json.dumps(board_config(manifest)))
    return folder


@pytest.fixture()
def predictions_for(tmp_path: Path, manifest: Manifest) -> Callable[..., Path]:
    """predictions_for(name, drop=0.2, seed=0): a predictions file for the test split."""

    def make(name: str, drop: float = 0.2, seed: int = 0) -> Path:
        rng = np.random.default_rng(seed)
        rows = [
            {"sample_id": r.sample_id, "prediction": perturb(r.reference, rng, drop)}
            for r in manifest.split("test")
        ]
        return write_predictions(tmp_path / f"{name}.jsonl", rows)

    return make
