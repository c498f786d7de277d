"""The metric contract, after sacrebleu: per-sample sufficient statistics + corpus aggregation.

Every metric turns (prediction, reference) pairs into a float matrix of per-sample
statistics, shape (n, k). `aggregate` maps ANY subset or resample of those rows to the
corpus value, so bootstrap CIs and paired tests never re-score text.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from petar_bench.records import LesionRecord


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
    extras: dict[str, Any] = field(default_factory=dict)
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
        """Per-sample statistics; the texts are already normalised (see normalize.py)."""

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
