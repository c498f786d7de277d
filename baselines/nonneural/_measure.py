"""`measure`: writes the finding from measurements on the image (no learning)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from petar_bench.baselines.base import Adapter, AdapterCard
from petar_bench.baselines.nonneural._describe import describe
from petar_bench.baselines.nonneural._image_features import measure_lesion
from petar_bench.findings import render_structured
from petar_bench.registry import models
from petar_bench.volumes._lesion import LesionInput


@dataclass
class MeasureAdapter(Adapter):
    card: AdapterCard = field(
        init=False,
        default=AdapterCard(
            name="measure",
            description="Rule-based finding from image measurements (SUVmax, slice, size, "
            "side, coarse region from position and CT density)",
            version="1",
            preprocessing="native-grid",
        ),
    )

    def generate(self, batch: Sequence[LesionInput]) -> list[str]:
        return [render_structured(describe(measure_lesion(x), x.tracer)) for x in batch]


@models.register("measure", description="Rule-based: measures the lesion and writes a finding")
def _measure() -> MeasureAdapter:
    return MeasureAdapter()
