"""What `score_texts` is given, built in one place for runs, `score --dataset` and submissions.

Scoring against a dataset hands every metric the same context: records (structured
reference fields), patient ids (clustered CIs), the split's fingerprint and, when a metric
in the set needs them, image measurements under each lesion mask (numeric fidelity).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from petar_bench.records import LesionRecord, Manifest

if TYPE_CHECKING:
    from petar_bench.metrics.scoring import ScoreReport

MEASUREMENTS_NEED = "measurements"


@dataclass(frozen=True)
class ScoreInputs:
    """The texts and context of one scoring (the arguments of `score_texts`)."""

    predictions: dict[str, str]
    references: dict[str, str]
    patient_ids: dict[str, str] | None = None
    records: dict[str, LesionRecord] | None = None
    #: sample id -> {"suv_max", "size_mm"} measured in the image (None when not needed).
    measurements: dict[str, dict[str, float]] | None = None
    full_split: bool = True
    split_fingerprint: str | None = None
    dataset: str | None = None
    synthetic: bool = False

    def context(self) -> dict[str, object]:
        """The keyword arguments of `score_texts` besides the texts and metric ids."""
        context: dict[str, object] = {
            "patient_ids": self.patient_ids,
            "records": self.records,
            "full_split": self.full_split,
            "split_fingerprint": self.split_fingerprint,
            "dataset": self.dataset,
            "synthetic": self.synthetic,
        }
        if self.measurements is not None:
            context["measurements"] = self.measurements
        return context


def needs_measurements(metric_ids: Sequence[str]) -> bool:
    """Does any of these metrics (built-in or plugin) declare that it needs measurements?"""
    from petar_bench.registry import metrics

    known = set(metrics.names())
    return any(MEASUREMENTS_NEED in metrics.get(m).needs for m in metric_ids if m in known)


def dataset_inputs(
    predictions: Mapping[str, str],
    records: Sequence[LesionRecord],
    metric_ids: Sequence[str],
    *,
    root: Path | None,
    dataset: str | None,
    synthetic: bool,
    split_fingerprint: str | None,
    full_split: bool = True,
    manifest: Manifest | None = None,
) -> ScoreInputs:
    """Inputs for scoring `predictions` against dataset `records`.

    Measurements are made (and cached) only when a metric needs them, from the volumes under
    `root` (`manifest` is read from there unless given); without a root there are none and
    those metrics report why they were not computed.
    """
    measurements = None
    if root is not None and needs_measurements(metric_ids):
        from petar_bench.records import read_manifest
        from petar_bench.volumes._split_measurements import measure_records

        manifest = manifest if manifest is not None else read_manifest(root)
        measurements = measure_records(root, manifest, records)
    return ScoreInputs(
        predictions=dict(predictions),
        references={r.sample_id: r.reference for r in records},
        patient_ids={r.sample_id: r.patient_id for r in records},
        records={r.sample_id: r for r in records},
        measurements=measurements,
        full_split=full_split,
        split_fingerprint=split_fingerprint,
        dataset=dataset,
        synthetic=synthetic,
    )


def score_inputs(
    inputs: ScoreInputs,
    metric_ids: Sequence[str],
    *,
    seed: int = 12345,
    n_bootstrap: int = 1000,
    metric_options: Mapping[str, dict[str, object]] | None = None,
) -> ScoreReport:
    """`score_texts` on these inputs."""
    from petar_bench.metrics.scoring import score_texts

    return score_texts(
        inputs.predictions,
        inputs.references,
        metric_ids,
        patient_ids=inputs.patient_ids,
        records=inputs.records,
        measurements=inputs.measurements,
        full_split=inputs.full_split,
        split_fingerprint=inputs.split_fingerprint,
        dataset=inputs.dataset,
        synthetic=inputs.synthetic,
        seed=seed,
        n_bootstrap=n_bootstrap,
        metric_options=metric_options,
    )
