"""Which samples a run covers: the dataset, the split, --limit, and this process's shard."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from petar_bench.engine._shards import Shard, generation_order
from petar_bench.errors import UserError
from petar_bench.records import LesionRecord, Manifest


@dataclass(frozen=True)
class RunDataset:
    """The dataset of a run, with what was asked for (kept in the run's config.json)."""

    spec: str  # 'demo', 'petarseg-11k', or an absolute directory
    root: Path
    manifest: Manifest


def run_dataset(spec: str | Path) -> RunDataset:
    """A run's dataset from the catalogue ('demo', 'petarseg-11k') or a directory."""
    from petar_bench.datasets._catalog import resolve_dataset

    handle = resolve_dataset(spec)
    text = str(spec)
    if Path(text).expanduser().is_dir():
        text = str(Path(text).expanduser().resolve())
    return RunDataset(text, Path(handle.root), handle.manifest)


@dataclass(frozen=True)
class RunScope:
    """The run's samples (split order) and whether they are the whole split."""

    records: list[LesionRecord]
    split_size: int
    fingerprint: str

    @property
    def full_split(self) -> bool:
        return len(self.records) == self.split_size

    @property
    def sample_ids(self) -> list[str]:
        return [r.sample_id for r in self.records]

    def for_shard(self, shard: Shard | None) -> list[LesionRecord]:
        """This process's records, in generation order (grouped by exam)."""
        return shard.select(self.records) if shard else generation_order(self.records)


def select_scope(manifest: Manifest, split: str, limit: int | None) -> RunScope:
    if limit is not None and limit < 1:
        raise UserError(f"--limit must be at least 1, not {limit}")
    records = manifest.split(split)
    fingerprint = manifest.fingerprint(split)
    _check_unique(records, manifest.dataset, split)
    chosen = records[:limit] if limit is not None else records
    return RunScope(list(chosen), len(records), fingerprint)


def _check_unique(records: list[LesionRecord], dataset: str, split: str) -> None:
    seen: set[str] = set()
    dups = []
    for record in records:
        if record.sample_id in seen:
            dups.append(record.sample_id)
        seen.add(record.sample_id)
    if dups:
        raise UserError(
            f"dataset {dataset!r} split {split!r} has duplicated sample ids ({dups[:5]}); "
            "every sample needs a unique id — fix the manifest"
        )


def limit_warning(scope: RunScope, split: str, limit: int | None) -> str | None:
    if scope.full_split:
        return None
    return (
        f"--limit {limit}: only the first {len(scope.records)} of {scope.split_size} samples "
        f"of split {split!r}; these results are NOT comparable to full-split results "
        "(recorded as full_split=false)"
    )
