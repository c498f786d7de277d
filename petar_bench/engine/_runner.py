"""`petar-bench run`: generate a split with a model into the store, then finish the run.

One process (or one rank of `accelerate launch`, or one `--shard I/N`) generates its samples
into its own store file under the run key, skipping samples any store of that key already
holds (resume). Then an unsharded run (rank 0 after waiting for all ranks) proves the run
complete, writes predictions.jsonl and config.json, and scores. User shards stop after
generating: `petar-bench merge` finishes them.
"""

from __future__ import annotations

import dataclasses
import random
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from petar_bench._bounds import NUM_WORKERS_RANGE, check_range, check_seed
from petar_bench.baselines.base import TrainingExample
from petar_bench.engine._config import RunConfig, jsonable
from petar_bench.engine._dataloading import (
    LesionDataset,
    feed_preparer,
    feeds_cuda,
    iter_batches,
    iter_training_examples,
)
from petar_bench.engine._distributed import Barrier, DistContext, detect_distributed
from petar_bench.engine._finalize import (
    RunCounts,
    Scorer,
    collect_generations,
    complete_run,
    run_result,
)
from petar_bench.engine._generate import FailureBudget, LoopCounts, generate_into_store
from petar_bench.engine._layout import RunLayout, default_output_dir, header_path
from petar_bench.engine._lock import RunLock, busy_message, live_holder
from petar_bench.engine._plan import limit_warning, run_dataset, select_scope
from petar_bench.engine._provenance import collect_provenance, finished
from petar_bench.engine._reporting import RunReporter, terminal_reporter
from petar_bench.engine._request import RunRequest, RunResult
from petar_bench.engine._runkey import compute_run_key, run_key_inputs
from petar_bench.engine._shards import Shard, compose_shard
from petar_bench.engine._store import Generation, GenerationStore, combine_stores, read_store
from petar_bench.errors import UserError
from petar_bench.fileio import atomic_write_text, ensure_output_dir


def run_benchmark(
    request: RunRequest,
    *,
    reporter: RunReporter | None = None,
    scorer: Scorer | None = None,
    quiet: bool = False,
) -> RunResult:
    """Generate (resuming), then finish and score the run; see the module docstring.

    What happens is told to `reporter` (default: the terminal); with `quiet` it is told only
    the warnings and the final count.
    """
    request = normalise_request(request)
    ctx = detect_distributed()
    barrier = Barrier(ctx)
    try:
        run = _Run(request, ctx, reporter or terminal_reporter(), scorer, quiet)
        return run.execute(barrier)
    finally:
        barrier.close()


def normalise_request(request: RunRequest) -> RunRequest:
    """Accept the CLI's plain values: shard as (I, N), argv and metrics as lists."""
    shard: Any = request.shard
    if shard is not None and not isinstance(shard, Shard):
        shard = Shard(int(shard[0]), int(shard[1]))
    if request.batch_size < 1:
        raise UserError(f"--batch-size must be at least 1, not {request.batch_size}")
    if request.num_workers < 0 or request.max_failures < 0:
        raise UserError("--num-workers and --max-failures must be 0 or more")
    check_range("--num-workers", request.num_workers, NUM_WORKERS_RANGE)
    check_seed(request.seed)
    output = Path(request.output_dir) if request.output_dir is not None else None
    return dataclasses.replace(
        request,
        shard=shard,
        output_dir=output,
        argv=tuple(request.argv),
        metrics=tuple(request.metrics),
    )


def _seed_everything(seed: int) -> None:
    import numpy as np

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


