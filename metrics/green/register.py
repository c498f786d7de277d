"""Registers GREEN in the metric registry (imported by metrics/catalog.py)."""

from __future__ import annotations

from typing import Any

from petar_bench.registry import metrics


@metrics.register(
    "green",
    description="GREEN LLM-judge score (judge model via transformers or an OpenAI-compatible URL)",
    needs=("model or server",),
)
def green(**options: Any) -> Any:
    from petar_bench.metrics.green.metric import GreenMetric

    return GreenMetric(**options)
