"""Maintainers: rewrite the rank cache (`rank-cache.json`) of every shipped board.

The cache holds the paired-test p-values and re-aggregation checks of the board's current
entries, so `leaderboard show` and `render` do not recompute them on a fresh install. Run it
after adding, removing or re-scoring a shipped entry, or after a harness version bump (the
test `tests/leaderboard/test_lb_rank_cache.py` says when it is due):

    python scripts/refresh_rank_cache.py
"""

from __future__ import annotations

from petar_bench.fileio import atomic_write_json
from petar_bench.leaderboard._board import load_entries
from petar_bench.leaderboard._config import SHIPPED_DIR, load_board_config, shipped_board_ids
from petar_bench.leaderboard._rank import rank_board
from petar_bench.leaderboard._rank_cache import CACHE_FILE, RankCache, cache_document


def refresh(board_id: str) -> int:
    """Rank the shipped entries alone (not the user's) from scratch; write what was used."""
    config = load_board_config(board_id)
    folder = SHIPPED_DIR / board_id
    entries, sources, _ = load_entries([folder])
    cache = RankCache()
    rank_board(config, entries, sources=sources, cache=cache)
    target = folder / CACHE_FILE
    if cache.used:
        atomic_write_json(target, cache_document(cache.used))
    else:
        target.unlink(missing_ok=True)
    return len(cache.used)


def main() -> None:
    for board_id in shipped_board_ids():
        print(f"{board_id}: {refresh(board_id)} cached results")


if __name__ == "__main__":
    main()
