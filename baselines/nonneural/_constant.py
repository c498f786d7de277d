"""`constant`: the most frequent training finding, whatever the image — the floor to beat.

Every reference carries its own numbers, so texts are grouped by their number-free form
(digits masked); the largest group wins (ties: the group whose text sorts first), and its
first member by sample id is written for every lesion.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from petar_bench.baselines.base import Adapter, AdapterCard, TrainingExample
from petar_bench.errors import UserError
from petar_bench.registry import models
from petar_bench.volumes._lesion import LesionInput

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def without_numbers(text: str) -> str:
    return _NUMBER.sub("#", text)


def most_frequent_finding(findings: Iterable[tuple[str, str]]) -> str:
    """The chosen constant from (sample_id, text) pairs."""
    pairs = sorted(findings)
    if not pairs:
        raise UserError("the constant baseline needs a non-empty train split")
    counts = Counter(without_numbers(text) for _, text in pairs)
    best = min(counts, key=lambda form: (-counts[form], form))
    return next(text for _, text in pairs if without_numbers(text) == best)


@dataclass
class ConstantAdapter(Adapter):
    card: AdapterCard = field(
        init=False,
        default=AdapterCard(
            name="constant",
            description="The most frequent training finding for every lesion (floor baseline)",
            version="1",
        ),
    )
    needs_training_data: bool = field(default=True, init=False)
    finding: str | None = field(default=None, init=False)

    def fit(self, examples: Iterable[TrainingExample]) -> None:
        self.finding = most_frequent_finding(
            (e.record.sample_id, e.record.reference) for e in examples
        )

    def generate(self, batch: Sequence[LesionInput]) -> list[str]:
        if self.finding is None:
            raise RuntimeError("ConstantAdapter.generate called before fit")
        return [self.finding for _ in batch]


@models.register("constant", description="Most frequent training finding (the floor)")
def _constant() -> ConstantAdapter:
    return ConstantAdapter()
