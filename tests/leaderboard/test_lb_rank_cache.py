"""The rank cache: remembered paired tests and re-aggregation checks give the same board,
are keyed on the entries' content, and never make a board fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from petar_bench.leaderboard import _rank as rank_module
from petar_bench.leaderboard import load_board, load_board_config, read_entry, submit
from petar_bench.leaderboard._board import load_entries
from petar_bench.leaderboard._config import SHIPPED_DIR, shipped_board_ids
from petar_bench.leaderboard._entry import ModelInfo
from petar_bench.leaderboard._rank import rank_board
from petar_bench.leaderboard._rank_cache import (
    CACHE_FILE,
    RankCache,
    read_cache_file,
    user_cache_file,
)
from petar_bench.leaderboard._submission import SubmissionMetadata, TrainingData
from petar_bench.records import Manifest


@pytest.fixture()
def three(board: Path, manifest: Manifest, predictions_for) -> list[Path]:
    paths = []
    for name, drop, seed in [("good", 0.1, 0), ("good-too", 0.1, 1), ("weak", 0.7, 2)]:
        meta = SubmissionMetadata(
            model=ModelInfo(name=name), training=TrainingData(description="none")
        )
        result = submit(
            predictions_for(name, drop, seed), meta, board=board, out_dir=board, dataset=manifest
        )
        paths.append(result.path)
    return paths


@pytest.fixture()
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many paired tests and re-aggregations actually ran."""
    calls = {"paired": 0, "reaggregate": 0}
    paired, problem = rank_module.paired_test, rank_module._reaggregation_problem

    def count_paired(*args, **kwargs):
        calls["paired"] += 1
        return paired(*args, **kwargs)

    def count_problem(*args, **kwargs):
        calls["reaggregate"] += 1
        return problem(*args, **kwargs)

    monkeypatch.setattr(rank_module, "paired_test", count_paired)
    monkeypatch.setattr(rank_module, "_reaggregation_problem", count_problem)
    return calls


def _table(board: Path) -> list[tuple[str, int, int, float | None, float | None]]:
    rows = load_board(board).ranked.rows
    return [(r.entry.entry_id, r.position, r.group, r.p_value, r.p_adjusted) for r in rows]


def test_second_ranking_runs_no_test_and_gives_the_same_board(
    board: Path, three: list[Path], counted: dict[str, int]
) -> None:
    first = _table(board)
    assert counted == {"paired": 2, "reaggregate": 3}
    assert user_cache_file("lbtest").is_file()
    assert _table(board) == first
    assert counted == {"paired": 2, "reaggregate": 3}  # nothing ran the second time
    # the same as ranking with no cache at all
    config = load_board_config(board)
    entries = [read_entry(p) for p in three]
    fresh = rank_board(config, entries)
    assert [(r.entry.entry_id, r.p_value) for r in fresh.rows] == [
        (e, p) for e, _, _, p, _ in first
    ]


def test_changed_entry_content_misses_the_cache(
    board: Path, three: list[Path], counted: dict[str, int]
) -> None:
    _table(board)
    weak = three[2]
    data = json.loads(weak.read_text())
    stats = data["metrics"]["lbtest_f1"]["stats"]
    stats[0], stats[1] = stats[1], stats[0]  # same value, other per-sample content
    weak.write_text(json.dumps(data))
    before = dict(counted)
    _table(board)
    assert counted["paired"] == before["paired"] + 1  # only the test involving 'weak'
    assert counted["reaggregate"] == before["reaggregate"] + 1


def test_test_settings_are_part_of_the_key(
    board: Path, three: list[Path], counted: dict[str, int]
) -> None:
    _table(board)
    config = json.loads((board / "board.json").read_text())
    config["seed"] = config.get("seed", 12345) + 1
    (board / "board.json").write_text(json.dumps(config))
    before = counted["paired"]
    _table(board)
    assert counted["paired"] == before + 2


def test_a_wrong_cached_value_is_only_used_for_its_own_key(
    board: Path, three: list[Path], counted: dict[str, int]
) -> None:
    """A cache file is trusted only through its keys: a p-value out of [0, 1] or of the wrong
    type is recomputed; damaged files and other schema versions are ignored."""
    first = _table(board)
    path = user_cache_file("lbtest")
    data = json.loads(path.read_text())
    for key, value in data["results"].items():
        data["results"][key] = 7.0 if value is not True else "yes"
    path.write_text(json.dumps(data))
    assert _table(board) == first
    assert counted == {"paired": 4, "reaggregate": 6}
    for text in ["{", json.dumps({**data, "schema_version": 99}), "[]"]:
        path.write_text(text)
        assert read_cache_file(path) == {}
        assert _table(board) == first


def test_a_cache_that_cannot_be_written_costs_only_time(
    board: Path, three: list[Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("PETAR_BENCH_RANK_CACHE", str(blocker / "below"))
    assert len(_table(board)) == 3
    assert not RankCache().save(blocker / "below" / "x.json")  # nothing computed: no write


def test_the_board_folder_cache_is_read_and_never_taken_for_an_entry(
    board: Path, three: list[Path], counted: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _table(board)
    user_cache_file("lbtest").replace(board / CACHE_FILE)
    before = dict(counted)
    assert _table(board) == first
    assert counted == before
    assert not load_board(board).ranked.excluded
    entries, _, broken = load_entries([board])
    assert len(entries) == 3 and not broken


@pytest.mark.parametrize("board_id", shipped_board_ids())
def test_shipped_rank_cache_is_current(board_id: str) -> None:
    """Ranking a shipped board computes nothing: its rank-cache.json holds every result, and
    each equals a fresh computation. If this fails after the shipped entries changed, run
    `python scripts/refresh_rank_cache.py`."""
    folder = SHIPPED_DIR / board_id
    config = load_board_config(board_id)
    entries, sources, _ = load_entries([folder])
    shipped = RankCache.from_files([folder / CACHE_FILE])
    ranked = rank_board(config, entries, sources=sources, cache=shipped)
    assert shipped.computed == 0, "stale: run python scripts/refresh_rank_cache.py"
    fresh = RankCache()
    again = rank_board(config, entries, sources=sources, cache=fresh)
    assert fresh.used == shipped.used
    assert [(r.entry.entry_id, r.p_value) for r in again.rows] == [
        (r.entry.entry_id, r.p_value) for r in ranked.rows
    ]
