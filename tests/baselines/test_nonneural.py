"""The non-neural baselines on small hand-made volumes (no generator involved)."""

from __future__ import annotations

import numpy as np
import pytest

from petar_bench.baselines.base import TrainingExample
from petar_bench.baselines.nonneural._constant import ConstantAdapter, most_frequent_finding
from petar_bench.baselines.nonneural._image_features import measure_lesion
from petar_bench.baselines.nonneural._measure import MeasureAdapter
from petar_bench.baselines.nonneural._retrieval import (
    RetrievalAdapter,
    substitute_numbers,
    substitute_side,
)
from petar_bench.errors import UserError
from petar_bench.findings import split_labelled_fields
from petar_bench.records import LesionRecord, StructuredFinding
from petar_bench.volumes import _measures as measures
from petar_bench.volumes._lesion import LesionInput

SHAPE = (40, 30, 60)  # x toward the patient's right (RAS), y anterior, z toward the head
AFFINE = np.diag([4.0, 4.0, 4.0, 1.0])


def phantom(centre: tuple[int, int, int], radius: int = 2, peak: float = 9.0) -> LesionInput:
    ct = np.full(SHAPE, -1000, np.int16)
    ct[5:35, 5:25, 2:58] = 40  # a box body
    pet = np.zeros(SHAPE, np.float32)
    pet[5:35, 5:25, 2:58] = 1.0
    ii, jj, kk = np.indices(SHAPE)
    ball = (ii - centre[0]) ** 2 + (jj - centre[1]) ** 2 + (kk - centre[2]) ** 2 <= radius**2
    pet[ball] = peak - 0.1 * ((ii - centre[0]) ** 2 + (kk - centre[2]) ** 2)[ball]
    return LesionInput("q", "FDG", pet, ct, ball, AFFINE)


def test_measurements_follow_the_conventions() -> None:
    lesion = phantom((10, 15, 40))
    m = measure_lesion(lesion)
    assert m.suv_max == 9.0
    assert m.slice == SHAPE[2] - 40  # 1-based from the head end (top index = slice 1)
    assert m.size_mm == measures.longest_axial_diameter_mm(lesion.mask, (4.0, 4.0, 4.0))
    assert m.size_mm == pytest.approx(4 * 4 + 4)  # 5 voxels across at 4 mm
    # RAS: world +x points to the patient's right, so a low x index is the patient's left.
    assert m.laterality == "left"
    assert measure_lesion(phantom((29, 15, 40))).laterality == "right"
    assert measure_lesion(phantom((20, 15, 40))).laterality == "midline"


def test_measure_writes_a_parseable_structured_finding() -> None:
    text = MeasureAdapter().generate([phantom((10, 15, 40))])[0]
    fields = split_labelled_fields(text)
    assert fields["suv_max"] == "9.0"
    assert fields["slice"] == str(SHAPE[2] - 40)
    assert "left" in fields["sub_site"].lower()
    assert "FDG-avid" in fields["findings"]


def _record(sample_id: str, text: str, **fields: object) -> LesionRecord:
    return LesionRecord(
        sample_id=sample_id,
        patient_id="p",
        exam_id="e",
        lesion_id="l",
        tracer="FDG",
        split="train",
        pet_path="a",
        ct_path="b",
        mask_path="c",
        reference=text,
        fields=StructuredFinding(**fields),
    )


def test_constant_picks_the_most_frequent_number_free_form() -> None:
    pairs = [("b", "Node, SUVmax 3.1."), ("a", "Node, SUVmax 7.4."), ("c", "Liver, SUVmax 2.0.")]
    assert most_frequent_finding(pairs) == "Node, SUVmax 7.4."
    with pytest.raises(UserError):
        most_frequent_finding([])
    adapter = ConstantAdapter()
    lesion = phantom((10, 15, 40))
    adapter.fit([TrainingExample(lesion, _record(s, t)) for s, t in pairs])
    assert adapter.generate([lesion, lesion]) == ["Node, SUVmax 7.4."] * 2


def test_retrieval_substitutes_only_the_records_own_numbers() -> None:
    record = _record(
        "r",
        "SUVmax: 7.4\nSlice: 12\nFindings: node 14 mm, SUVmax 7.4, 17.4 cm.",
        suv_max=7.4,
        slice=12,
        size_mm=14.0,
    )
    m = measure_lesion(phantom((10, 15, 40)))
    out = substitute_numbers(record.reference, record, m)
    assert out == (
        f"SUVmax: 9.0\nSlice: {m.slice}\nFindings: node {m.size_mm:.0f} mm, SUVmax 9.0, 17.4 cm."
    )


def test_retrieval_returns_the_nearest_training_finding() -> None:
    near, far = phantom((10, 15, 40)), phantom((29, 15, 10), radius=4, peak=20.0)
    adapter = RetrievalAdapter()
    adapter.fit(
        [
            TrainingExample(far, _record("far", "far one", suv_max=20.0)),
            TrainingExample(near, _record("near", "near one", suv_max=9.0)),
        ]
    )
    assert adapter.generate([phantom((11, 15, 41))]) == ["near one"]


def test_retrieval_copies_the_measured_side() -> None:
    text = "Sub-site: Right adrenal gland\nFindings: Right adrenal nodule, not the left one."
    record = _record("r", text, laterality="right")
    left = measure_lesion(phantom((10, 15, 40)))  # the patient's left
    assert substitute_side(text, record, left) == (
        "Sub-site: Left adrenal gland\nFindings: Left adrenal nodule, not the right one."
    )
    right = measure_lesion(phantom((29, 15, 40)))
    assert substitute_side(text, record, right) == text
    midline = measure_lesion(phantom((20, 15, 40)))
    assert substitute_side(text, record, midline) == text
    unsided = _record("u", text)
    assert substitute_side(text, unsided, left) == text
