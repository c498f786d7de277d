"""The last step of a run or merge: proof of completeness, the final files, the scores, and
the RunResult (built here only).

Completeness is proven from sample ids, never by counting files: every sample of the run must
have exactly one "ok" generation across the store files of its run key. Scoring happens only
when that holds and no sample failed, so a score never silently covers fewer samples.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from petar_bench.engine._config import RunConfig
from petar_bench.engine._layout import RunLayout
from petar_bench.engine._reporting import RunReporter
from petar_bench.engine._request import RunResult
from petar_bench.engine._shards import Shard
from petar_bench.engine._store import Generation, add_generation, read_store
from petar_bench.errors import UserError
from petar_bench.fileio import atomic_write_text
from petar_bench.metrics.errors import MetricFailed
from petar_bench.records import LesionRecord

#: `score_texts`-compatible callable (see petar_bench.metrics.scoring).
Scorer = Callable[..., Any]


@dataclass
class Collected:
    """The generations of a run's samples, gathered from its store files."""

    predictions: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    duplicates: dict[str, list[str]] = field(default_factory=dict)  # id -> files
    warnings: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.failures and not self.duplicates


def collect_generations(
    stores: Sequence[Path], run_key: str, sample_ids: Sequence[str]
) -> Collected:
    """Gather the samples `sample_ids` from `stores` (all of one run key)."""
    wanted = set(sample_ids)
    combined: dict[str, Generation] = {}
    holders: dict[str, list[str]] = {}
    collected = Collected()
    for path in stores:
        scan = read_store(path, run_key)
        collected.warnings += scan.warnings()
        for sample_id in scan.conflicts:
            holders.setdefault(sample_id, []).append(path.name)
        for generation in scan.entries.values():
            if generation.sample_id not in wanted:
                continue
            if generation.status == "ok":
                holders.setdefault(generation.sample_id, []).append(path.name)
            add_generation(combined, generation)
    for sample_id in sample_ids:
        found = combined.get(sample_id)
        if found is None:
            collected.missing.append(sample_id)
        elif found.status == "ok":
            collected.predictions[sample_id] = found.prediction or ""
        else:
            collected.failures[sample_id] = found.error or "unknown error"
    collected.duplicates = {k: v for k, v in holders.items() if len(v) > 1}
    return collected


def _some(ids: Sequence[str], n: int = 10) -> str:
    shown = ", ".join(repr(i) for i in list(ids)[:n])
    return shown + (f" and {len(ids) - n} more" if len(ids) > n else "")


def incompleteness(collected: Collected, n_samples: int) -> str | None:
    """A one-line account of missing and duplicated samples, or None when there are none."""
    parts = []
    if collected.missing:
        parts.append(
            f"{len(collected.missing)} of {n_samples} samples missing: {_some(collected.missing)}"
        )
    if collected.duplicates:
        dups = [f"{k!r} in {', '.join(v)}" for k, v in list(collected.duplicates.items())[:10]]
        parts.append(f"{len(collected.duplicates)} duplicated: {'; '.join(dups)}")
    return "; ".join(parts) or None


def write_run_files(
    layout: RunLayout, config: RunConfig, records: Sequence[LesionRecord], collected: Collected
) -> None:
    """predictions.jsonl (split order, successes only), failures.jsonl and config.json."""
    lines = [
        json.dumps(
            {"sample_id": r.sample_id, "prediction": collected.predictions[r.sample_id]},
            ensure_ascii=False,
        )
        for r in records
        if r.sample_id in collected.predictions
    ]
    atomic_write_text(layout.predictions, "".join(line + "\n" for line in lines))
    failures = [
        json.dumps(
            {"sample_id": r.sample_id, "error": collected.failures[r.sample_id]}, ensure_ascii=False
        )
        for r in records
        if r.sample_id in collected.failures
    ]
    atomic_write_text(layout.failures, "".join(line + "\n" for line in failures))
    atomic_write_text(layout.config, config.model_dump_json(indent=1) + "\n")


def score_run(
    scorer: Scorer, config: RunConfig, records: Sequence[LesionRecord], collected: Collected
) -> Any:
    """Call the scorer with everything a metric may use (records keyed by sample id, and
    image measurements when a numeric-fidelity metric asks for them)."""
    from petar_bench.metrics._inputs import dataset_inputs

    inputs = dataset_inputs(
        {r.sample_id: collected.predictions[r.sample_id] for r in records},
        records,
        config.metrics,
        root=Path(config.dataset_root),
        dataset=config.dataset,
        synthetic=config.synthetic,
        split_fingerprint=config.split_fingerprint,
        full_split=config.full_split,
    )
    return scorer(inputs.predictions, inputs.references, list(config.metrics), **inputs.context())


def report_json(report: Any) -> str:
    if hasattr(report, "model_dump_json"):
        return str(report.model_dump_json(indent=1)) + "\n"
    return json.dumps(report, indent=1, ensure_ascii=False, default=str) + "\n"


def default_scorer() -> Scorer:
    from petar_bench.metrics.scoring import score_texts

    return score_texts


def write_scores(path: Path, report: Any, run_key: str | None = None) -> Path:
    """scores.json, stamped with the run key whose predictions it scores (checked on read:
    see `petar_bench.leaderboard._loaded`), so it can never pass for another run's scores."""
    if run_key is None:
        return atomic_write_text(path, report_json(report))
    data = json.loads(report_json(report))
    data["run_key"] = run_key
    return atomic_write_text(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")


# ---- the last step of a run or merge -------------------------------------------------


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
    reporter: RunReporter,
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
        reporter.warning(
            f"{len(collected.failures)} of {len(records)} samples failed "
            f"(first: {first[0]!r}: {first[1]}); NOT scored: scores need every sample. "
            f"See {layout.failures}; fix the cause and rerun with --retry-failed",
        )
        return Completion(scored=False)
    if not score:
        if not quiet:
            reporter.message(f"generation only: predictions in {layout.predictions}")
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
        reporter.scores(config.model, report, synthetic=config.synthetic)
        reporter.message(f"scores written to {layout.scores}")
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
