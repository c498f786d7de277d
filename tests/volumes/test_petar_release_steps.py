"""Each step of the petar-release profile against a plain, loop-level restatement of it.

These run without nilearn: resampling against a per-voxel trilinear/nearest loop, the head
search against a slice loop, crop/pad numbers written out by hand, the NIfTI round trip
against real files, the windows against float64 arithmetic, the final resize against a numpy
version of torch's align_corners=False / legacy-nearest rules.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from petar_bench.errors import UserError
from petar_bench.volumes._lesion import LesionInput
from petar_bench.volumes._nifti_roundtrip import binary_round_trip, nifti_round_trip
from petar_bench.volumes._petar_release_wholebody import (
    crop_pad,
    crop_plan,
    head_crop_slices,
    window,
)
from petar_bench.volumes._resample import isotropic_grid, resample
from petar_bench.volumes.petar_release import _resize, preprocess_petar_release

EPS = 1e-9


def _affine(diag, origin, rotate_deg=0.0) -> np.ndarray:
    t = np.deg2rad(rotate_deg)
    rot = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    affine = np.eye(4)
    affine[:3, :3] = rot @ np.diag(diag)
    affine[:3, 3] = origin
    return affine


def _loop_resample(data: np.ndarray, affine: np.ndarray, order: int):
    """Per output voxel: world point -> input index -> interpolate; 0 beyond the centres.

    Returns (values, ambiguous) where ambiguous marks samples within EPS of the input's edge
    (inside or outside there depends on the last bit of float arithmetic).
    """
    n = np.array(data.shape)
    corners = np.array(list(itertools.product(*[(0, k - 1) for k in data.shape])), float)
    world = corners @ affine[:3, :3].T + affine[:3, 3]
    origin, extent = world.min(axis=0), world.max(axis=0) - world.min(axis=0)
    shape = tuple(int(np.ceil(e / 3.0)) + 1 for e in extent)
    inverse = np.linalg.inv(affine)
    out, ambiguous = np.zeros(shape), np.zeros(shape, bool)
    for o in itertools.product(*map(range, shape)):
        c = (inverse @ np.append(origin + 3.0 * np.array(o), 1.0))[:3]
        if np.any(np.abs(c) < EPS) or np.any(np.abs(c - (n - 1)) < EPS):
            ambiguous[o] = True
        if np.any(c < 0) or np.any(c > n - 1):
            continue
        if order == 0:
            out[o] = data[tuple(np.floor(c + 0.5).astype(int))]
            continue
        base = np.floor(c).astype(int)
        frac = c - base
        for corner in itertools.product((0, 1), repeat=3):
            idx = np.minimum(base + corner, n - 1)
            weight = np.prod([f if k else 1 - f for f, k in zip(frac, corner, strict=True)])
            out[o] += weight * data[tuple(idx)]
    return out, ambiguous


@pytest.mark.parametrize(
    "affine",
    [
        _affine([2.2, 3.7, 4.1], [-254.3, 17.1, -926.9]),
        _affine([-4.4, 2.6, 5.3], [100.2, -33.3, 12.7]),
        _affine([3.3, 2.9, 4.7], [5.5, 6.6, 7.7], rotate_deg=7.0),
    ],
    ids=["anisotropic", "flipped_x", "oblique"],
)
@pytest.mark.parametrize("order", [1, 0])
def test_resample_matches_voxel_loop(affine: np.ndarray, order: int) -> None:
    data = np.random.default_rng(0).uniform(-3.0, 5.0, (7, 6, 5))
    grid = isotropic_grid(data.shape, affine, 3.0)
    got = resample(data, grid, order=order)
    want, ambiguous = _loop_resample(data, affine, order)
    assert got.shape == want.shape and got.dtype == data.dtype
    assert ambiguous.mean() < 0.5
    np.testing.assert_allclose(got[~ambiguous], want[~ambiguous], atol=1e-9)


def test_resample_grid_origin_and_shape() -> None:
    affine = _affine([4.0, 4.0, 4.0], [-254.0, -264.0, -926.0])
    grid = isotropic_grid((128, 128, 231), affine, 3.0)
    assert grid.shape == (171, 171, 308)  # ceil(127 * 4 / 3) + 1, ceil(230 * 4 / 3) + 1
    np.testing.assert_allclose(grid.affine, _affine([3.0, 3.0, 3.0], [-254.0, -264.0, -926.0]))


def test_int16_rounds_half_away_from_zero_and_clips() -> None:
    """2 mm -> 3 mm puts every other sample exactly half-way between two voxels."""
    row = np.array([0, 1, 0, -1, 0, 3, 0, -3, 0], dtype=np.int16)
    data = np.tile(row[:, None, None], (1, 2, 2))
    grid = isotropic_grid(data.shape, _affine([2.0, 3.0, 3.0], [0, 0, 0]), 3.0)
    got = resample(data, grid, order=1)[:, 0, 0]
    # input x = 0, 1.5, 3, 4.5, 6, 7.5 -> 0, 0.5, -1, 1.5, 0, -1.5; x = 9 is past the last centre
    assert got.dtype == np.int16
    assert got.tolist() == [0, 1, -1, 2, 0, -2, 0]


def test_samples_past_last_centre_are_zero_not_edge_values() -> None:
    """Constant mode, cval 0: a CT's last resampled row is 0 HU, not air (-1000)."""
    data = np.full((7, 6, 5), -1000, np.int16)
    affine = _affine([2.2, 3.7, 4.1], [-254.3, 17.1, -926.9])
    got = resample(data, isotropic_grid(data.shape, affine, 3.0), order=1)
    assert (got[-1] == 0).all() and (got[:, -1] == 0).all() and (got[..., -1] == 0).all()
    assert (got[:-1, :-1, :-1] == -1000).all()


