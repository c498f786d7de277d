"""petar-release profile == an independent release-style reference, on synthetic exams.

The reference (`petar_reference.py`) runs the release's steps on NIfTI files with nibabel,
nilearn and MONAI; the profile runs them in memory with scipy/torch. The cases cover what the
golden case does not: other and anisotropic voxel sizes, non-square grids, a scaled int16
PET, a float CT, a flipped and oblique affine, the head found by CT or not at all, the top-350
z crop, the in-plane centre crop, mixed crop/pad, lesion windows clipped at either end.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip(
    "nilearn",
    reason="nilearn not installed (pip install nilearn): the independent resampling reference",
)
pytest.importorskip("monai", reason="MONAI not installed: the independent crop/resize reference")

from petar_phantom import ExamSpec, Lesion, write_exam  # noqa: E402
from petar_reference import stage_one, stage_two  # noqa: E402

from petar_bench.volumes._lesion import LesionInput, load_nifti  # noqa: E402
from petar_bench.volumes._petar_release_wholebody import top_slice_above  # noqa: E402
from petar_bench.volumes.exam_cache import ExamCache  # noqa: E402
from petar_bench.volumes.petar_release import (  # noqa: E402
    MODALITY_KEYS,
    preprocess_petar_release,
)

# The reference calls the same scipy and torch kernels, so agreement is exact in practice;
# 1e-6 (not the golden case's 1e-4) also catches a skipped NIfTI round trip (~2e-5).
TOLERANCE = 1e-6

CASES = {
    # padded in x and y, 5 x 4.2 x 3.6 mm, PET stored as scaled int16, head found by PET
    "pad_int16_pet": (
        ExamSpec(
            shape=(96, 80, 150),
            spacing=(5.0, 4.2, 3.6),
            head="pet",
            lesions=(Lesion((0.55, 0.4, 0.5), 14.0, 7.0), Lesion((0.4, 0.5, 0.04), 9.0, 5.5)),
            seed=1,
        ),
        {"pet_dtype": np.int16, "ct_dtype": np.int16},
    ),
    # > 350 slices after resampling (top 350 kept), float32 CT, head found by CT only
    "z_crop_ct_head": (
        ExamSpec(
            shape=(60, 50, 300),
            spacing=(4.0, 3.5, 4.0),
            head="ct",
            lesions=(Lesion((0.5, 0.45, 0.9), 12.0, 4.0),),
            seed=2,
        ),
        {"pet_dtype": np.float32, "ct_dtype": np.float32},
    ),
    # > 200 voxels in x and y after resampling: centre crop, no padding
    "xy_crop": (
        ExamSpec(
            shape=(170, 160, 40),
            spacing=(4.0, 3.9, 4.4),
            head="pet",
            head_gap_mm=10.0,
            lesions=(Lesion((0.6, 0.5, 0.3), 15.0, 10.0),),
            seed=3,
        ),
        {"pet_dtype": np.float32, "ct_dtype": np.int16},
    ),
    # flipped, slightly oblique axes; x cropped, y padded; no head found (no z crop)
    "oblique_crop_x_pad_y": (
        ExamSpec(
            shape=(150, 70, 60),
            spacing=(4.5, 3.0, 5.0),
            head="none",
            flip_x=True,
            rotate_deg=3.0,
            lesions=(Lesion((0.88, 0.5, 0.45), 10.0, 8.0), Lesion((0.5, 0.55, 0.6), 12.0, 4.5)),
            seed=4,
        ),
        {"pet_dtype": np.float32, "ct_dtype": np.int16},
    ),
}


def _lesions(pet_path: Path, ct_path: Path, mask_paths: list[Path]) -> list[LesionInput]:
    """What VolumeLoader hands an adapter, built directly from the files."""
    pet, affine, pet_header = load_nifti(pet_path)
    ct, _, ct_header = load_nifti(ct_path)
    out = []
    for i, path in enumerate(mask_paths):
        mask, _, _ = load_nifti(path)
        out.append(LesionInput(f"l{i}", "FDG", pet, ct, mask > 0, affine, pet_header, ct_header))
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_profile_matches_release_reference(name: str, tmp_path: Path) -> None:
    spec, dtypes = CASES[name]
    pet_path, ct_path, mask_paths = write_exam(spec, tmp_path / "exam", **dtypes)
    cache = ExamCache()
    for lesion, mask_path in zip(_lesions(pet_path, ct_path, mask_paths), mask_paths, strict=True):
        ours = preprocess_petar_release(lesion, cache=cache)
        first = stage_one(pet_path, ct_path, mask_path, tmp_path / f"ref_{lesion.sample_id}")
        ref = stage_two(first["pet"], first["ct"], first["mask"])
        assert ours.meta.head_crop_slices == first["offset"]
        assert ours.meta.resampled_shape == first["resampled_shape"]
        assert ours.meta.processed_shape == first["pet"].shape[1:]
        assert ours.meta.window == ref["window"]
        assert ours.meta.focal_box == ref["focal_box"]
        for key in MODALITY_KEYS:
            got = getattr(ours, key)
            assert got.dtype == np.float32 and got.shape == (1, 32, 256, 256), key
            diff = float(np.abs(got - ref[key]).max())
            assert diff <= TOLERANCE, f"{name}/{lesion.sample_id}/{key}: max abs diff {diff:.3g}"
        if lesion.sample_id == "l0":
            _assert_branch(name, lesion, ours.meta)
    assert cache.misses == 1 and cache.hits == len(mask_paths) - 1


def _assert_branch(name: str, lesion: LesionInput, meta) -> None:
    """Guard the case list: each case exercises the branch it is named for."""
    if name == "pad_int16_pet":
        assert lesion.pet_header.get_data_dtype() == np.int16 and meta.head_crop_slices > 0
        assert max(meta.resampled_shape[:2]) < 200 and meta.processed_shape[1:] == (200, 200)
    elif name == "z_crop_ct_head":
        assert top_slice_above(lesion.pet, 5.0) is None and meta.head_crop_slices > 0
        assert meta.resampled_shape[2] > 350 and meta.processed_shape[0] == 350
        assert meta.window[0] == 0  # lesion near the head: window clipped at the top
    elif name == "xy_crop":
        assert min(meta.resampled_shape[:2]) > 200 and meta.processed_shape[1:] == (200, 200)
    elif name == "oblique_crop_x_pad_y":
        assert meta.head_crop_slices == 0
        assert meta.resampled_shape[0] > 200 > meta.resampled_shape[1]
    else:
        raise AssertionError(f"no branch check for case {name}")
