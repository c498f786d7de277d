"""Non-neural baselines that run on CPU: `measure`, `retrieval` and `constant`.

Importing this package registers them in `petar_bench.registry.models`.
"""

from petar_bench.baselines.nonneural._constant import ConstantAdapter
from petar_bench.baselines.nonneural._measure import MeasureAdapter
from petar_bench.baselines.nonneural._retrieval import RetrievalAdapter

__all__ = ["ConstantAdapter", "MeasureAdapter", "RetrievalAdapter"]
