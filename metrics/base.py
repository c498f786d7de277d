"""The metric contract, after sacrebleu: per-sample sufficient statistics + corpus aggregation.

Every metric turns (prediction, reference) pairs into a float matrix of per-sample
statistics, shape (n, k). `aggregate` maps ANY subset or resample of those rows to the
corpus value, so bootstrap CIs and paired tests never re-score text.

Most metrics sit on one of three bases that also give the batched aggregation (one matrix
product for all resamples): `MeanMetric` (mean of a per-sample score), `ColumnSumMetric`
(a function of column sums) and `CountRatioMetric` (a ratio of two summed counts).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from petar_bench.records import LesionRecord

if TYPE_CHECKING:
    from petar_bench.jsontypes import JsonValue


@dataclass(frozen=True)
class ScoringContext:
    """What a metric may know besides the texts (all aligned with the texts' order)."""

    sample_ids: Sequence[str]
    patient_ids: Sequence[str] | None = None
    #: Full records (structured reference fields) when scoring against a dataset.
    records: Sequence[LesionRecord] | None = None
    #: Per-sample image measurements (e.g. {"suv_max": 7.3, "size_mm": 14.0}) when known.
    measurements: Sequence[dict[str, float]] | None = None
    #: False when the texts are a subset of a split (CIDEr warns: its IDF depends on the set).
    full_split: bool = True
    split_fingerprint: str | None = None


@dataclass(frozen=True)
class SampleStats:
    """Per-sample sufficient statistics of one metric."""

    values: np.ndarray  # (n, k) float64
    #: Metric-specific counts worth reporting (n_unparsed, n_truncated, ...): JSON-able.
    extras: dict[str, JsonValue] = field(default_factory=dict)
    #: Human-readable warnings (e.g. CIDEr on a subset).
    warnings: tuple[str, ...] = ()


class Metric(ABC):
    """One metric. Subclasses set the class variables and fill in three methods."""

    id: ClassVar[str]
    higher_is_better: ClassVar[bool] = True
    description: ClassVar[str] = ""
    #: What it needs to run: "java", "torch", "model", "server".
    requires: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def signature(self) -> str:
        """Settings that actually ran, e.g. 'impl:petar-bench|tok:ptb|n:4|avg:corpus|v:0.1.0'."""

    @abstractmethod
    def statistics(
        self, predictions: Sequence[str], references: Sequence[str], context: ScoringContext
    ) -> SampleStats:
        """Per-sample statistics; the texts are already normalised (see _normalize.py)."""

    @abstractmethod
    def aggregate(self, stats: np.ndarray) -> float:
        """Corpus value from rows of `statistics(...).values` (any subset or resample)."""

    def aggregate_batch(self, stats: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Corpus values of many resamples at once (OPTIONAL to override).

        `weights` is (B, n): how many times each of the n rows of `stats` enters each of B
        resamples (non-negative integers; a bootstrap draw or a permutation's choice of rows).
        The default loops over `aggregate`. Metrics whose value is a function of column sums
        (and the row count) override it with one matrix product, `weights @ stats`, which
        makes bootstrap CIs and paired tests fast (petar_bench/stats.py).
        """
        weights = np.asarray(weights)
        stats = np.asarray(stats, dtype=np.float64)
        counts = weights.astype(np.int64)
        return np.array(
            [self.aggregate(np.repeat(stats, row, axis=0)) for row in counts], dtype=np.float64
        )

    def per_sample(self, stats: np.ndarray) -> np.ndarray:
        """Each sample's own score (for display, strata and paired tests); default column 0."""
        return np.asarray(stats[:, 0], dtype=np.float64)

    def resample_note(self) -> str:
        """What corpus-level state the bootstrap keeps fixed at the full set, as a suffix of
        the CI tag (e.g. "-fixed-df": CIDEr's document frequencies); "" when nothing."""
        return ""


class MeanMetric(Metric):
    """A metric whose value is the mean of one per-sample score (ROUGE-L, CIDEr-D, BERTScore,
    GREEN, ...): the statistics' column `score_column`. Resamples are one matrix product."""

    score_column: ClassVar[int] = 0
    #: The value of an empty set.
    empty_value: ClassVar[float] = 0.0

    def aggregate(self, stats: np.ndarray) -> float:
        stats = np.asarray(stats, dtype=np.float64)
        if stats.shape[0] == 0:
            return self.empty_value
        return float(np.mean(stats[:, self.score_column]))

    def aggregate_batch(self, stats: np.ndarray, weights: np.ndarray) -> np.ndarray:
        stats = np.asarray(stats, dtype=np.float64)
        scores = stats[:, self.score_column]
        if not np.isfinite(scores).all():  # 0 x NaN is NaN: a left-out row would leak in
            return super().aggregate_batch(stats, weights)
        w = np.asarray(weights, dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (w @ scores) / w.sum(axis=1)

    def per_sample(self, stats: np.ndarray) -> np.ndarray:
        return np.asarray(stats, dtype=np.float64)[:, self.score_column]


class ColumnSumMetric(Metric):
    """A metric whose value is a function of its statistics' column sums (BLEU, METEOR):
    subclasses give `score_sums`, which scores many rows of sums at once. A sample's own
    score is the same function of its own row."""

    #: The value of an empty set; None: `score_sums` of a row of zeros.
    empty_value: ClassVar[float | None] = None

    @abstractmethod
    def score_sums(self, sums: np.ndarray) -> np.ndarray:
        """Values of rows of column sums: (B, k) -> (B,)."""

    def aggregate(self, stats: np.ndarray) -> float:
        stats = np.asarray(stats, dtype=np.float64)
        if stats.shape[0] == 0 and self.empty_value is not None:
            return self.empty_value
        return float(self.score_sums(stats.sum(axis=0, keepdims=True))[0])

    def aggregate_batch(self, stats: np.ndarray, weights: np.ndarray) -> np.ndarray:
        stats = np.asarray(stats, dtype=np.float64)
        if not np.isfinite(stats).all():  # 0 x NaN is NaN: a left-out row would leak in
            return super().aggregate_batch(stats, weights)
        sums = np.asarray(weights, dtype=np.float64) @ stats
        return np.asarray(self.score_sums(sums), dtype=np.float64)

    def per_sample(self, stats: np.ndarray) -> np.ndarray:
        return np.asarray(self.score_sums(np.asarray(stats, dtype=np.float64)), dtype=np.float64)


def count_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is 0 (a ratio over nothing is undefined, not 0)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


class CountRatioMetric(ColumnSumMetric):
    """value = sum(column `num_col`) / sum(column `den_col`): accuracies and error rates over
    counted items (PET fields). Undefined (NaN) when the denominator sums to 0."""

    num_col: ClassVar[int] = 0
    den_col: ClassVar[int] = 1

    def score_sums(self, sums: np.ndarray) -> np.ndarray:
        return count_ratio(sums[:, self.num_col], sums[:, self.den_col])
