"""Where a run keeps its files: one directory, a few fixed names, stores named by run key.

Sample ids never become file names; the only names built from user input are the default
output directory (sanitised) and store files (run key + shard label, both generated here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from petar_bench.engine._shards import Shard

CONFIG_NAME = "config.json"
PREDICTIONS_NAME = "predictions.jsonl"
SCORES_NAME = "scores.json"
FAILURES_NAME = "failures.jsonl"
GENERATIONS_DIR = "generations"
MAIN_LOCK_NAME = ".lock"

_STORE_NAME = re.compile(
    r"^(?P<key>[0-9a-f]{16})(?:\.shard-(?P<index>\d+)-of-(?P<count>\d+))?\.jsonl$"
)


def safe_name(text: str) -> str:
    """A file-name-safe form of a model or dataset name ('org/model' -> 'org_model')."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")
    return cleaned or "unnamed"


def default_output_dir(model: str, dataset: str, split: str, limit: int | None) -> Path:
    """`runs/<model>-<dataset>-<split>[-limitN]` under the current directory."""
    name = f"{safe_name(model)}-{safe_name(dataset)}-{safe_name(split)}"
    if limit is not None:
        name += f"-limit{limit}"
    return Path("runs") / name


@dataclass(frozen=True)
class StoreName:
    """The parsed name of a store file: its run key and the shard it holds (None = unsharded)."""

    run_key: str
    shard: Shard | None


def parse_store_name(path: Path) -> StoreName | None:
    match = _STORE_NAME.match(path.name)
    if match is None:
        return None
    shard = None
    if match["index"] is not None:
        index, count = int(match["index"]), int(match["count"])
        if not 0 <= index < count:
            return None
        shard = Shard(index, count)
    return StoreName(match["key"], shard)


@dataclass(frozen=True)
class RunLayout:
    """The files of one run directory."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def predictions(self) -> Path:
        return self.root / PREDICTIONS_NAME

    @property
    def scores(self) -> Path:
        return self.root / SCORES_NAME

    @property
    def failures(self) -> Path:
        return self.root / FAILURES_NAME

    @property
    def generations(self) -> Path:
        return self.root / GENERATIONS_DIR

    @property
    def main_lock(self) -> Path:
        return self.root / MAIN_LOCK_NAME

    def store(self, run_key: str, shard: Shard | None) -> Path:
        suffix = f".{shard.label}" if shard is not None else ""
        return self.generations / f"{run_key}{suffix}.jsonl"

    def store_lock(self, store: Path) -> Path:
        return store.with_name(f".{store.name}.lock")

    def stores(self, run_key: str | None = None) -> list[Path]:
        """Store files in `generations/`, optionally only those of one run key."""
        if not self.generations.is_dir():
            return []
        found = []
        for path in sorted(self.generations.iterdir()):
            name = parse_store_name(path)
            if name is not None and (run_key is None or name.run_key == run_key):
                found.append(path)
        return found


def header_path(store: Path) -> Path:
    """The RunConfig written beside each store file (what made it; needed by merge)."""
    return store.with_suffix(".json")
