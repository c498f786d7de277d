"""Data-parallel launches (`accelerate launch`, `torchrun`): who am I, and waiting for all.

Rank and world size come from the launcher's environment (RANK/WORLD_SIZE/LOCAL_RANK, set by
accelerate and torchrun; Open MPI and PMI variables as a fallback). That avoids accelerate's
CPU quirk of reporting rank 0 of 1 in every process unless its state is made with cpu=True.
The only collective the engine needs is one barrier at the end, before rank 0 merges; it runs
on a CPU (gloo) process group with a long timeout, because ranks may finish hours apart and
an NCCL barrier would time out. Adapters keep the accelerators to themselves.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from petar_bench.errors import UserError

#: How long rank 0 waits at the end for the slowest rank.
BARRIER_TIMEOUT = timedelta(days=7)

_ENV_SCHEMES = (
    ("RANK", "WORLD_SIZE", "LOCAL_RANK"),
    ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK"),
    ("PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID"),
)


@dataclass(frozen=True)
class DistContext:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    source: str = "single process"

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def prefix(self) -> str:
        return f"[rank {self.rank}/{self.world_size}] " if self.world_size > 1 else ""


def detect_distributed(env: Mapping[str, str] | None = None) -> DistContext:
    env = os.environ if env is None else env
    for rank_var, world_var, local_var in _ENV_SCHEMES:
        if world_var not in env:
            continue
        try:
            rank, world = int(env.get(rank_var, "0")), int(env[world_var])
            local = int(env.get(local_var, str(rank)))
        except ValueError:
            raise UserError(f"launcher variables {rank_var}/{world_var} are not integers") from None
        if world < 1 or not 0 <= rank < world:
            raise UserError(f"launcher says rank {rank} of {world} processes; that is impossible")
        return DistContext(rank, world, local, source=f"{rank_var}/{world_var}")
    return DistContext()


class Barrier:
    """A gloo barrier across the launch; a no-op in a single process."""

    def __init__(self, ctx: DistContext) -> None:
        self.ctx = ctx
        self._group: Any = None
        self._owns_default = False
        if ctx.world_size > 1:
            self._setup()

    def _setup(self) -> None:
        import torch.distributed as dist

        if not dist.is_available():
            raise UserError("this torch build has no torch.distributed; run one process per shard")
        if dist.is_initialized():
            self._group = dist.new_group(backend="gloo", timeout=BARRIER_TIMEOUT)
        else:
            if "MASTER_ADDR" not in os.environ or "MASTER_PORT" not in os.environ:
                raise UserError(
                    f"{self.ctx.world_size} processes but no MASTER_ADDR/MASTER_PORT; start "
                    "them with 'accelerate launch' or 'torchrun', or use --shard I/N instead"
                )
            dist.init_process_group(
                backend="gloo",
                init_method="env://",
                rank=self.ctx.rank,
                world_size=self.ctx.world_size,
                timeout=BARRIER_TIMEOUT,
            )
            self._owns_default = True
        seen = dist.get_world_size(self._group)
        if seen != self.ctx.world_size:
            raise UserError(
                f"the launcher's WORLD_SIZE is {self.ctx.world_size} but torch.distributed sees "
                f"{seen} processes; check the launch command"
            )

    def wait(self) -> None:
        if self.ctx.world_size > 1:
            import torch.distributed as dist

            dist.barrier(group=self._group)

    def close(self) -> None:
        if self._owns_default:
            import torch.distributed as dist

            dist.destroy_process_group()
            self._owns_default = False
