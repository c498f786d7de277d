"""Model adapters (imported as ``petar_bench.baselines``).

Adapters register themselves in `petar_bench.registry.models`. This package never imports
the synthetic generator or its label maps: a model sees only images (a test enforces it).
"""

from petar_bench.baselines.base import Adapter, AdapterCard, TrainingExample

__all__ = ["Adapter", "AdapterCard", "TrainingExample"]
