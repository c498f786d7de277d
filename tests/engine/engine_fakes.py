"""Fixtures of the engine tests: a tiny NIfTI dataset, fake adapters, a stand-in scorer.

Imported by the tests and by the subprocess entry script (engine_entry.py), so it must not
depend on pytest.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from petar_bench.baselines.base import Adapter, AdapterCard, TrainingExample
from petar_bench.records import LesionRecord, Manifest, seal_manifest, write_manifest
from petar_bench.registry import Registration, models
from petar_bench.volumes._lesion import LesionInput

#: Sample ids the echo adapter refuses (comma-separated); an env var so that subprocesses
#: see it and the adapter card (and so the run key) does not change.
FAIL_ENV = "ENGINE_TEST_FAIL_IDS"
DELAY_ENV = "ENGINE_TEST_DELAY_S"


def _save(path: Path, data: np.ndarray) -> None:
    import nibabel as nib

    affine = np.diag([2.0, 2.0, 3.0, 1.0])
    nib.save(nib.Nifti1Image(data, affine), str(path))


def make_tiny_dataset(
    root: Path,
    *,
    n_exams: int = 5,
    lesions_per_exam: int = 3,
    n_train_exams: int = 2,
    empty_masks: Sequence[str] = (),
    sample_id_of: Any = None,
    shape: tuple[int, int, int] = (8, 8, 8),
) -> Manifest:
    """Exams of `shape` volumes; the first `n_train_exams` are train, the rest test.

    The manifest lists records lesion-major (l0 of every exam, then l1, ...) so the split
    order differs from the engine's exam-grouped generation order.
    """
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    records = []
    for lesion in range(lesions_per_exam):
        for exam in range(n_exams):
            sid = f"s{exam:02d}-{lesion}"
            if sample_id_of is not None:
                sid = sample_id_of(sid)
            records.append((exam, lesion, sid))
    for exam in range(n_exams):
        _save(root / f"pet_{exam}.nii", rng.gamma(2.0, 1.0, shape).astype(np.float32))
        _save(root / f"ct_{exam}.nii", rng.normal(0, 100, shape).astype(np.float32))
    built = []
    for exam, lesion, sid in records:
        mask = np.zeros(shape, dtype=np.uint8)
        if sid not in empty_masks:
            mask[lesion : lesion + 2, 2:4, exam % 4 : exam % 4 + 2] = 1
        _save(root / f"mask_{exam}_{lesion}.nii", mask)
        built.append(
            LesionRecord(
                sample_id=sid,
                patient_id=f"p{exam // 2}",
                exam_id=f"e{exam:02d}",
                lesion_id=str(lesion),
                tracer="FDG",
                split="train" if exam < n_train_exams else "test",
                pet_path=f"pet_{exam}.nii",
                ct_path=f"ct_{exam}.nii",
                mask_path=f"mask_{exam}_{lesion}.nii",
                reference=f"Lesion {lesion} of exam {exam}.",
            )
        )
    manifest = seal_manifest(Manifest(dataset="engine-tiny", synthetic=True, records=built), root)
    write_manifest(manifest, root)
    return manifest


def describe(x: LesionInput, variant: str) -> str:
    suv = float(x.pet[x.mask].max())
    return f"[{variant}] {x.sample_id} {x.tracer} SUVmax {suv:.3f} voxels {int(x.mask.sum())}"


@dataclass
class EchoAdapter(Adapter):
    """Deterministic text from the image content; `variant` is on the card (changes output)."""

    variant: str = "a"
    checkpoint: str | None = None
    batches: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.card = AdapterCard(
            name="engine-echo",
            description="test adapter that describes the mask",
            checkpoint=self.checkpoint,
            decoding={"variant": self.variant},
        )

    def generate(self, batch: Sequence[LesionInput]) -> list[str]:
        self.batches.append(len(batch))
        delay = float(os.environ.get(DELAY_ENV, "0") or 0)
        if delay:
            time.sleep(delay * len(batch))
        failing = set(filter(None, os.environ.get(FAIL_ENV, "").split(",")))
        for x in batch:
            if x.sample_id in failing:
                raise ValueError(f"cannot describe {x.sample_id}")
        return [describe(x, self.variant) for x in batch]


@dataclass
class FitAdapter(Adapter):
    """Learns the set of train references; says how many it saw."""

    seen: list[TrainingExample] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.needs_training_data = True
        self.card = AdapterCard(name="engine-fit", description="test adapter that fits")

    def fit(self, examples: Any) -> None:
        self.seen = list(examples)

    def generate(self, batch: Sequence[LesionInput]) -> list[str]:
        return [f"saw {len(self.seen)} train lesions" for _ in batch]


LAST_ADAPTERS: list[Adapter] = []


def _echo(**options: Any) -> EchoAdapter:
    adapter = EchoAdapter(**options)
    LAST_ADAPTERS.append(adapter)
    return adapter


def _fit(**options: Any) -> FitAdapter:
    adapter = FitAdapter(**options)
    LAST_ADAPTERS.append(adapter)
    return adapter


def fake_entries() -> list[Registration[Any]]:
    return [
        Registration("engine-echo", _echo, "test echo adapter"),
        Registration("engine-fit", _fit, "test fitting adapter"),
    ]


def register_fakes() -> None:
    """For subprocess entry points (tests use a monkeypatched registry instead)."""
    for entry in fake_entries():
        models.add(entry)


class FakeMetric(BaseModel):
    value: float
    ci95: tuple[float, float] | None = None
    higher_is_better: bool = True
    signature: str = "fake"


class FakeReport(BaseModel):
    metrics: dict[str, FakeMetric]
    n: int
    synthetic: bool
    full_split: bool
    split_fingerprint: str | None
    dataset: str | None
    sample_ids: list[str]


SCORER_CALLS: list[dict[str, Any]] = []


def fake_scorer(
    predictions: dict[str, str], references: dict[str, str], metric_ids: list[str], **context: Any
) -> FakeReport:
    """Stand-in for metrics.scoring.score_texts: exact match and mean length."""
    SCORER_CALLS.append({"predictions": dict(predictions), "metric_ids": metric_ids, **context})
    ids = list(predictions)
    exact = float(np.mean([predictions[i] == references[i] for i in ids])) if ids else 0.0
    length = float(np.mean([len(predictions[i]) for i in ids])) if ids else 0.0
    return FakeReport(
        metrics={
            "exact": FakeMetric(value=exact, ci95=(0.0, 1.0)),
            "length": FakeMetric(value=length, higher_is_better=False),
        },
        n=len(ids),
        synthetic=bool(context.get("synthetic")),
        full_split=bool(context.get("full_split", True)),
        split_fingerprint=context.get("split_fingerprint"),
        dataset=context.get("dataset"),
        sample_ids=ids,
    )
