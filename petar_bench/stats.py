"""Uncertainty from per-sample statistics: patient-clustered bootstrap CIs, paired
approximate-randomization tests between two systems, and Holm's correction.

Nothing here re-scores text. Every metric's corpus value is a function of its per-sample
statistics (metrics/base.py), so a resample is a row-weight vector and its value is
``metric.aggregate_batch(stats, weights)``: one matrix product for metrics whose value
depends on column sums, a loop over ``aggregate`` otherwise. Corpus-level state computed
once from the full split (CIDEr's document frequencies, BERTScore's IDF weights) is baked
into the per-sample statistics and therefore stays fixed in every resample.

Lesions of one patient are correlated, so the unit of resampling is the patient: a
bootstrap draw takes whole patients with replacement; a permutation swaps the two systems'
outputs for whole patients. Without patient ids every sample is its own cluster.

Random streams (so anyone can reproduce a CI from the seed): ``numpy.random.default_rng(seed)``;
resamples are drawn in chunks of ``CHUNK`` as ``rng.integers(0, n_patients, (chunk, n_patients))``
(bootstrap) or ``rng.random((chunk, n_patients)) < 0.5`` (permutation: True = swap).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, overload

import numpy as np

CHUNK = 1000
#: Weight-matrix cells evaluated at once (bounds memory on big splits; results unaffected).
_CELLS = 4_000_000


class Aggregating(Protocol):
    """What resampling needs of a metric (`petar_bench.metrics.base.Metric` is one): the
    corpus value of any rows of its statistics. A metric may also offer
    `aggregate_batch(stats, weights)` for all resamples at once."""

    def aggregate(self, stats: np.ndarray) -> float: ...


@dataclass(frozen=True)
class BootstrapCI:
    """A corpus value with its percentile bootstrap interval."""

    value: float
    low: float
    high: float
    n_resamples: int
    seed: int
    #: "patient" (clustered) or "sample" (no patient ids given).
    unit: str
    n_clusters: int
    #: Resamples whose value was defined (a ratio can be 0/0 in a resample).
    n_valid: int
    level: float = 0.95

    def tag(self) -> str:
        """Signature suffix, e.g. 'ci:boot-patient-1000-seed12345'."""
        return f"ci:boot-{self.unit}-{self.n_resamples}-seed{self.seed}"


@dataclass(frozen=True)
class PairedTest:
    """System A vs system B on the same samples."""

    value_a: float
    value_b: float
    #: value_a - value_b (in the metric's own units; check higher_is_better for direction).
    effect: float
    #: (1 + extreme trials) / (1 + trials), so never 0; sidedness as `alternative`.
    p_value: float
    n_trials: int
    seed: int
    unit: str
    n_clusters: int
    #: "two-sided" (|A - B|), "greater" (H1: A > B) or "less" (H1: A < B).
    alternative: str = "two-sided"


Alternative = Literal["two-sided", "greater", "less"]


def _extreme(diff: np.ndarray, observed: float, alternative: Alternative) -> int:
    """Trials at least as extreme as `observed` (A - B) in the direction of `alternative`."""
    # A tiny tolerance so that exact ties (e.g. identical systems) count as extreme.
    if alternative == "two-sided":
        return int(np.sum(np.abs(diff) >= abs(observed) - 1e-12 * max(1.0, abs(observed))))
    signed = diff if alternative == "greater" else -diff
    target = observed if alternative == "greater" else -observed
    return int(np.sum(signed >= target - 1e-12 * max(1.0, abs(target))))


def cluster_codes(patient_ids: Sequence[str] | None, n: int) -> tuple[np.ndarray, int, str]:
    """Integer cluster of each row, the number of clusters, and the unit name."""
    if patient_ids is None:
        return np.arange(n), n, "sample"
    if len(patient_ids) != n:
        raise ValueError(f"{len(patient_ids)} patient ids for {n} rows of statistics")
    _, codes = np.unique(np.asarray(patient_ids, dtype=object).astype(str), return_inverse=True)
    codes = codes.reshape(-1)
    return codes, int(codes.max()) + 1 if n else 0, "patient"


def corpus_values(metric: Aggregating, stats: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Corpus values of the weighted resamples (rows of `weights`)."""
    batch = getattr(metric, "aggregate_batch", None)
    if callable(batch):
        return np.asarray(batch(stats, weights), dtype=np.float64)
    counts = np.asarray(weights).astype(np.int64)
    return np.array([metric.aggregate(np.repeat(stats, row, axis=0)) for row in counts])


