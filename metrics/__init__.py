"""The metric suite (imported as ``petar_bench.metrics``)."""

from petar_bench.metrics.base import Metric, SampleStats, ScoringContext
from petar_bench.metrics.normalize import normalize_text

__all__ = ["Metric", "SampleStats", "ScoringContext", "normalize_text"]
