"""PETAR-Bench: benchmark and evaluation suite for 3D PET/CT lesion-findings generation.

The public API is what this module exports (`__all__`): scoring (`score_texts`,
`read_scores`, `ScoreReport`), running (`run_benchmark`, `RunRequest`, `RunResult`), the
adapter contract (`Adapter`, `AdapterCard`, `LesionInput`) and the metric contract
(`Metric` and its bases, `SampleStats`, `ScoringContext`). Names that would pull in numpy or
the engine are imported on first use, so `import petar_bench` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from petar_bench.errors import UserError
from petar_bench.records import LesionRecord, Manifest, StructuredFinding

__version__ = "0.1.0"

# name -> module that defines it (imported when the name is first used)
_LAZY = {
    "Adapter": "petar_bench.baselines.base",
    "AdapterCard": "petar_bench.baselines.base",
    "ColumnSumMetric": "petar_bench.metrics.base",
    "CountRatioMetric": "petar_bench.metrics.base",
    "DEFAULT_METRICS": "petar_bench.metrics.catalog",
    "LesionInput": "petar_bench.volumes._lesion",
    "MeanMetric": "petar_bench.metrics.base",
    "Metric": "petar_bench.metrics.base",
    "RunRequest": "petar_bench.engine._request",
    "RunResult": "petar_bench.engine._request",
    "SampleStats": "petar_bench.metrics.base",
    "ScoreReport": "petar_bench.metrics.scoring",
    "ScoringContext": "petar_bench.metrics.base",
    "read_scores": "petar_bench.metrics.scoring",
    "run_benchmark": "petar_bench.engine._runner",
    "score_texts": "petar_bench.metrics.scoring",
}

if TYPE_CHECKING:
    from petar_bench.baselines.base import Adapter, AdapterCard
    from petar_bench.engine._request import RunRequest, RunResult
    from petar_bench.engine._runner import run_benchmark
    from petar_bench.metrics.base import (
        ColumnSumMetric,
        CountRatioMetric,
        MeanMetric,
        Metric,
        SampleStats,
        ScoringContext,
    )
    from petar_bench.metrics.catalog import DEFAULT_METRICS
    from petar_bench.metrics.scoring import ScoreReport, read_scores, score_texts
    from petar_bench.volumes._lesion import LesionInput

__all__ = [  # sorted (a test checks)
    "Adapter",
    "AdapterCard",
    "ColumnSumMetric",
    "CountRatioMetric",
    "DEFAULT_METRICS",
    "LesionInput",
    "LesionRecord",
    "Manifest",
    "MeanMetric",
    "Metric",
    "RunRequest",
    "RunResult",
    "SampleStats",
    "ScoreReport",
    "ScoringContext",
    "StructuredFinding",
    "UserError",
    "__version__",
    "read_scores",
    "run_benchmark",
    "score_texts",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'petar_bench' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
