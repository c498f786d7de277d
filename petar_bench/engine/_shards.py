"""Shards: stable, contiguous subsets of a run's samples.

A shard is a slice of the samples ordered by (exam_id, sample_id): the order depends only on
the ids, so `--shard I/N` selects the same samples on every machine, and keeping an exam's
lesions together lets each process's exam cache hit. Shards are subsets only: the run key
(and so the generation cache) never depends on N.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from petar_bench.errors import UserError
from petar_bench.records import LesionRecord


@dataclass(frozen=True, order=True)
class Shard:
    """Shard `index` of `count` (0-based)."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise UserError(
                f"shard {self.index}/{self.count} is invalid: use I/N with N >= 1 and "
                "0 <= I < N (I counts from 0)"
            )

    @property
    def label(self) -> str:
        return f"shard-{self.index}-of-{self.count}"

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def select(self, records: Sequence[LesionRecord]) -> list[LesionRecord]:
        """This shard's records, in generation order; shard sizes differ by at most one."""
        ordered = generation_order(records)
        start = self.index * len(ordered) // self.count
        stop = (self.index + 1) * len(ordered) // self.count
        return ordered[start:stop]


def generation_order(records: Sequence[LesionRecord]) -> list[LesionRecord]:
    """Records grouped by exam, so consecutive lesions reuse the loader's exam cache."""
    return sorted(records, key=lambda r: (r.exam_id, r.sample_id))


def parse_shard(text: str) -> Shard:
    """'I/N' -> Shard(I, N); I counts from 0 (SLURM array ids 0..N-1 map directly)."""
    parts = text.strip().split("/")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise UserError(f"--shard {text!r} is not of the form I/N (e.g. 0/4; I counts from 0)")
    return Shard(int(parts[0]), int(parts[1]))


def compose_shard(user: Shard | None, rank: int, world_size: int) -> Shard | None:
    """The shard one process handles: a user shard split again across launcher ranks."""
    if world_size <= 1:
        return user
    if user is None:
        return Shard(rank, world_size)
    return Shard(user.index * world_size + rank, user.count * world_size)
