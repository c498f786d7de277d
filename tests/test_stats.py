"""petar_bench.stats against independent, straightforward implementations: a per-resample
loop that rebuilds each resample's rows, scipy.stats.bootstrap, and hand-computed Holm."""

from __future__ import annotations

import numpy as np
import pytest

from petar_bench.metrics.base import Metric, SampleStats, ScoringContext
from petar_bench.stats import (
    CHUNK,
    clustered_bootstrap_ci,
    holm,
    paired_permutation_test,
)


class MeanMetric(Metric):
    """Mean of column 0; aggregate_batch left at the base class's default loop."""

    id = "test_mean"

    def signature(self) -> str:
        return "test_mean"

    def statistics(self, predictions, references, context: ScoringContext) -> SampleStats:
        raise NotImplementedError

    def aggregate(self, stats: np.ndarray) -> float:
        return float(np.mean(stats[:, 0])) if len(stats) else float("nan")


class RatioMetric(MeanMetric):
    """sum(col 0) / sum(col 1) with a vectorised aggregate_batch (like BLEU-style metrics)."""

    id = "test_ratio"

    def aggregate(self, stats: np.ndarray) -> float:
        total = stats[:, 1].sum()
        return float(stats[:, 0].sum() / total) if total else float("nan")

    def aggregate_batch(self, stats: np.ndarray, weights: np.ndarray) -> np.ndarray:
        sums = weights.astype(float) @ stats
        with np.errstate(invalid="ignore", divide="ignore"):
            return sums[:, 0] / sums[:, 1]


def _data(n_patients: int = 40, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 5, size=n_patients)
    patients = [f"p{p:03d}" for p, k in enumerate(sizes) for _ in range(k)]
    stats = np.column_stack([rng.random(len(patients)), rng.integers(1, 4, len(patients))])
    return stats.astype(float), patients


def _loop_bootstrap(metric: Metric, stats: np.ndarray, patients: list[str], n: int, seed: int):
    """Independent: draw the same patients, rebuild each resample's rows, aggregate."""
    names = sorted(set(patients))
    rows_of = {p: [i for i, q in enumerate(patients) if q == p] for p in names}
    rng = np.random.default_rng(seed)
    values = []
    done = 0
    while done < n:
        b = min(CHUNK, n - done)
        for draw in rng.integers(0, len(names), size=(b, len(names))):
            rows = [i for k in draw for i in rows_of[names[k]]]
            values.append(metric.aggregate(stats[rows]))
        done += b
    return np.percentile(values, [2.5, 97.5])


@pytest.mark.parametrize("metric", [MeanMetric(), RatioMetric()])
def test_bootstrap_matches_a_plain_loop(metric: Metric) -> None:
    stats, patients = _data()
    ci = clustered_bootstrap_ci(metric, stats, patients, n=300, seed=7)
    low, high = _loop_bootstrap(metric, stats, patients, 300, 7)
    assert ci.low == pytest.approx(low, abs=1e-12) and ci.high == pytest.approx(high, abs=1e-12)
    assert ci.value == pytest.approx(metric.aggregate(stats))
    assert ci.unit == "patient" and ci.n_clusters == 40 and ci.n_valid == 300
    assert ci.tag() == "ci:boot-patient-300-seed7"
    assert ci.low < ci.value < ci.high


def test_bootstrap_equals_scipy_with_one_sample_per_patient() -> None:
    from scipy.stats import bootstrap

    rng = np.random.default_rng(3)
    x = rng.normal(size=60)
    ci = clustered_bootstrap_ci(MeanMetric(), x[:, None], None, n=500, seed=11)
    ref = bootstrap(
        (x,),
        np.mean,
        n_resamples=500,
        method="percentile",
        vectorized=True,
        rng=np.random.default_rng(11),
    ).confidence_interval
    assert ci.unit == "sample"
    assert ci.low == pytest.approx(ref.low, abs=1e-12)
    assert ci.high == pytest.approx(ref.high, abs=1e-12)


