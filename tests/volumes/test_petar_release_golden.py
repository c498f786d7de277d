"""petar-release profile == the PETAR release's own output on one golden case.

The golden arrays were produced by the release itself (petar-release@9c0fa67 with nilearn and
MONAI); see tests/data/petar_release_case1/README.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from petar_bench.volumes._lesion import LesionInput, load_nifti
from petar_bench.volumes.exam_cache import ExamCache
from petar_bench.volumes.petar_release import (
    MODALITY_KEYS,
    PROFILE_NAME,
    describe,
    preprocess_petar_release,
)

CASE = Path(__file__).resolve().parents[1] / "data" / "petar_release_case1"
TOLERANCE = 1e-4  # the release's own NIfTI round trip moves values by up to 2e-5


def _golden_lesion() -> LesionInput:
    """What VolumeLoader gives an adapter for this case, built directly from the files."""
    pet, affine, pet_header = load_nifti(CASE / "pet.nii.gz")
    ct, _, ct_header = load_nifti(CASE / "ct.nii.gz")
    mask, _, _ = load_nifti(CASE / "mask.nii.gz")
    return LesionInput("case1", "FDG", pet, ct, mask > 0, affine, pet_header, ct_header)


@pytest.fixture(scope="module")
def golden_run():
    lesion = _golden_lesion()
    return lesion, preprocess_petar_release(lesion, cache=ExamCache())


def test_matches_release_arrays(golden_run) -> None:
    _, out = golden_run
    expected = np.load(CASE / "expected_inputs.npz")
    for key in MODALITY_KEYS:
        got = getattr(out, key)
        assert got.dtype == np.float32 and got.shape == (1, 32, 256, 256), key
        diff = float(np.abs(got - expected[key]).max())
        assert diff <= TOLERANCE, f"{key}: max abs diff {diff:.3g} > {TOLERANCE}"
    assert set(np.unique(out.mask)) <= {0.0, 1.0} and out.mask.any()


def test_intermediate_facts_match_release_log(golden_run) -> None:
    """The README lists what the release did on the way; the metadata must agree."""
    lesion, out = golden_run
    meta = out.meta
    assert lesion.ct_header.get_data_dtype() == np.int16  # padded int16 CT is re-quantised
    assert meta.head_crop_slices == 9
    assert meta.resampled_shape == (171, 171, 308)
    assert meta.processed_shape == (308, 200, 200)
    assert meta.window[1] - meta.window[0] == 161
    assert tuple(b - a for a, b in meta.focal_box) == (46, 48, 47)


def test_profile_identity() -> None:
    assert PROFILE_NAME == "petar-release"
    text = describe()
    assert "32x256x256" in text and "3 mm" in text and "[-300, 400]" in text
