"""Shards and merge: a merge proves every sample is present exactly once."""

from __future__ import annotations

import shutil

import engine_fakes as fakes
import pytest

from petar_bench.engine import RunRequest, Shard, merge_run, merge_shards, read_config
from petar_bench.engine import run_benchmark as run
from petar_bench.engine._layout import RunLayout
from petar_bench.engine._lock import RunLock
from petar_bench.errors import UserError


def _shard_runs(dataset, out, count, reporter, **changes):
    results = []
    for index in range(count):
        request = RunRequest(
            model="engine-echo",
            dataset=str(dataset),
            output_dir=out,
            shard=Shard(index, count),
            **changes,
        )
        results.append(run(request, scorer=fakes.fake_scorer, reporter=reporter))
    return results


def _full(dataset, out, reporter):
    request = RunRequest(model="engine-echo", dataset=str(dataset), output_dir=out)
    return run(request, scorer=fakes.fake_scorer, reporter=reporter)


def test_merged_shards_equal_a_single_run(tiny_dataset, tmp_path, captured):
    single = _full(tiny_dataset, tmp_path / "single", captured.reporter)
    shards = _shard_runs(tiny_dataset, tmp_path / "sharded", 3, captured.reporter)
    assert {s.run_key for s in shards} == {single.run_key}  # N is not in the key
    assert not any(s.finalized for s in shards)
    assert not (tmp_path / "sharded" / "predictions.jsonl").exists()
    merged = merge_run(tmp_path / "sharded", scorer=fakes.fake_scorer, reporter=captured.reporter)
    assert merged.complete and merged.scored
    assert merged.predictions_path.read_text() == single.predictions_path.read_text()
    config = read_config(merged.config_path)
    assert config.kind == "run" and len(config.merged_from) == 3 and config.shard is None
    assert "each exactly once" in captured.text


def test_missing_shard_is_named(tiny_dataset, tmp_path, captured):
    _shard_runs(tiny_dataset, tmp_path, 3, captured.reporter)
    store = RunLayout(tmp_path).stores()[1]
    store.unlink()
    with pytest.raises(UserError, match=r"3 of 9 samples missing: 's03-0'"):
        merge_run(tmp_path, scorer=fakes.fake_scorer, reporter=captured.reporter)
    assert not (tmp_path / "predictions.jsonl").exists()  # nothing half-written


def test_duplicated_sample_is_named(tiny_dataset, tmp_path, captured):
    _shard_runs(tiny_dataset, tmp_path, 2, captured.reporter)
    first, second = RunLayout(tmp_path).stores()
    line = first.read_bytes().splitlines(keepends=True)[0]
    with open(second, "ab") as handle:
        handle.write(line)
    with pytest.raises(UserError, match=r"1 duplicated: 's02-0' in .*shard-0-of-2.*shard-1-of-2"):
        merge_run(tmp_path, scorer=fakes.fake_scorer, reporter=captured.reporter)


def test_shards_of_another_run_key_are_refused(tiny_dataset, tmp_path, captured):
    _shard_runs(tiny_dataset, tmp_path / "a", 2, captured.reporter)
    _shard_runs(tiny_dataset, tmp_path / "b", 2, captured.reporter, model_options={"variant": "b"})
    foreign = RunLayout(tmp_path / "b").stores()[1]
    for path in (foreign, foreign.with_suffix(".json")):  # a store file and its header
        shutil.copy(path, tmp_path / "a" / "generations" / path.name)
    with pytest.raises(UserError, match="come from different runs"):
        merge_run(tmp_path / "a", scorer=fakes.fake_scorer, reporter=captured.reporter)
    key = RunLayout(tmp_path / "b").stores()[0].name[:16]
    with pytest.raises(UserError, match="missing"):  # one of its shards is absent here
        merge_run(tmp_path / "a", run_key=key, scorer=fakes.fake_scorer, reporter=captured.reporter)


def test_shards_with_different_n_and_an_unsharded_store_merge(tiny_dataset, tmp_path, captured):
    """The cache is per run key: samples done under N=2 are reused under N=3."""
    limited = RunRequest(
        model="engine-echo", dataset=str(tiny_dataset), output_dir=tmp_path, limit=3
    )
    run(limited, scorer=fakes.fake_scorer, reporter=captured.reporter)  # unsharded store
    first = _shard_runs(tiny_dataset, tmp_path, 2, captured.reporter)
    assert sum(r.n_reused for r in first) == 3
    merged = merge_shards([tmp_path], scorer=fakes.fake_scorer, reporter=captured.reporter)
    assert merged.complete and merged.n_samples == 9


def test_merge_waits_for_running_shards(tiny_dataset, tmp_path, captured):
    _shard_runs(tiny_dataset, tmp_path, 2, captured.reporter)
    layout = RunLayout(tmp_path)
    with (
        RunLock(layout.store_lock(layout.stores()[0]), "a shard"),
        pytest.raises(UserError, match="still being written"),
    ):
        merge_run(tmp_path, scorer=fakes.fake_scorer, reporter=captured.reporter)


def test_merge_of_nothing_is_a_user_error(tmp_path, captured):
    with pytest.raises(UserError, match="no store files"):
        merge_run(tmp_path, reporter=captured.reporter)


def test_store_files_from_several_directories_merge_elsewhere(tiny_dataset, tmp_path, captured):
    """Shards written on different nodes (separate directories) merge into a third one."""
    single = _full(tiny_dataset, tmp_path / "single", captured.reporter)
    files = []
    for index in range(2):
        request = RunRequest(
            model="engine-echo",
            dataset=str(tiny_dataset),
            output_dir=tmp_path / f"node{index}",
            shard=Shard(index, 2),
        )
        result = run(request, scorer=fakes.fake_scorer, reporter=captured.reporter)
        files.append(result.store_path)
    merged = merge_shards(
        files, output_dir=tmp_path / "merged", scorer=fakes.fake_scorer, reporter=captured.reporter
    )
    assert merged.run_dir == tmp_path / "merged" and merged.scored
    assert merged.predictions_path.read_text() == single.predictions_path.read_text()
    with pytest.raises(UserError, match="neither a run directory nor a store file"):
        merge_shards([tmp_path / "single" / "config.json"], reporter=captured.reporter)