def test_bootstrap_is_seeded_and_clustering_widens_correlated_data() -> None:
    rng = np.random.default_rng(5)
    effects = rng.normal(size=30)
    patients = [f"p{p}" for p in range(30) for _ in range(6)]
    x = np.repeat(effects, 6)[:, None] + 0.05 * rng.normal(size=(180, 1))
    a = clustered_bootstrap_ci(MeanMetric(), x, patients, n=400, seed=1)
    b = clustered_bootstrap_ci(MeanMetric(), x, patients, n=400, seed=1)
    naive = clustered_bootstrap_ci(MeanMetric(), x, None, n=400, seed=1)
    assert (a.low, a.high) == (b.low, b.high)
    assert (a.high - a.low) > 1.8 * (naive.high - naive.low)


def _loop_permutation(metric, a, b, patients, n_trials, seed):
    """Independent: same swap draws, rows rebuilt per trial, two-sided with +1."""
    names = sorted(set(patients))
    rng = np.random.default_rng(seed)
    observed = abs(metric.aggregate(a) - metric.aggregate(b))
    count, done = 0, 0
    while done < n_trials:
        k = min(CHUNK, n_trials - done)
        for swap in rng.random((k, len(names))) < 0.5:
            flip = {names[j] for j in np.flatnonzero(swap)}
            rows_a = [b[i] if p in flip else a[i] for i, p in enumerate(patients)]
            rows_b = [a[i] if p in flip else b[i] for i, p in enumerate(patients)]
            diff = metric.aggregate(np.array(rows_a)) - metric.aggregate(np.array(rows_b))
            count += abs(diff) >= observed - 1e-12 * max(1.0, observed)
        done += k
    return (count + 1) / (n_trials + 1)


@pytest.mark.parametrize("metric", [MeanMetric(), RatioMetric()])
def test_permutation_matches_a_plain_loop(metric: Metric) -> None:
    stats, patients = _data(25, seed=2)
    rng = np.random.default_rng(9)
    other = stats.copy()
    other[:, 0] = np.clip(stats[:, 0] + rng.normal(0.08, 0.2, len(stats)), 0, None)
    test = paired_permutation_test(metric, other, stats, patients, n_trials=1500, seed=4)
    assert test.p_value == _loop_permutation(metric, other, stats, patients, 1500, 4)
    assert test.effect == pytest.approx(metric.aggregate(other) - metric.aggregate(stats))
    assert test.unit == "patient" and test.n_clusters == 25


def test_permutation_extremes() -> None:
    stats, patients = _data(20, seed=4)
    same = paired_permutation_test(MeanMetric(), stats, stats, patients, n_trials=200, seed=1)
    assert same.p_value == 1.0 and same.effect == 0.0
    far = stats.copy()
    far[:, 0] += 10.0
    test = paired_permutation_test(MeanMetric(), far, stats, patients, n_trials=999, seed=1)
    assert test.p_value == pytest.approx(1 / 1000)  # +1 correction: never 0
    with pytest.raises(ValueError, match="shape"):
        paired_permutation_test(MeanMetric(), stats, stats[:-1], None)


def test_holm_by_hand() -> None:
    # sorted: 0.01*4=0.04, 0.02*3=0.06, 0.03*2=0.06, 0.04*1=0.04 -> running max
    assert holm([0.03, 0.01, 0.04, 0.02]) == pytest.approx([0.06, 0.04, 0.06, 0.06])
    assert holm({"bleu": 0.5, "cider": 0.001}) == pytest.approx({"bleu": 0.5, "cider": 0.002})
    # sorted: 0.8*2=1.6 -> capped at 1; 0.9*1=0.9 but the running max keeps 1
    assert holm([0.9, 0.8]) == pytest.approx([1.0, 1.0])
    assert holm([0.2, 0.01]) == pytest.approx([0.2, 0.02])
    out = holm([0.01, float("nan"), 0.04])
    assert out[0] == pytest.approx(0.02) and np.isnan(out[1]) and out[2] == pytest.approx(0.04)


def test_undefined_resamples_are_left_out_and_counted() -> None:
    # Ratio metric whose denominator is 0 for most rows: some resamples are 0/0.
    stats = np.zeros((30, 2))
    stats[:3] = [[1.0, 1.0], [0.0, 1.0], [1.0, 2.0]]
    ci = clustered_bootstrap_ci(RatioMetric(), stats, None, n=200, seed=2)
    assert 0 < ci.n_valid < 200
    assert 0.0 <= ci.low <= ci.value <= ci.high <= 1.0
