"""The metric suite (imported as ``petar_bench.metrics``).

The contracts are exported here and imported on first use, so reading the catalogue of
metrics (`petar_bench.metrics.catalog`) does not load numpy or any metric.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from petar_bench.metrics._normalize import normalize_text
    from petar_bench.metrics.base import (
        ColumnSumMetric,
        CountRatioMetric,
        MeanMetric,
        Metric,
        SampleStats,
        ScoringContext,
    )

__all__ = [
    "ColumnSumMetric",
    "CountRatioMetric",
    "MeanMetric",
    "Metric",
    "SampleStats",
    "ScoringContext",
    "normalize_text",
]


def __getattr__(name: str) -> Any:
    if name == "normalize_text":
        from petar_bench.metrics._normalize import normalize_text

        return normalize_text
    if name in __all__:
        from petar_bench.metrics import base

        return getattr(base, name)
    raise AttributeError(f"module 'petar_bench.metrics' has no attribute {name!r}")
