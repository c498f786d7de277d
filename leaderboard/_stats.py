"""What the leaderboard adds to `petar_bench.stats`: the paired test with its defaults, the
CI of a paired difference, and an effect size over patients. Resamples are aggregated by the
metric itself (its `aggregate_batch`: one matrix product on the bases of metrics/base.py).

The paired test and Holm's correction themselves are `petar_bench.stats` (one
implementation for `compare`, the board's rank groups and `check`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from petar_bench.metrics.base import Metric
from petar_bench.stats import (
    Alternative,
    PairedTest,
    bootstrap_weights,
    cluster_codes,
    corpus_values,
    paired_permutation_test,
)


def paired_test(
    metric: Metric,
    stats_a: np.ndarray,
    stats_b: np.ndarray,
    patient_ids: Sequence[str] | None,
    *,
    n_trials: int = 10_000,
    seed: int = 12345,
    alternative: Alternative = "two-sided",
) -> PairedTest:
    """`petar_bench.stats.paired_permutation_test` with the board's defaults."""
    return paired_permutation_test(
        metric, stats_a, stats_b, patient_ids, n_trials=n_trials, seed=seed, alternative=alternative
    )


@dataclass(frozen=True)
class PairedDelta:
    """Paired patient bootstrap of metric(A) - metric(B)."""

    low: float
    high: float
    #: Standard deviation of the bootstrap differences (the standard error of A - B).
    se: float
    n_valid: int


def paired_delta_ci(
    metric: Metric,
    stats_a: np.ndarray,
    stats_b: np.ndarray,
    patient_ids: Sequence[str] | None,
    *,
    n: int = 1000,
    seed: int = 12345,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile CI of metric(A) - metric(B): each resample draws whole patients once and
    applies the same draw to both systems (the pairing is kept)."""
    found = paired_delta_bootstrap(
        metric, stats_a, stats_b, patient_ids, n=n, seed=seed, level=level
    )
    return found.low, found.high


def paired_delta_bootstrap(
    metric: Metric,
    stats_a: np.ndarray,
    stats_b: np.ndarray,
    patient_ids: Sequence[str] | None,
    *,
    n: int = 1000,
    seed: int = 12345,
    level: float = 0.95,
) -> PairedDelta:
    """`paired_delta_ci` plus the bootstrap standard error of the paired difference."""
    a = np.asarray(stats_a, dtype=np.float64)
    b = np.asarray(stats_b, dtype=np.float64)
    codes, n_clusters, _ = cluster_codes(patient_ids, len(a))
    deltas = np.concatenate(
        [
            corpus_values(metric, a, w) - corpus_values(metric, b, w)
            for w in bootstrap_weights(codes, n_clusters, n, seed)
        ]
    )
    finite = deltas[np.isfinite(deltas)]
    if finite.size == 0:
        nan = float("nan")
        return PairedDelta(nan, nan, nan, 0)
    tail = (1.0 - level) / 2.0 * 100.0
    low, high = np.percentile(finite, [tail, 100.0 - tail])
    se = float(np.std(finite, ddof=1)) if finite.size > 1 else 0.0
    return PairedDelta(float(low), float(high), se, int(finite.size))


def patient_effect_size(
    scores_a: np.ndarray, scores_b: np.ndarray, patient_ids: Sequence[str] | None
) -> float:
    """Cohen's d_z over patients: mean / SD of the per-patient mean difference of per-sample
    scores (A - B). NaN when the differences have no spread (identical or one patient)."""
    diff = np.asarray(scores_a, dtype=np.float64) - np.asarray(scores_b, dtype=np.float64)
    codes, n_clusters, _ = cluster_codes(patient_ids, len(diff))
    sums = np.bincount(codes, weights=diff, minlength=n_clusters)
    per_patient = sums / np.bincount(codes, minlength=n_clusters)
    if n_clusters < 2:
        return float("nan")
    spread = float(np.std(per_patient, ddof=1))
    return float(np.mean(per_patient)) / spread if spread > 0 else float("nan")
