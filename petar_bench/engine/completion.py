"""The last step of a run or merge: write the final files, then score when every sample is in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Console

from petar_bench.engine.config import RunConfig
from petar_bench.engine.display import plain, show_scores, warning
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
from petar_bench.errors import UserError
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
    report = score_run(scorer or default_scorer(), config, records, collected)
    write_scores(layout.scores, report, config.run_key)
    if not quiet:
        show_scores(console, config.model, report, synthetic=config.synthetic)
        plain(console, f"scores written to {layout.scores}")
    return Completion(scored=True, scores=report)