class _Run:
    def __init__(
        self,
        request: RunRequest,
        ctx: DistContext,
        reporter: RunReporter,
        scorer: Scorer | None,
        quiet: bool,
    ) -> None:
        from petar_bench.registry import models

        self.request, self.ctx, self.reporter = request, ctx, reporter
        self.scorer, self.quiet = scorer, quiet
        # Adapters are created first so that setup mistakes (unknown model, missing weights)
        # fail in a second, before a dataset is generated or read. Creation must stay cheap:
        # adapters load heavy weights lazily, on their first generate().
        self.adapter = models.create(request.model, **request.model_options)
        self.dataset = run_dataset(request.dataset)
        self.manifest = self.dataset.manifest
        self.scope = select_scope(self.manifest, request.split, request.limit)
        user_shard = request.shard if isinstance(request.shard, Shard) else None  # normalised
        self.shard = compose_shard(user_shard, ctx.rank, ctx.world_size)
        self.mine = self.scope.for_shard(self.shard)
        self.layout = RunLayout(
            request.output_dir
            or default_output_dir(
                request.model, self.manifest.dataset, request.split, request.limit
            )
        )
        self.finalizes = request.shard is None and ctx.is_main
        self._refuse_busy_directory()  # before loading a model that may take minutes
        self._check_metrics()
        self.card = self.adapter.card
        self.run_key = compute_run_key(self.card, self.scope.fingerprint, seed=request.seed)
        self.provenance = collect_provenance(
            argv=request.argv,
            seed=request.seed,
            batch_size=request.batch_size,
            num_workers=request.num_workers,
            dtype=self._dtype(),
            rank=ctx.rank,
            world_size=ctx.world_size,
        )
        self.reused = 0
        self.failed_before = 0

    def _dtype(self) -> str | None:
        value = self.card.settings.get("dtype", self.request.model_options.get("dtype"))
        return None if value is None else str(value)

    def say(self, text: str) -> None:
        if not self.quiet:
            self.reporter.message(f"{self.ctx.prefix}{text}")

    def warn(self, text: str) -> None:
        self.reporter.warning(f"{self.ctx.prefix}{text}")

    def config(
        self, kind: str, merged_from: tuple[str, ...] = (), ended: bool = False
    ) -> RunConfig:
        r = self.request
        return RunConfig(
            kind=kind,
            run_key=self.run_key,
            run_key_inputs=run_key_inputs(self.card, self.scope.fingerprint, seed=r.seed),
            model=r.model,
            model_card=self.card.model_dump(mode="json"),
            model_options=jsonable(r.model_options),
            dataset=self.manifest.dataset,
            dataset_spec=self.dataset.spec,
            dataset_root=str(self.dataset.root.resolve()),
            synthetic=self.manifest.synthetic,
            split=r.split,
            split_fingerprint=self.scope.fingerprint,
            limit=r.limit,
            full_split=self.scope.full_split,
            n_samples=len(self.scope.records),
            shard=str(self.shard) if kind == "shard" and self.shard else None,
            batch_size=r.batch_size,
            num_workers=r.num_workers,
            seed=r.seed,
            metrics=list(r.metrics),
            max_failures=r.max_failures,
            merged_from=list(merged_from),
            provenance=finished(self.provenance) if ended else self.provenance,
        )

    def execute(self, barrier: Barrier) -> RunResult:
        ensure_output_dir(self.layout.generations, what="run directory")
        self._announce()
        with ExitStack() as stack:
            if self.finalizes:
                stack.enter_context(RunLock(self.layout.main_lock, self._purpose()))
            elif self.request.shard is not None:
                self._refuse_beside_full_run()
            started = time.perf_counter()
            counts = self._generate()
            self._report_counts(counts, time.perf_counter() - started)
            barrier.wait()
            if not self.finalizes:
                return self._shard_result(counts)
            return self._finish(counts)

    def _purpose(self) -> str:
        return f"petar-bench run --model {self.request.model}, run key {self.run_key}"

    def _announce(self) -> None:
        part = f" (shard {self.shard})" if self.shard else ""
        self.say(
            f"run {self.run_key}: {self.request.model} on {self.manifest.dataset}/"
            f"{self.request.split}, {len(self.mine)} samples{part} -> {self.layout.root}"
        )
        if self.ctx.is_main:
            if self.manifest.synthetic and not self.quiet:
                self.reporter.synthetic_banner()
            note = limit_warning(self.scope, self.request.split, self.request.limit)
            if note:
                self.warn(note)

    def _check_metrics(self) -> None:
        """Unknown metric ids fail now, not after hours of generation (default scorer only)."""
        if self.scorer is not None or not self.request.score or not self.finalizes:
            return
        from petar_bench.registry import metrics

        for metric_id in self.request.metrics:
            metrics.get(metric_id)

    def _refuse_busy_directory(self) -> None:
        """Early, cheap check; the lock itself is taken in execute()."""
        holder = live_holder(self.layout.main_lock)
        if holder is not None and self.finalizes:
            raise UserError(busy_message(self.layout.main_lock, holder))
        if self.request.shard is not None:
            self._refuse_beside_full_run()

    def _refuse_beside_full_run(self) -> None:
        holder = live_holder(self.layout.main_lock)
        if holder is not None:
            raise UserError(
                f"{str(self.layout.root)!r} is being written by an unsharded run "
                f"({holder.describe()}); give shards their own --output-dir or wait"
            )

    def _generate(self) -> LoopCounts:
        store_path = self.layout.store(self.run_key, self.shard)
        lock = RunLock(self.layout.store_lock(store_path), self._purpose())
        with lock, GenerationStore(store_path, self.run_key) as store:
            header = self.config("shard").model_dump_json(indent=1)
            atomic_write_text(header_path(store_path), header)
            assert store.scan is not None
            for note in store.scan.warnings():
                self.warn(note)
            todo, before = self._partition(store)
            budget = FailureBudget(
                self.request.max_failures,
                len(before),
                before[0] if before else None,
                where=str(store_path),
            )
            budget.check()
            counts = LoopCounts()
            if todo:
                self._prepare_adapter()
                counts = self._loop(todo, store, budget)
            atomic_write_text(
                header_path(store_path), self.config("shard", ended=True).model_dump_json(indent=1)
            )
        return counts

    def _partition(self, store: GenerationStore) -> tuple[list, list[Generation]]:
        """(records to generate, earlier failures kept as failures)."""
        others = [
            read_store(p, self.run_key) for p in self.layout.stores(self.run_key) if p != store.path
        ]
        known = combine_stores([*others, *([store.scan] if store.scan else [])])
        todo, before = [], []
        for record in self.mine:
            found = known.get(record.sample_id)
            if found is None or (found.status == "error" and self.request.retry_failed):
                todo.append(record)
            elif found.status == "error":
                before.append(found)
        self.reused = len(self.mine) - len(todo) - len(before)
        self.failed_before = len(before)
        return todo, before

    def _prepare_adapter(self) -> None:
        _seed_everything(self.request.seed)
        self.adapter.load()
        if not getattr(self.adapter, "needs_training_data", False):
            return
        try:
            train = self.manifest.split("train")
        except UserError:
            raise UserError(
                f"model {self.request.model!r} learns from the train split, but dataset "
                f"{self.manifest.dataset!r} has none"
            ) from None
        skipped: list = []
        examples = iter_training_examples(
            self.dataset.root, train, num_workers=self.request.num_workers, skipped=skipped
        )
        self.adapter.fit(TrainingExample(inp, rec) for inp, rec in examples)
        if skipped:
            self.warn(
                f"{len(skipped)} train lesions could not be loaded and were left out "
                f"of fit (first: {skipped[0][0]!r}: {skipped[0][1]})"
            )

    def _loop(self, todo: list, store: GenerationStore, budget: FailureBudget) -> LoopCounts:
        dataset = LesionDataset(self.dataset.root, todo, prepare=feed_preparer(self.adapter))
        batches = iter_batches(
            dataset,
            batch_size=self.request.batch_size,
            num_workers=self.request.num_workers,
            pin_memory=feeds_cuda(self.adapter),
        )
        label = f"{self.ctx.prefix}{self.request.model}"
        with self.reporter.progress(len(todo), label, enabled=self.ctx.is_main) as advance:
            try:
                return generate_into_store(self.adapter, batches, store, budget, advance)
            finally:
                # Said even when the loop stops early (failure budget, Ctrl-C): the counts
                # explain answers already in the store.
                for note in self.adapter.notes():
                    self.warn(note)

    def _report_counts(self, counts: LoopCounts, seconds: float) -> None:
        """Always printed (also without a terminal): the final count of this process."""
        done = self.reused + counts.generated
        rate = counts.generated / seconds if seconds > 0 else 0.0
        failed = counts.failed + self.failed_before
        self.reporter.message(
            f"{self.ctx.prefix}{done} of {len(self.mine)} samples done ({counts.generated} "
            f"generated, {self.reused} reused, {failed} failed) in {seconds:.1f} s "
            f"({rate:.2f} samples/s)",
        )

    def _shard_result(self, counts: LoopCounts) -> RunResult:
        if self.request.shard is not None:
            self.say(
                f"shard {self.shard} done; when all shards are done: "
                f"petar-bench merge {self.layout.root}"
            )
        where = self._counts(counts, failed=counts.failed + self.failed_before)
        return run_result(
            self.layout, self.run_key, where, store_path=self.layout.store(self.run_key, self.shard)
        )

    def _counts(self, counts: LoopCounts, failed: int) -> RunCounts:
        return RunCounts(
            n_samples=len(self.scope.records),
            n_generated=counts.generated,
            n_reused=self.reused,
            n_failed=failed,
            shard=self.shard,
            rank=self.ctx.rank,
            world_size=self.ctx.world_size,
        )

    def _finish(self, counts: LoopCounts) -> RunResult:
        stores = self.layout.stores(self.run_key)
        collected = collect_generations(stores, self.run_key, self.scope.sample_ids)
        for note in collected.warnings:
            self.warn(note)
        config = self.config("run", merged_from=tuple(p.name for p in stores), ended=True)
        done = complete_run(
            self.layout,
            config,
            self.scope.records,
            collected,
            score=self.request.score,
            scorer=self.scorer,
            reporter=self.reporter,
            quiet=self.quiet,
        )
        return run_result(
            self.layout,
            self.run_key,
            self._counts(counts, failed=len(collected.failures)),
            store_path=self.layout.store(self.run_key, self.shard),
            collected=collected,
            done=done,
        )
