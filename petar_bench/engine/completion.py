"""The last step of a run or merge: write the final files, then score when every sample is in."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from petar_bench.console import plain, show_scores, warning
from petar_bench.engine.config import RunConfig
from petar_bench.engine.finalize import (
    Collected,
    Scorer,
    default_scorer,
    incompleteness,
    score_run,
    write_run_files,
    write_scores,
)
from petar_bench.engine.layout import RunLayout
from petar_bench.engine.request import RunResult
from petar_bench.engine.shards import Shard
from petar_bench.errors import UserError
from petar_bench.metrics.errors import MetricFailed
from petar_bench.records import LesionRecord


@dataclass(frozen=True)
class Completion:
    scored: bool
    scores: Any = None


def complete_run(
    layout: RunLayout,
    config: RunConfig,
    records: Sequence[LesionRecord],
    collected: Collected,
    *,
    score: bool,
    scorer: Scorer | None,
    console: Console,
    quiet: bool = False,
) -> Completion:
    """Refuse incomplete runs; write predictions/failures/config; score a complete run."""
    problem = incompleteness(collected, len(records))
    if problem:
        raise UserError(
            f"run {config.run_key} in {str(layout.root)!r} is not complete: {problem}. "
            "Run the missing shards (or rerun the same command) and merge again"
        )
    # Any scores.json here describes the predictions being replaced: remove it before they
    # are, so a crash from here on leaves no scores (rather than another run's) beside them.
    layout.scores.unlink(missing_ok=True)
    write_run_files(layout, config, records, collected)
    if collected.failures:
        first = next(iter(collected.failures.items()))
        warning(
            console,
            f"{len(collected.failures)} of {len(records)} samples failed "
            f"(first: {first[0]!r}: {first[1]}); NOT scored: scores need every sample. "
            f"See {layout.failures}; fix the cause and rerun with --retry-failed",
        )
        return Completion(scored=False)
    if not score:
        if not quiet:
            plain(console, f"generation only: predictions in {layout.predictions}")
        return Completion(scored=False)
    try:
        report = score_run(scorer or default_scorer(), config, records, collected)
    except MetricFailed as exc:
        raise UserError(
            f"{exc}. The predictions are kept in {str(layout.predictions)!r}; rerun the same "
            "command to score them (nothing is generated again), or score them with "
            f"'petar-bench score {layout.predictions} --dataset {config.dataset_root} "
            f"--split {config.split} --output {layout.scores}'"
        ) from None
    write_scores(layout.scores, report, config.run_key)
    if not quiet:
        show_scores(console, config.model, report, synthetic=config.synthetic)
        plain(console, f"scores written to {layout.scores}")
    return Completion(scored=True, scores=report)


@dataclass(frozen=True)
class RunCounts:
    """Where a process stands: counts of the run's samples and its place among processes."""

    n_samples: int
    n_generated: int = 0
    n_reused: int = 0
    n_failed: int = 0
    shard: Shard | None = None
    rank: int = 0
    world_size: int = 1


def run_result(
    layout: RunLayout,
    run_key: str,
    counts: RunCounts,
    *,
    store_path: Path | None,
    collected: Collected | None = None,
    done: Completion | None = None,
) -> RunResult:
    """The one place a RunResult is built: a finished run (with `collected` and `done`:
    its final files and scores) or a shard/rank still waiting for the others."""
    base = RunResult(
        run_dir=layout.root,
        run_key=run_key,
        store_path=store_path,
        n_samples=counts.n_samples,
        n_generated=counts.n_generated,
        n_reused=counts.n_reused,
        n_failed=counts.n_failed,
        shard=counts.shard,
        rank=counts.rank,
        world_size=counts.world_size,
    )
    if collected is None or done is None:
        return base
    return dataclasses.replace(
        base,
        n_failed=len(collected.failures),
        finalized=True,
        complete=not collected.failures,
        scored=done.scored,
        config_path=layout.config,
        predictions_path=layout.predictions,
        failures_path=layout.failures,
        scores_path=layout.scores if done.scored else None,
        scores=done.scores,
        warnings=tuple(collected.warnings),
    )
