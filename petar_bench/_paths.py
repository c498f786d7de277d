"""Where PETAR-Bench keeps things outside the repository (datasets, weights)."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "PETAR_BENCH_CACHE"


def cache_dir() -> Path:
    """$PETAR_BENCH_CACHE, else $XDG_CACHE_HOME/petar-bench, else ~/.cache/petar-bench."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "petar-bench"
