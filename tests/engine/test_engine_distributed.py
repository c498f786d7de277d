"""Rank and world size from the launcher's environment."""

from __future__ import annotations

import pytest

from petar_bench.engine._distributed import Barrier, DistContext, detect_distributed
from petar_bench.errors import UserError


def test_single_process_without_launcher_variables():
    ctx = detect_distributed({})
    assert (ctx.rank, ctx.world_size, ctx.is_main, ctx.prefix) == (0, 1, True, "")
    Barrier(ctx).wait()  # a no-op, no torch.distributed needed


def test_torchrun_and_accelerate_variables():
    ctx = detect_distributed({"RANK": "3", "WORLD_SIZE": "4", "LOCAL_RANK": "1"})
    assert ctx == DistContext(3, 4, 1, "RANK/WORLD_SIZE")
    assert not ctx.is_main and ctx.prefix == "[rank 3/4] "


def test_mpi_variables_are_a_fallback():
    ctx = detect_distributed({"OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "2"})
    assert (ctx.rank, ctx.world_size) == (1, 2)


@pytest.mark.parametrize("env", [{"RANK": "2", "WORLD_SIZE": "2"}, {"WORLD_SIZE": "x"}])
def test_impossible_launches_are_user_errors(env):
    with pytest.raises(UserError):
        detect_distributed(env)
