"""`retrieval`: copy the finding of the nearest training lesion, with measured numbers.

Features are image-derived only (position in the body, size, SUVmax, CT density, tracer).
The copied text's SUVmax, slice and size are replaced by the values measured on the query
image wherever the training record's own values appear in it, and its side words are
swapped when the neighbour lies on the other side of the body than the query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from petar_bench.baselines.base import Adapter, AdapterCard, TrainingExample
from petar_bench.baselines.nonneural._image_features import LesionMeasurements, measure_lesion
from petar_bench.errors import UserError
from petar_bench.findings import format_suv
from petar_bench.records import LesionRecord
from petar_bench.registry import models
from petar_bench.volumes._lesion import LesionInput

# A different tracer counts as this far apart in feature space.
_TRACER_PENALTY = 3.0


def _replace_number(text: str, old: str, new: str) -> str:
    """Replace the number `old` where it stands alone (not inside a longer number)."""
    return re.sub(rf"(?<![\d.]){re.escape(old)}(?![\d]|\.\d)", new, text)


def substitute_numbers(text: str, record: LesionRecord, m: LesionMeasurements) -> str:
    fields = record.fields
    if fields.suv_max is not None:
        text = _replace_number(text, format_suv(fields.suv_max), format_suv(m.suv_max))
    if fields.slice is not None:
        text = _replace_number(text, str(fields.slice), str(m.slice))
    if fields.size_mm is not None:
        text = _replace_number(text, f"{fields.size_mm:.0f}", f"{m.size_mm:.0f}")
        text = _replace_number(text, f"{fields.size_mm / 10:.1f}", f"{m.size_mm / 10:.1f}")
    return text


_SIDE_WORD = re.compile(r"\b(left|right)\b", re.IGNORECASE)
_OTHER_SIDE = {"left": "right", "right": "left"}


def substitute_side(text: str, record: LesionRecord, m: LesionMeasurements) -> str:
    """Swap left and right in the copied text when the training record's side is the other
    one than the side measured on the query (a mirror-image neighbour is still a good one)."""
    side = record.fields.laterality
    if side not in _OTHER_SIDE or m.laterality not in _OTHER_SIDE or side == m.laterality:
        return text

    def swap(match: re.Match[str]) -> str:
        word = _OTHER_SIDE[match.group(0).lower()]
        return word.capitalize() if match.group(0)[0].isupper() else word

    return _SIDE_WORD.sub(swap, text)


@dataclass
class RetrievalAdapter(Adapter):
    card: AdapterCard = field(
        init=False,
        default=AdapterCard(
            name="retrieval",
            description="Nearest training lesion by image features; its finding with the "
            "measured SUVmax, slice, size and side substituted",
            version="2",
            settings={"k": 1, "tracer_penalty": _TRACER_PENALTY},
        ),
    )
    needs_training_data: bool = field(default=True, init=False)
    _features: np.ndarray | None = field(default=None, init=False, repr=False)
    _tracers: list[str] = field(default_factory=list, init=False, repr=False)
    _records: list[LesionRecord] = field(default_factory=list, init=False, repr=False)
    _scale: np.ndarray | None = field(default=None, init=False, repr=False)

    def fit(self, examples: Iterable[TrainingExample]) -> None:
        rows = []
        for example in examples:
            rows.append(measure_lesion(example.input).feature_vector())
            self._tracers.append(example.input.tracer.lower())
            self._records.append(example.record)
        if not rows:
            raise UserError("the retrieval baseline needs a non-empty train split")
        features = np.stack(rows)
        self._scale = features.std(axis=0) + 1e-6
        self._features = features / self._scale

    def _nearest(self, m: LesionMeasurements, tracer: str) -> LesionRecord:
        assert self._features is not None and self._scale is not None
        query = m.feature_vector() / self._scale
        distance = np.sqrt(((self._features - query) ** 2).sum(axis=1))
        distance += _TRACER_PENALTY * np.array([t != tracer.lower() for t in self._tracers])
        return self._records[int(np.argmin(distance))]  # first on ties: deterministic

    def generate(self, batch: Sequence[LesionInput]) -> list[str]:
        if self._features is None:
            raise RuntimeError("RetrievalAdapter.generate called before fit")
        outputs = []
        for lesion in batch:
            m = measure_lesion(lesion)
            neighbour = self._nearest(m, lesion.tracer)
            text = substitute_numbers(neighbour.reference, neighbour, m)
            outputs.append(substitute_side(text, neighbour, m))
        return outputs


@models.register("retrieval", description="Nearest training lesion's finding, numbers measured")
def _retrieval() -> RetrievalAdapter:
    return RetrievalAdapter()
