"""CT on its own grid: resampled onto the PET grid once per exam, the native CT kept; PET
values checked when loaded."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from petar_bench.errors import UserError
from petar_bench.records import LesionRecord
from petar_bench.volumes._lesion import VolumeLoader

PET_AFFINE = np.array([[4.0, 0, 0, -20.0], [0, 4.0, 0, -16.0], [0, 0, 4.0, -100.0], [0, 0, 0, 1]])


def _save(path: Path, data: np.ndarray, affine: np.ndarray) -> None:
    nib.save(nib.Nifti1Image(data, affine), str(path))


def _record(**paths: str) -> LesionRecord:
    base = {"pet_path": "pet.nii.gz", "ct_path": "ct.nii.gz", "mask_path": "mask.nii.gz"}
    base.update(paths)
    return LesionRecord(
        sample_id="s1",
        patient_id="p",
        exam_id="e",
        lesion_id="1",
        tracer="FDG",
        split="test",
        reference="x",
        **base,
    )


def _world(affine: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    idx = np.stack(np.meshgrid(*[np.arange(n) for n in shape], indexing="ij"), axis=-1)
    return idx @ affine[:3, :3].T + affine[:3, 3]


def _ct_value(world: np.ndarray) -> np.ndarray:
    # Linear in world coordinates: trilinear resampling reproduces it exactly inside the field.
    return (3.0 * world[..., 0] - 2.0 * world[..., 1] + 0.5 * world[..., 2]).astype(np.float32)


@pytest.fixture()
def exam(tmp_path: Path) -> Path:
    pet = np.full((10, 8, 12), 0.5, np.float32)
    pet[5, 4, 6] = 7.0
    _save(tmp_path / "pet.nii.gz", pet, PET_AFFINE)
    mask = np.zeros(pet.shape, np.uint8)
    mask[5, 4, 6] = 1
    _save(tmp_path / "mask.nii.gz", mask, PET_AFFINE)
    # CT at 1.5 x 1.5 x 2 mm, axes flipped in x, covering more than the PET field.
    ct_affine = np.array(
        [[-1.5, 0, 0, 30.0], [0, 1.5, 0, -30.0], [0, 0, 2.0, -110.0], [0, 0, 0, 1]]
    )
    shape = (45, 40, 40)
    _save(tmp_path / "ct.nii.gz", _ct_value(_world(ct_affine, shape)), ct_affine)
    _save(tmp_path / "ct_same.nii.gz", np.zeros(pet.shape, np.int16), PET_AFFINE)
    return tmp_path


def test_ct_on_its_own_grid_is_resampled_onto_the_pet_grid(exam: Path) -> None:
    lesion = VolumeLoader(exam).load(_record())
    assert lesion.ct.shape == lesion.pet.shape
    expected = _ct_value(_world(PET_AFFINE, lesion.pet.shape))
    np.testing.assert_allclose(lesion.ct, expected, atol=1e-3)
    assert lesion.ct_resampled and lesion.ct_native is not None
    assert lesion.ct_native.shape == (45, 40, 40) and lesion.ct_affine[0, 0] == -1.5


def test_pet_voxels_beyond_the_ct_field_are_air(exam: Path) -> None:
    small = np.array([[2.0, 0, 0, -20.0], [0, 2.0, 0, -16.0], [0, 0, 2.0, -100.0], [0, 0, 0, 1]])
    _save(exam / "ct_half.nii.gz", np.full((20, 16, 12), 40, np.int16), small)
    lesion = VolumeLoader(exam).load(_record(ct_path="ct_half.nii.gz"))
    assert lesion.ct.dtype == np.int16  # an integer CT stays integer
    assert (lesion.ct[:, :, :5] == 40).all() and (lesion.ct[:, :, 7:] == -1000).all()


def test_same_grid_ct_is_passed_through_untouched(exam: Path) -> None:
    lesion = VolumeLoader(exam).load(_record(ct_path="ct_same.nii.gz"))
    assert lesion.ct is lesion.ct_native and not lesion.ct_resampled


def test_resampled_once_per_exam(exam: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from petar_bench.volumes import _resample as resample

    calls = []
    original = resample.resample_onto
    monkeypatch.setattr(
        resample, "resample_onto", lambda *a, **k: calls.append(1) or original(*a, **k)
    )
    loader = VolumeLoader(exam)
    first, second = loader.load(_record()), loader.load(_record())
    assert len(calls) == 1 and first.ct is second.ct


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda a: a * 12000.0, "looks like Bq/mL"),
        (lambda a: np.where(a > 5, np.nan, a), "NaN or inf"),
        (lambda a: np.where(a > 5, np.inf, a), "NaN or inf"),
        (lambda a: a - 20.0 * (a > 5), "strongly negative"),
        (lambda a: a * 1e-6, "implausibly low"),
        (lambda a: np.where(a > 5, 5e4, a), "beyond physiology"),
    ],
)
def test_pet_values_are_checked_on_load(exam: Path, edit, message: str) -> None:
    pet = np.asarray(nib.load(str(exam / "pet.nii.gz")).dataobj)
    _save(exam / "bad_pet.nii.gz", edit(pet).astype(np.float32), PET_AFFINE)
    with pytest.raises(UserError, match=message) as info:
        VolumeLoader(exam).load(_record(pet_path="bad_pet.nii.gz"))
    assert "bad_pet.nii.gz" in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("slope", [1e5, -1.0, 1e-9])
def test_absurd_nifti_scale_factors_are_refused(exam: Path, slope: float) -> None:
    pet = np.asarray(nib.load(str(exam / "pet.nii.gz")).dataobj)
    stored = np.rint(pet * 100).astype(np.int16)
    image = nib.Nifti1Image(stored, PET_AFFINE)
    image.header.set_slope_inter(slope, 0.0)
    nib.save(image, str(exam / "scaled.nii.gz"))
    with pytest.raises(UserError, match="scaled.nii.gz") as info:
        VolumeLoader(exam).load(_record(pet_path="scaled.nii.gz"))
    assert "\n" not in str(info.value)


def test_dataloader_transfer_keeps_the_native_ct(exam: Path) -> None:
    import pickle

    from petar_bench.engine._dataloading import LoadedSample, _to_arrays, _to_tensors

    for ct_path, resampled in (("ct.nii.gz", True), ("ct_same.nii.gz", False)):
        lesion = VolumeLoader(exam).load(_record(ct_path=ct_path))
        sent = pickle.loads(pickle.dumps(_to_tensors(LoadedSample(0, "s1", lesion))))
        back = _to_arrays(sent).input
        assert back.ct_resampled is resampled
        assert np.array_equal(back.ct_native, lesion.ct_native)
        assert np.array_equal(back.ct, lesion.ct)
