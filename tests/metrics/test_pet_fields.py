"""PET clinical measures on hand-labelled findings (expected counts worked out by hand)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from petar_bench.metrics._numbers import find_numbers, mask_numbers, values_of
from petar_bench.metrics._pet_fields import (
    FieldAccuracy,
    FieldError,
    MaskedTextMetric,
    NumericFidelity,
    parse_finding,
)
from petar_bench.metrics.base import Metric, SampleStats, ScoringContext
from petar_bench.records import LesionRecord, StructuredFinding
from petar_bench.registry import Registration, metrics

# (record fields, reference text, prediction)
CASES = [
    (
        dict(region="Thorax", organ="Lung", laterality="right", suv_max=7.3, slice=112),
        "Region: Thorax\nOrgan: Lung\nSub-site: Right upper lobe\nSUVmax: 7.3\nSlice: 112",
        "Region: Thorax\nOrgan: Lung\nSub-site: Right upper lobe\nSUVmax: 6.9\nSlice: 110\n"
        "Findings: Nodule in the right upper lobe measuring 14 x 11 mm.",
    ),
    (
        dict(region="Abdomen", organ="Liver", suv_max=5.0, slice=200),
        "Region: Abdomen\nOrgan: Liver\nSUVmax: 5.0\nSlice: 200",
        "Hypermetabolic lesion in the left lobe of the liver, SUVmax 5.0 (image 201).",
    ),
    (
        dict(region="Musculoskeletal", organ="Bone", laterality="left", suv_max=12.0, slice=300),
        "Region: Musculoskeletal\nOrgan: Bone\nSub-site: Left 6th rib\nSUVmax: 12.0\nSlice: 300",
        "Intense uptake in a right rib lesion.",
    ),
    (
        dict(region="Pelvis", organ="Lymph node", laterality="right", suv_max=3.1, slice=400),
        "Region: Pelvis\nOrgan: Lymph node\nSub-site: Right external iliac\nSUVmax: 3.1\n"
        "Slice: 400",
        "",
    ),
    (
        dict(region="Thorax", organ="Lymph node", laterality="left"),
        "Region: Thorax\nOrgan: Lymph node\nSub-site: Left axillary",
        "Region: Chestish\nOrgan: Blob",
    ),
]


def _record(i: int, fields: dict, reference: str) -> LesionRecord:
    return LesionRecord(
        sample_id=f"s{i}",
        patient_id=f"p{i // 2}",
        exam_id="e",
        lesion_id=str(i),
        tracer="FDG",
        split="test",
        pet_path="pet.nii.gz",
        ct_path="ct.nii.gz",
        mask_path="m.nii.gz",
        reference=reference,
        fields=StructuredFinding(**fields),
    )


RECORDS = [_record(i, f, r) for i, (f, r, _) in enumerate(CASES)]
REFS = [r for _, r, _ in CASES]
PREDS = [p for _, _, p in CASES]
CTX = ScoringContext(sample_ids=[r.sample_id for r in RECORDS], records=RECORDS)


def _value(metric: Metric, ctx: ScoringContext = CTX) -> tuple[float, SampleStats]:
    stats = metric.statistics(PREDS, REFS, ctx)
    return metric.aggregate(stats.values), stats


def test_region_accuracy_coverage_and_unmapped() -> None:
    value, stats = _value(FieldAccuracy("region"))
    assert value == pytest.approx(3 / 4)  # case 5 states an unmapped region: wrong
    assert stats.extras["coverage"] == pytest.approx(4 / 5)
    assert stats.extras["accuracy_omission_as_error"] == pytest.approx(3 / 5)
    assert stats.extras["n_unmapped_pred"] == 1
    strict, _ = _value(FieldAccuracy("region", strict=True))
    assert strict == pytest.approx(3 / 5)


def test_laterality_omission_counts_as_error_in_strict() -> None:
    value, stats = _value(FieldAccuracy("laterality"))
    # ref: right, -, left, right, left; pred: right, left, right, -, -
    assert value == pytest.approx(1 / 2)
    assert stats.extras["coverage"] == pytest.approx(2 / 4)
    strict, _ = _value(FieldAccuracy("laterality", strict=True))
    assert strict == pytest.approx(1 / 4)


def test_organ_accuracy() -> None:
    value, stats = _value(FieldAccuracy("organ"))
    assert value == pytest.approx(3 / 4) and stats.extras["n_unmapped_pred"] == 1


def test_suvmax_and_slice_errors() -> None:
    suv = FieldError("suv_max")
    value, stats = _value(suv)
    assert value == pytest.approx((0.4 + 0.0) / 2) and suv.higher_is_better is False
    assert stats.extras["coverage"] == pytest.approx(2 / 4)
    assert stats.extras["within_tolerance"] == pytest.approx(1 / 2)
    assert stats.extras["within_tolerance_omission_as_error"] == pytest.approx(1 / 4)
    value, _ = _value(FieldError("slice"))
    assert value == pytest.approx((2 + 1) / 2)


def test_reference_parsed_from_text_without_records() -> None:
    ctx = ScoringContext(sample_ids=CTX.sample_ids)
    value, _ = _value(FieldAccuracy("laterality"), ctx)
    assert value == pytest.approx(1 / 2)  # the sub-site lines state the same sides
    value, _ = _value(FieldError("slice"), ctx)
    assert value == pytest.approx(1.5)


def test_subsets_aggregate_exactly_and_batch_matches_loop() -> None:
    metric = FieldAccuracy("region")
    stats = metric.statistics(PREDS, REFS, CTX).values
    assert metric.aggregate(stats[[0, 2]]) == 1.0
    assert math.isnan(metric.aggregate(stats[[3]]))  # nothing stated by both: undefined
    weights = np.array([[1, 0, 2, 0, 1], [0, 1, 0, 3, 0], [1, 1, 1, 1, 1]])
    expected = Metric.aggregate_batch(metric, stats, weights)
    np.testing.assert_allclose(metric.aggregate_batch(stats, weights), expected)


def test_numeric_fidelity_against_image_measurements() -> None:
    measured = [{"suv_max": 7.33, "size_mm": 15.2}, {"suv_max": 5.04}, {}, {"suv_max": 3.0}, {}]
    ctx = ScoringContext(sample_ids=CTX.sample_ids, measurements=measured)
    suv = NumericFidelity("suv_max")
    value, stats = _value(suv, ctx)
    assert value == pytest.approx(1 / 2)  # 6.9 vs 7.33 no; 5.0 vs 5.04 yes
    assert stats.extras["n_values_stated"] == 2
    value, _ = _value(NumericFidelity("size_mm"), ctx)
    assert value == 1.0  # 14 mm vs 15.2 mm within max(3 mm, 20%)


def test_fidelity_without_measurements_is_unavailable() -> None:
    from petar_bench.metrics.errors import MetricUnavailable

    with pytest.raises(MetricUnavailable, match="measurements"):
        NumericFidelity("suv_max").statistics(PREDS, REFS, CTX)


@pytest.mark.parametrize(
    ("text", "suv", "slice_", "sizes", "side"),
    [
        (
            "New left ischial tuberosity lesion, SUV max 6.7, PET/CT axial slice 238.",
            6.7,
            238,
            (),
            "left",
        ),
        (
            "Right paratracheal (4R) node, 15 × 11 mm, SUVmax 9.4 (series 3, image 118).",
            9.4,
            118,
            (15.0,),
            "right",
        ),
        ("Liver lesion, 1.4 cm, maximum SUV of 8.1, slice: 77.", 8.1, 77, (14.0,), None),
        ("SUV max: 7.3; a 3-cm mass in both lungs", 7.3, None, (30.0,), "bilateral"),
    ],
)
def test_free_text_parsing(text, suv, slice_, sizes, side) -> None:
    parsed = parse_finding(text)
    assert (parsed.suv_max, parsed.slice, parsed.sizes_mm, parsed.laterality) == (
        suv,
        slice_,
        sizes,
        side,
    )


def test_number_masking() -> None:
    text = "Node 14 x 11 mm, SUVmax 9.4 (image 118), Deauville 4, previously 1.2 cm."
    assert mask_numbers(text) == (
        "Node [#] x [#] mm, SUVmax [#] (image [#]), Deauville 4, previously [#] cm."
    )
    # "previously 1.2 cm" is the prior exam's size: masked, but not a size of this lesion
    assert values_of(text, "size_mm") == [14.0]
    assert values_of(text, "size_mm", prior=True) == [12.0]
    assert [m.kind for m in find_numbers(text)] == ["size_mm", "suv_max", "slice", "size_mm"]


@pytest.mark.parametrize(
    "text, current, prior",
    [
        ("SUVmax 8.7 (previously 5.2)", [8.7], []),
        ("Node, SUVmax 6.8. Increased since the prior exam (previously SUVmax 5.2).", [6.8], [5.2]),
        ("Interval decrease from SUVmax 9.1 and 2 cm.", [], [9.1]),
        ("Compared with the prior exam, now SUVmax 9.4.", [9.4], []),
        ("Stable (prior SUVmax 3.3). SUVmax 3.4 on image 80.", [3.4], [3.3]),
        ("SUVmax: 6.1\nFindings: No significant interval change (prior SUVmax 6.0).", [6.1], [6.0]),
    ],
)
def test_numbers_about_a_prior_exam(text: str, current: list[float], prior: list[float]) -> None:
    assert values_of(text, "suv_max") == current
    assert values_of(text, "suv_max", prior=True) == prior
    assert parse_finding(text).suv_values == tuple(current)
    assert "SUVmax [#]" in mask_numbers(text) and not re.search(r"SUVmax \d", mask_numbers(text))


class _ExactMatch(Metric):
    id = "_test_exact_match"

    def signature(self) -> str:
        return "exact"

    def statistics(self, predictions, references, context) -> SampleStats:
        return SampleStats(
            np.array([[float(p == r)] for p, r in zip(predictions, references, strict=True)])
        )

    def aggregate(self, stats: np.ndarray) -> float:
        return float(stats[:, 0].mean())


def test_masked_wrapper_delegates_to_any_registered_metric() -> None:
    metrics.add(Registration("_test_exact_match", _ExactMatch, "test only"))
    masked = MaskedTextMetric("_test_exact_match")
    preds, refs = ["SUVmax 6.9, slice 12", "SUVmax 6.9 in liver"], ["SUVmax 7.3, slice 40"] * 2
    stats = masked.statistics(preds, refs, ScoringContext(sample_ids=["a", "b"]))
    assert masked.aggregate(stats.values) == 0.5
    assert masked.id == "_test_exact_match_masked" and masked.higher_is_better
    assert masked.signature() == "exact|mask:suvmax,slice,size->[#]"


def test_registered_ids() -> None:
    names = set(metrics.names())
    for name in (
        "pet_region_acc",
        "pet_region_acc_strict",
        "pet_laterality_acc",
        "pet_laterality_acc_strict",
        "pet_organ_acc",
        "pet_suvmax_mae",
        "pet_slice_mae",
        "pet_suvmax_fidelity",
        "pet_size_fidelity",
        "rouge_l_masked",
        "bleu4_masked",
    ):
        assert name in names
    assert metrics.create("pet_slice_mae").higher_is_better is False
