"""What the leaderboard adds to `petar_bench.stats`: a faster aggregation for metrics that
do not batch their own, the CI of a paired difference, and an effect size over patients.

The paired test and Holm's correction themselves are `petar_bench.stats` (one
implementation for `compare`, the board's rank groups and `check`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from petar_bench.stats import (
    Alternative,
    PairedTest,
    bootstrap_weights,
    cluster_codes,
    corpus_values,
    paired_permutation_test,
)


class _RowAggregating:
    """A metric whose value depends only on its statistics' column sums (or means), with the
    batched aggregation `petar_bench.stats` looks for: one matrix product gives each
    resample's summed (or mean) row; the metric then scores those rows, all at once through
    its `per_sample` when that agrees with `aggregate` on single rows (METEOR, ROUGE-L,
    CIDEr), else one `aggregate` call per row (still no n-row copies)."""

    def __init__(self, metric: Any, mean: bool, vectorized: bool) -> None:
        self.metric, self.mean, self.vectorized = metric, mean, vectorized

    def aggregate(self, stats: np.ndarray) -> float:
        return float(self.metric.aggregate(stats))

    def per_sample(self, stats: np.ndarray) -> np.ndarray:
        return np.asarray(self.metric.per_sample(stats))

    def rows(self, stats: np.ndarray, weights: np.ndarray) -> np.ndarray:
        w = np.asarray(weights, dtype=np.float64)
        rows = w @ np.asarray(stats, dtype=np.float64)
        return rows / w.sum(axis=1, keepdims=True) if self.mean else rows

    def score_rows(self, rows: np.ndarray) -> np.ndarray:
        if self.vectorized:
            return np.asarray(self.metric.per_sample(rows), dtype=np.float64)
        return np.array([self.metric.aggregate(row[None, :]) for row in rows], dtype=np.float64)

    def aggregate_batch(self, stats: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return self.score_rows(self.rows(stats, weights))


def _close(a: Any, b: Any) -> bool:
    return bool(np.allclose(a, b, rtol=1e-9, atol=1e-12))


def _row_property(metric: Any, stats: np.ndarray, mean: bool, seed: int = 0) -> bool:
    """Does aggregate(subset) equal aggregate(one row: the subset's column sum or mean), on
    the full set and on random resamples of several sizes (with repeats)?"""
    rng = np.random.default_rng(seed)
    n = len(stats)
    subsets = [np.arange(n)] + [rng.integers(0, n, size=max(2, n // d)) for d in (2, 3, 5)]
    for rows in subsets:
        sub = stats[rows]
        row = sub.mean(axis=0) if mean else sub.sum(axis=0)
        if not _close(metric.aggregate(sub), metric.aggregate(row[None, :])):
            return False
    return True


def _vectorized(wrapper: _RowAggregating, stats: np.ndarray, seed: int = 1) -> bool:
    """Does the metric's per_sample score resample rows exactly as aggregate does?"""
    weights = np.random.default_rng(seed).integers(0, 3, size=(8, len(stats)))
    weights[:, 0] += 1  # never an empty resample
    rows = wrapper.rows(stats, weights)
    try:
        fast = np.asarray(wrapper.metric.per_sample(rows), dtype=np.float64)
    except Exception:  # a per_sample that cannot take such rows: use the loop
        return False
    slow = [wrapper.metric.aggregate(row[None, :]) for row in rows]
    return fast.shape == (len(rows),) and _close(fast, slow)


def fast_aggregator(metric: Any, stats: np.ndarray) -> Any:
    """`metric`, or a wrapper with a matrix-product `aggregate_batch` when the metric has none
    of its own and its value provably (on these statistics) depends only on column sums
    (BLEU, METEOR) or column means (ROUGE-L, CIDEr: sample means). Exact for such metrics;
    anything else, or statistics with NaN, keeps the metric's own aggregation."""
    from petar_bench.metrics.base import Metric

    own = getattr(type(metric), "aggregate_batch", None)
    stats = np.asarray(stats, dtype=np.float64)
    if own is not Metric.aggregate_batch or len(stats) < 2 or not np.isfinite(stats).all():
        return metric
    for mean in (False, True):
        if _row_property(metric, stats, mean):
            wrapper = _RowAggregating(metric, mean, vectorized=False)
            wrapper.vectorized = _vectorized(wrapper, stats)
            return wrapper
    return metric


def paired_test(
    metric: Any,
    stats_a: np.ndarray,
    stats_b: np.ndarray,
    patient_ids: Sequence[str] | None,
    *,
    n_trials: int = 10_000,
    seed: int = 12345,
    alternative: Alternative = "two-sided",
) -> PairedTest:
    """`petar_bench.stats.paired_permutation_test` with the fastest exact aggregation."""
    fast = fast_aggregator(metric, np.vstack([stats_a, stats_b]))
    return paired_permutation_test(
        fast, stats_a, stats_b, patient_ids, n_trials=n_trials, seed=seed, alternative=alternative
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
    metric: Any,
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
    metric: Any,
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
    metric = fast_aggregator(metric, np.vstack([a, b]))
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
