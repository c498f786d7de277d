"""Batched aggregation (the metric bases' matrix products) gives the same tests as the plain
loop over resampled rows; metrics on the plain base keep the loop."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from lb_fixtures import ExactMatch, TokenF1

from petar_bench import registry
from petar_bench.leaderboard._stats import paired_delta_ci, paired_test, patient_effect_size
from petar_bench.metrics.base import Metric, ScoringContext
from petar_bench.stats import corpus_values, paired_permutation_test

WORDS = [
    "left",
    "right",
    "lung",
    "liver",
    "node",
    "focal",
    "intense",
    "uptake",
    "lesion",
    "lobe",
    "segment",
    "mild",
]


class RootN(ExactMatch):
    """Depends on the row count itself (sum / sqrt(n)): must keep its own aggregation."""

    def aggregate(self, stats: np.ndarray) -> float:
        return float(np.asarray(stats)[:, 0].sum() / np.sqrt(len(stats)))


class Median(ExactMatch):
    def aggregate(self, stats: np.ndarray) -> float:
        return float(np.median(np.asarray(stats)[:, 0]))


def texts(seed: int, n: int = 60) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    refs = [" ".join(rng.choice(WORDS, size=10)) for _ in range(n)]
    preds = [" ".join(w for w in r.split() if rng.random() > 0.3) or "x" for r in refs]
    return preds, refs


def stats_of(metric: Metric, seed: int) -> np.ndarray:
    preds, refs = texts(seed)
    context = ScoringContext(sample_ids=[str(i) for i in range(len(refs))])
    return metric.statistics(preds, refs, context).values


PATIENTS: Sequence[str] = [f"P{i // 3}" for i in range(60)]


class LoopOnly:
    """A metric seen without its batched aggregation: each resample aggregated row by row."""

    def __init__(self, metric: Metric) -> None:
        self.metric = metric

    def aggregate(self, stats: np.ndarray) -> float:
        return float(self.metric.aggregate(stats))

    def per_sample(self, stats: np.ndarray) -> np.ndarray:
        return np.asarray(self.metric.per_sample(stats))


@pytest.mark.parametrize(
    "metric_id", ["bleu4", "bleu1", "rouge_l", "cider", "lbtest_f1", "pet_region_acc"]
)
def test_batched_path_is_exact_for_sum_and_mean_metrics(metric_id: str) -> None:
    if metric_id not in registry.metrics.names():
        pytest.skip(f"{metric_id} not installed")
    metric = registry.metrics.create(metric_id)
    assert type(metric).aggregate_batch is not Metric.aggregate_batch  # on a batched base
    a, b = stats_of(metric, 1), stats_of(metric, 2)
    plain = paired_permutation_test(LoopOnly(metric), a, b, PATIENTS, n_trials=300, seed=5)
    quick = paired_test(metric, a, b, PATIENTS, n_trials=300, seed=5)
    assert quick.p_value == plain.p_value and quick.effect == pytest.approx(plain.effect)
    weights = np.random.default_rng(3).integers(0, 3, size=(20, len(a)))
    weights[:, 0] += 1  # never an empty resample
    np.testing.assert_allclose(
        corpus_values(metric, a, weights), corpus_values(LoopOnly(metric), a, weights), rtol=1e-12
    )


@pytest.mark.parametrize("metric", [RootN(), Median()])
def test_other_metrics_keep_their_own_aggregation(metric: Metric) -> None:
    """A metric on the plain base (value not a function of sums or means) is aggregated by its
    own `aggregate` on each resample, so its paired test matches the loop exactly."""
    assert type(metric).aggregate_batch is Metric.aggregate_batch
    stats = np.random.default_rng(0).integers(0, 2, size=(40, 1)).astype(float)
    weights = np.random.default_rng(1).integers(0, 3, size=(10, 40))
    weights[:, 0] += 1
    expected = [metric.aggregate(np.repeat(stats, row, axis=0)) for row in weights]
    np.testing.assert_array_equal(corpus_values(metric, stats, weights), expected)


def test_statistics_with_nan_give_what_the_loop_gives() -> None:
    stats = np.ones((10, 3))
    stats[2, 1] = np.nan
    weights = np.ones((3, 10), dtype=int)
    weights[1, 2] = 0  # the resample without the NaN row is defined
    metric = TokenF1()
    batched = corpus_values(metric, stats, weights)
    looped = corpus_values(LoopOnly(metric), stats, weights)
    np.testing.assert_array_equal(np.isnan(batched), np.isnan(looped))
    assert np.isfinite(batched[1]) and batched[1] == pytest.approx(looped[1])


def test_delta_ci_and_effect_size() -> None:
    metric = TokenF1()
    a, b = stats_of(metric, 1), stats_of(metric, 1)
    assert paired_delta_ci(metric, a, b, PATIENTS, n=99) == (0.0, 0.0)
    assert np.isnan(patient_effect_size(metric.per_sample(a), metric.per_sample(b), PATIENTS))
    diff = np.array([0.1, 0.3] * 30)
    dz = patient_effect_size(diff, np.zeros(60), PATIENTS)
    per_patient = diff.reshape(20, 3).mean(axis=1)
    assert dz == pytest.approx(per_patient.mean() / per_patient.std(ddof=1))


def test_samples_without_patients_are_their_own_clusters() -> None:
    metric = ExactMatch()
    a = np.ones((30, 1))
    b = np.zeros((30, 1))
    assert paired_test(metric, a, b, None, n_trials=999, seed=1).p_value == pytest.approx(1 / 1000)