def _loop_top(data: np.ndarray, threshold: float):
    mx, my = data.shape[0] // 2, data.shape[1] // 2
    for z in reversed(range(data.shape[2])):
        slab = data[max(mx - 50, 0) : min(mx + 50, data.shape[0]), max(my - 150, 0) : my + 50, z]
        if slab.max() > threshold:
            return z
    return None


@pytest.mark.parametrize("shape", [(140, 240, 30), (40, 30, 25)])
def test_head_crop_matches_loop(shape) -> None:
    rng = np.random.default_rng(1)
    pet = rng.uniform(0, 4.9, shape).astype(np.float32)
    ct = rng.uniform(-1000, 999, shape).astype(np.int16)
    assert head_crop_slices(pet, ct) == 0  # nothing above the thresholds: no crop
    ct[shape[0] // 2, shape[1] // 2, 17] = 1001
    assert head_crop_slices(pet, ct) == shape[2] - _loop_top(ct, 1000) - 1 == shape[2] - 18
    pet[0, 0, 20] = 50.0  # counts only where x = 0 lies inside the central box (small grid)
    pet[shape[0] // 2, shape[1] // 2 - 1, 12] = 5.01  # PET wins over CT
    want = shape[2] - _loop_top(pet, 5) - 1
    assert head_crop_slices(pet, ct) == want
    pet[shape[0] // 2, shape[1] // 2, shape[2] - 1] = 6.0  # head at the very top: no crop
    assert head_crop_slices(pet, ct) == 0


def test_crop_plan_numbers() -> None:
    plan = crop_plan((227, 171, 391))
    assert plan.starts == (13, 0, 41) and plan.sizes == (200, 171, 350)
    assert plan.pads == ((0, 0), (14, 15), (0, 0))  # pad_before = total // 2
    plan = crop_plan((201, 200, 20))
    assert plan.starts == (0, 0, 0) and plan.sizes == (200, 200, 20) and plan.pads is None
    data = np.arange(227 * 171 * 4, dtype=np.int16).reshape(227, 171, 4)
    padded = crop_pad(data, crop_plan(data.shape), -1000.0)
    assert padded.dtype == np.float64 and padded.shape == (200, 200, 4)
    assert (padded[:, :14] == -1000).all() and (padded[:, 185:] == -1000).all()
    np.testing.assert_array_equal(padded[:, 14:185], data[13:213])


@pytest.mark.parametrize(
    "data,disk",
    [
        (np.linspace(-1024, 3071, 1000).reshape(10, 10, 10).round(), np.int16),  # padded CT
        (np.linspace(0, 22.4, 1000).reshape(10, 10, 10), np.int16),  # scaled PET
        (np.linspace(0, 22.4, 1000, dtype=np.float32).reshape(10, 10, 10), np.float32),
        ((np.arange(1000) % 7 == 0).astype(np.float64).reshape(10, 10, 10), np.uint8),
        (np.arange(1000, dtype=np.int16).reshape(10, 10, 10), np.int16),
    ],
)
def test_round_trip_matches_real_file(tmp_path: Path, data: np.ndarray, disk) -> None:
    header = nib.Nifti1Header()
    header.set_data_dtype(disk)
    nib.save(nib.Nifti1Image(data, np.eye(4), header), str(tmp_path / "v.nii.gz"))
    want = nib.load(str(tmp_path / "v.nii.gz")).get_fdata()
    got = nifti_round_trip(data, np.dtype(disk))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("disk", [np.uint8, np.int16, np.int8, np.float32, np.uint16])
@pytest.mark.parametrize("source", [np.float64, np.uint8])
def test_binary_round_trip_equals_full_round_trip(disk, source) -> None:
    data = (np.random.default_rng(4).random((20, 10, 6)) < 0.3).astype(source)
    stored = binary_round_trip(data, np.dtype(disk))
    np.testing.assert_array_equal(stored, nifti_round_trip(data, np.dtype(disk)))
    # whatever the mask file's dtype, the release's float32 + clip gives exact 0/1 back
    np.testing.assert_array_equal(np.clip(stored.astype(np.float32), 0, 1), data)
    zeros = np.zeros((4, 4, 4), source)
    np.testing.assert_array_equal(
        binary_round_trip(zeros, np.dtype(disk)), nifti_round_trip(zeros, np.dtype(disk))
    )


def test_windows_are_float32_arithmetic() -> None:
    x = np.random.default_rng(2).uniform(-2000, 3000, 10_000).astype(np.float32)
    got = window(x, -300, 400)
    assert got.dtype == np.float32 and got.min() == 0 and got.max() == 1
    want = ((np.clip(x.astype(np.float64), -300, 400) + 300) / 700).astype(np.float32)
    assert np.abs(got - want).max() <= 6e-8  # float32 rounding, not a different formula
    pet = window(np.array([-1, 0, 6, 12, 30], np.float32), 0, 12)
    assert pet.tolist() == [0.0, 0.0, 0.5, 1.0, 1.0]


def _numpy_linear(volume: np.ndarray, size) -> np.ndarray:
    """Separable linear resize, align_corners=False (half-pixel centres, clamped at 0)."""
    out = volume.astype(np.float64)
    for axis, n_out in enumerate(size):
        n_in = out.shape[axis]
        src = np.maximum((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0)
        lo = np.floor(src).astype(int)
        hi = np.minimum(lo + 1, n_in - 1)
        w = (src - lo).reshape([-1 if a == axis else 1 for a in range(3)])
        out = np.take(out, lo, axis=axis) * (1 - w) + np.take(out, hi, axis=axis) * w
    return out


def test_resize_matches_numpy_rules() -> None:
    rng = np.random.default_rng(3)
    volume = rng.uniform(0, 1, (13, 23, 9)).astype(np.float32)
    size = (8, 32, 16)
    got = _resize(volume, size, "trilinear")
    assert got.shape == (1, *size) and got.dtype == np.float32
    np.testing.assert_allclose(got[0], _numpy_linear(volume, size), atol=1e-6)
    nearest = _resize(volume, size, "nearest")[0]
    idx = [
        np.minimum(np.floor(np.arange(o) * (i / o)).astype(int), i - 1)
        for i, o in zip(volume.shape, size, strict=True)
    ]
    np.testing.assert_array_equal(nearest, volume[np.ix_(*idx)])
    same = _resize(volume, volume.shape, "trilinear")
    np.testing.assert_array_equal(same[0], volume)


def _small_lesion(mask_box, pet_value=2.0) -> LesionInput:
    pet = np.full((30, 30, 40), pet_value, np.float32)
    ct = np.zeros((30, 30, 40), np.int16)
    mask = np.zeros(pet.shape, bool)
    mask[mask_box] = True
    # 1.5 mm slices: 3 mm nearest-neighbour sampling lands on even slices only
    return LesionInput("s", "FDG", pet, ct, mask, np.diag([4.0, 4.0, 1.5, 1.0]))


def test_user_errors() -> None:
    with pytest.raises(UserError, match="empty after"):
        preprocess_petar_release(_small_lesion((slice(10, 12), slice(10, 12), slice(21, 22))))
    with pytest.raises(UserError, match="no PET voxel > 0"):
        preprocess_petar_release(_small_lesion((slice(10, 14),) * 3, pet_value=0.0))
    lesion = _small_lesion((slice(10, 14),) * 3)
    bad = LesionInput("s", "FDG", lesion.pet.copy(), lesion.ct, lesion.mask, lesion.affine)
    bad.pet[0, 0, 0] = np.nan
    with pytest.raises(UserError, match="NaN"):
        preprocess_petar_release(bad)
    wrong = LesionInput("s", "FDG", lesion.pet, lesion.ct, lesion.mask[:, :, :10], lesion.affine)
    with pytest.raises(UserError, match="mask grid"):
        preprocess_petar_release(wrong)


def test_custom_size() -> None:
    out = preprocess_petar_release(_small_lesion((slice(10, 14),) * 3), size=(16, 64, 32))
    for key, array in out.arrays().items():
        assert array.shape == (1, 16, 64, 32) and array.dtype == np.float32, key
