"""Remembered ranking work: paired-test p-values and re-aggregation checks of a board.

Ranking a board re-aggregates each entry's primary metric from its stored statistics and
runs a paired approximate-randomization test (10,000 trials) for each comparison. The
results depend only on the entries' content, the test settings and the harness, so
`leaderboard show` and `render` look them up here instead of recomputing them each time.

Each result is stored under a key that hashes everything it depends on: the metric, its
options and signature, the per-sample statistics of the entries involved (their content
hash, not a file name), the patient grouping, the number of trials, the seed, the harness
version and `ALGORITHM_VERSION`. An entry whose content changes, or a harness update, misses
the cache and is recomputed; a stale key is never trusted.

Two files are read: `rank-cache.json` beside a board's `board.json` (shipped boards carry
one, refreshed by `scripts/refresh_rank_cache.py`) and the user's cache
(`$PETAR_BENCH_RANK_CACHE/<board_id>.rank-cache.json`, default
`<PETAR_BENCH_CACHE>/leaderboard/`), where new results are written.
A missing, damaged or other-version cache file is ignored, and a cache that cannot be written
only costs time.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from petar_bench._hashing import sha256_json
from petar_bench.errors import UserError

#: Name of a board folder's cache file (never read as an entry).
CACHE_FILE = "rank-cache.json"
CACHE_SCHEMA_VERSION = 1
#: Bump when the paired test or the re-aggregation check changes what it returns.
ALGORITHM_VERSION = 1
_KIND = "petar-bench rank cache"
#: Folder of the user's rank caches (default: <PETAR_BENCH_CACHE>/leaderboard).
CACHE_ENV = "PETAR_BENCH_RANK_CACHE"


def stats_key(stats: Sequence[Sequence[float | None]]) -> str:
    """Content hash of an entry's stored per-sample statistics for one metric."""
    return sha256_json([list(row) for row in stats])


def _harness() -> str:
    from petar_bench import __version__

    return __version__


def paired_test_key(
    *,
    metric_id: str,
    options: dict[str, Any],
    signatures: tuple[str, str],
    stats: tuple[str, str],
    patients: Sequence[str],
    n_trials: int,
    seed: int,
) -> str:
    return sha256_json(
        {
            "what": "paired_test",
            "algorithm": ALGORITHM_VERSION,
            "harness": _harness(),
            "metric": metric_id,
            "options": options,
            "signatures": list(signatures),
            "stats": list(stats),
            "patients": sha256_json(list(patients)),
            "n_trials": n_trials,
            "seed": seed,
        }
    )


def reaggregate_key(
    *, metric_id: str, options: dict[str, Any], signature: str, value: float, stats: str
) -> str:
    return sha256_json(
        {
            "what": "reaggregate",
            "algorithm": ALGORITHM_VERSION,
            "harness": _harness(),
            "metric": metric_id,
            "options": options,
            "signature": signature,
            "value": repr(float(value)),
            "stats": stats,
        }
    )


def read_cache_file(path: Path) -> dict[str, Any]:
    """The results of one cache file; {} when it is absent, damaged or of another version."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if (
        not isinstance(data, dict)
        or data.get("kind") != _KIND
        or data.get("schema_version") != CACHE_SCHEMA_VERSION
        or not isinstance(data.get("results"), dict)
    ):
        return {}
    return dict(data["results"])


def cache_document(results: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": _KIND,
        "schema_version": CACHE_SCHEMA_VERSION,
        "results": dict(sorted(results.items())),
    }


def user_cache_file(board_id: str) -> Path:
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser() / f"{board_id}.rank-cache.json"
    from petar_bench._paths import cache_dir

    return cache_dir() / "leaderboard" / f"{board_id}.rank-cache.json"


class RankCache:
    """Results found in the cache files, plus what this ranking computed or used."""

    def __init__(self, known: dict[str, Any] | None = None) -> None:
        self._known: dict[str, Any] = dict(known or {})
        self.used: dict[str, Any] = {}  # every result this ranking needed
        self.computed = 0  # how many of them were not in the cache

    @classmethod
    def from_files(cls, paths: Sequence[Path]) -> RankCache:
        known: dict[str, Any] = {}
        for path in paths:
            known.update(read_cache_file(path))
        return cls(known)

    def p_value(self, key: str, compute: Callable[[], float]) -> float:
        found = self._known.get(key)
        if isinstance(found, (int, float)) and not isinstance(found, bool):
            value = float(found)
            if 0.0 <= value <= 1.0:
                self.used[key] = value
                return value
        value = float(compute())
        if math.isfinite(value):
            self._remember(key, value)
        return value

    def reaggregates(self, key: str, check: Callable[[], str]) -> str:
        """'' when the stored value is reproduced (only successes are remembered: a failure
        may come from this machine, e.g. a metric that is not installed)."""
        if self._known.get(key) is True:
            self.used[key] = True
            return ""
        reason = check()
        if not reason:
            self._remember(key, True)
        return reason

    def _remember(self, key: str, value: Any) -> None:
        self.computed += 1
        self._known[key] = value
        self.used[key] = value

    def save(self, path: Path) -> bool:
        """Write the results this ranking used (so the file stays the size of one board);
        False when nothing new was computed or the file cannot be written."""
        if not self.computed:
            return False
        from petar_bench.fileio import atomic_write_json

        try:
            atomic_write_json(path, cache_document(self.used))
        except UserError:
            return False
        return True
