"""Reading a ScoreReport into the entry's per-metric scores.

The report is the scoring contract (`petar_bench.metrics.scoring.ScoreReport`, read from disk
with `read_scores`); this module is where the leaderboard turns it into entry scores.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from petar_bench.leaderboard._entry import BoardMetricScore, stats_matrix

if TYPE_CHECKING:  # the scoring module is not needed to rank or show a board
    from petar_bench.metrics.scoring import ScoreReport


def raw_stats(report: ScoreReport, metric_id: str, n: int | None = None) -> np.ndarray | None:
    """The (n, k) statistics of one metric (the report's "stats" section; null = NaN).

    ValueError (from `stats_matrix`) when they are not a rectangle of numbers with `n` rows.
    """
    rows = report.stats.get(metric_id)
    if rows is None:
        return None
    return stats_matrix(rows, n=n)


def _reorder(values: np.ndarray, have: Sequence[str], want: Sequence[str]) -> np.ndarray:
    if list(have) == list(want):
        return values
    where = {s: i for i, s in enumerate(have)}
    return values[[where[s] for s in want]]


#: A stratum with fewer patients than this is flagged as too small on boards: its patient
#: bootstrap would resample 1-4 clusters, so its interval says nothing.
MIN_STRATUM_PATIENTS = 5


def board_strata(strata: Mapping[str, Any]) -> dict[str, Any]:
    """A report's strata as a board keeps them: a level with fewer than
    MIN_STRATUM_PATIENTS patients keeps its counts and is flagged `too_small`, without values
    or intervals; every other level is kept as it is."""
    out: dict[str, Any] = {}
    for axis, levels in strata.items():
        if not isinstance(levels, Mapping):
            out[str(axis)] = levels
            continue
        out[str(axis)] = {
            str(level): _flag_small(cell) if isinstance(cell, Mapping) else cell
            for level, cell in levels.items()
        }
    return out


def _flag_small(cell: Mapping[str, Any]) -> dict[str, Any]:
    patients = cell.get("n_patients")
    if isinstance(patients, int) and patients < MIN_STRATUM_PATIENTS:
        return {"n": cell.get("n"), "n_patients": patients, "too_small": True, "metrics": {}}
    return dict(cell)


def entry_metrics(
    report: ScoreReport, sample_ids: Sequence[str]
) -> tuple[dict[str, BoardMetricScore], dict[str, str], dict[str, object]]:
    """(scores with statistics, not-computed reasons, strata) of a report, in `sample_ids` order.

    A metric whose statistics are missing from the report moves to not-computed: without
    them no paired test can be run, so it cannot be ranked.
    """
    have = report.sample_ids or list(sample_ids)
    scores: dict[str, BoardMetricScore] = {}
    not_computed = dict(report.not_computed)
    for metric_id, block in report.metrics.items():
        stats = raw_stats(report, metric_id)
        if stats is None:
            not_computed[metric_id] = "the score report carries no per-sample statistics"
            continue
        if block.value is None:
            not_computed[metric_id] = "undefined on this split (e.g. 0/0)"
            continue
        low, high = block.ci95
        ordered = _reorder(stats, have, sample_ids)
        scores[metric_id] = BoardMetricScore(
            value=float(block.value),
            ci95=(float(low), float(high)) if low is not None and high is not None else None,
            signature=block.signature,
            higher_is_better=block.higher_is_better,
            n=block.n,
            extras=dict(block.extras),
            warnings=list(block.warnings),
            stats=[[None if np.isnan(x) else float(x) for x in row] for row in ordered],
            options=dict(report.metric_options.get(metric_id) or {}),
        )
    strata = report.model_dump(mode="json", include={"strata"})["strata"]
    return scores, not_computed, board_strata(strata or {})


def metric_identity(signature: str) -> str:
    """The part of a signature that fixes the metric's values: everything but the CI tag and
    the backend.

    score_texts appends '|ci:boot-patient-1000-seed12345[-fixed-df]' to each signature; the
    resampling settings change the CI, not the statistics, so two runs that differ only there
    may still be compared and share a board. `backend:` names which of two implementations
    tested equal produced the values (METEOR's native code or its jar), so it does not
    separate scores either.
    """
    parts = signature.split("|")
    return "|".join(p for p in parts if not p.startswith(("ci:", "backend:")))
