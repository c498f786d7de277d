"""Shards: stable contiguous subsets, disjoint, complete, sizes within one."""

from __future__ import annotations

import pytest

from petar_bench.engine._shards import Shard, compose_shard, generation_order, parse_shard
from petar_bench.errors import UserError
from petar_bench.records import LesionRecord


def _records(n: int) -> list[LesionRecord]:
    return [
        LesionRecord(
            sample_id=f"id{i:03d}",
            patient_id="p",
            exam_id=f"e{(i * 7) % 5}",
            lesion_id=str(i),
            tracer="FDG",
            split="test",
            pet_path="p",
            ct_path="c",
            mask_path="m",
            reference="r",
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("n", [0, 1, 7, 23])
@pytest.mark.parametrize("count", [1, 2, 3, 8])
def test_shards_partition_the_samples(n, count):
    records = _records(n)
    parts = [Shard(i, count).select(records) for i in range(count)]
    ids = [r.sample_id for part in parts for r in part]
    assert sorted(ids) == sorted(r.sample_id for r in records)  # complete, disjoint
    sizes = [len(p) for p in parts]
    assert max(sizes) - min(sizes) <= 1


def test_selection_ignores_input_order_and_groups_exams():
    records = _records(20)
    shard = Shard(1, 3)
    assert shard.select(records) == shard.select(list(reversed(records)))
    exams = [r.exam_id for r in generation_order(records)]
    assert exams == sorted(exams)


def test_user_shard_split_across_ranks_stays_inside_it():
    records = _records(29)
    user = Shard(1, 3)
    inside = {r.sample_id for r in user.select(records)}
    ranks = [compose_shard(user, rank, 4).select(records) for rank in range(4)]
    assert {r.sample_id for part in ranks for r in part} == inside
    assert compose_shard(None, 1, 2) == Shard(1, 2) and compose_shard(user, 0, 1) == user


def test_parse_shard():
    assert parse_shard("2/8") == Shard(2, 8) and str(Shard(2, 8)) == "2/8"
    assert Shard(2, 8).label == "shard-2-of-8"
    for bad in ("8/8", "1", "a/b", "-1/4", "1/0"):
        with pytest.raises(UserError, match="I/N|counts from 0"):
            parse_shard(bad)