def _blocks(n_rows: int, width: int) -> Iterator[slice]:
    step = max(1, _CELLS // max(1, width))
    for start in range(0, n_rows, step):
        yield slice(start, start + step)


def bootstrap_weights(
    codes: np.ndarray, n_clusters: int, n_resamples: int, seed: int
) -> Iterator[np.ndarray]:
    """Row multiplicities of bootstrap resamples of whole clusters, CHUNK at a time."""
    rng = np.random.default_rng(seed)
    done = 0
    while done < n_resamples:
        b = min(CHUNK, n_resamples - done)
        draws = rng.integers(0, n_clusters, size=(b, n_clusters))
        flat = (np.arange(b)[:, None] * n_clusters + draws).ravel()
        counts = np.bincount(flat, minlength=b * n_clusters).reshape(b, n_clusters)
        for block in _blocks(b, len(codes)):
            yield counts[block][:, codes]
        done += b


def clustered_bootstrap_ci(
    metric: Aggregating,
    stats: np.ndarray,
    patient_ids: Sequence[str] | None = None,
    n: int = 1000,
    seed: int = 12345,
    level: float = 0.95,
) -> BootstrapCI:
    """Percentile bootstrap CI of `metric`'s corpus value, resampling whole patients."""
    stats = np.asarray(stats, dtype=np.float64)
    codes, n_clusters, unit = cluster_codes(patient_ids, len(stats))
    value = float(metric.aggregate(stats)) if len(stats) else float("nan")
    if n_clusters == 0 or n <= 0:
        return BootstrapCI(value, float("nan"), float("nan"), n, seed, unit, n_clusters, 0, level)
    values = np.concatenate(
        [corpus_values(metric, stats, w) for w in bootstrap_weights(codes, n_clusters, n, seed)]
    )
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        low = high = float("nan")
    else:
        tail = (1.0 - level) / 2.0 * 100.0
        low, high = (float(x) for x in np.percentile(finite, [tail, 100.0 - tail]))
    return BootstrapCI(value, low, high, n, seed, unit, n_clusters, int(finite.size), level)


def permutation_swaps(n_clusters: int, n_trials: int, seed: int) -> Iterator[np.ndarray]:
    """Which clusters swap A and B in each trial (bool, (chunk, n_clusters)), CHUNK at a time."""
    rng = np.random.default_rng(seed)
    done = 0
    while done < n_trials:
        b = min(CHUNK, n_trials - done)
        yield rng.random((b, n_clusters)) < 0.5
        done += b


def paired_permutation_test(
    metric: Aggregating,
    stats_a: np.ndarray,
    stats_b: np.ndarray,
    patient_ids: Sequence[str] | None = None,
    n_trials: int = 10000,
    seed: int = 12345,
    alternative: Alternative = "two-sided",
) -> PairedTest:
    """Approximate randomization: swap the systems' rows for whole patients at random and
    count trials whose |value_A' - value_B'| reaches the observed |value_A - value_B|
    (two-sided), or whose value_A' - value_B' reaches the observed difference in the
    direction of the alternative ("greater": H1 A > B; "less": H1 A < B)."""
    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(f"alternative must be two-sided, greater or less, not {alternative!r}")
    a = np.asarray(stats_a, dtype=np.float64)
    b = np.asarray(stats_b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired statistics differ in shape: {a.shape} vs {b.shape}")
    codes, n_clusters, unit = cluster_codes(patient_ids, len(a))
    value_a, value_b = float(metric.aggregate(a)), float(metric.aggregate(b))
    observed = value_a - value_b
    if not np.isfinite(observed):
        nan = float("nan")
        return PairedTest(value_a, value_b, nan, nan, 0, seed, unit, n_clusters, alternative)
    both = np.vstack([a, b])
    extreme = 0
    for swaps in permutation_swaps(n_clusters, n_trials, seed):
        for block in _blocks(len(swaps), 2 * len(codes)):
            rows = swaps[block][:, codes].astype(np.int64)  # 1 = row of A' comes from B
            diff = corpus_values(metric, both, np.hstack([1 - rows, rows])) - corpus_values(
                metric, both, np.hstack([rows, 1 - rows])
            )
            extreme += _extreme(diff, observed, alternative)
    p_value = (extreme + 1) / (n_trials + 1)
    return PairedTest(
        value_a, value_b, observed, p_value, n_trials, seed, unit, n_clusters, alternative
    )


@overload
def holm(pvalues: Mapping[str, float]) -> dict[str, float]: ...
@overload
def holm(pvalues: Sequence[float]) -> list[float]: ...
def holm(pvalues: Sequence[float] | Mapping[str, float]) -> list[float] | dict[str, float]:
    """Holm-Bonferroni adjusted p-values, in the input's shape (list or mapping).

    Sorted ascending p_(1..m): adjusted p_(i) = max over j <= i of min(1, (m - j + 1) p_(j)).
    NaN entries stay NaN and do not count towards m.
    """
    if isinstance(pvalues, Mapping):
        keys = list(pvalues)
        adjusted = holm([float(pvalues[k]) for k in keys])
        return dict(zip(keys, adjusted, strict=True))
    p = np.asarray(list(pvalues), dtype=np.float64)
    out = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    order = finite[np.argsort(p[finite], kind="stable")]
    m = len(order)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[index]))
        out[index] = running
    return [float(x) for x in out]


__all__ = [
    "Alternative",
    "BootstrapCI",
    "PairedTest",
    "bootstrap_weights",
    "cluster_codes",
    "clustered_bootstrap_ci",
    "corpus_values",
    "holm",
    "paired_permutation_test",
    "permutation_swaps",
]
