"""Bad volumes give one clear line naming the file or lesion (never a traceback)."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from petar_bench.errors import UserError
from petar_bench.records import LesionRecord
from petar_bench.volumes._lesion import VolumeLoader

AFFINE = np.diag([4.0, 4.0, 4.0, 1.0])


def _save(path: Path, data: np.ndarray, affine: np.ndarray = AFFINE) -> None:
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


@pytest.fixture()
def exam(tmp_path: Path) -> Path:
    _save(tmp_path / "pet.nii.gz", np.ones((6, 6, 6), np.float32))
    _save(tmp_path / "ct.nii.gz", np.zeros((6, 6, 6), np.int16))
    mask = np.zeros((6, 6, 6), np.uint8)
    mask[2, 2, 2] = 1
    mask[4, 4, 4] = 2
    _save(tmp_path / "mask.nii.gz", mask)
    return tmp_path


def test_loads_and_keeps_the_on_disk_ct_dtype(exam: Path) -> None:
    lesion = VolumeLoader(exam).load(_record())
    assert lesion.ct.dtype == np.int16 and lesion.mask.sum() == 2
    labelled = VolumeLoader(exam).load(_record().model_copy(update={"mask_label": 2}))
    assert labelled.mask.sum() == 1 and labelled.mask[4, 4, 4]


def test_missing_and_corrupt_files(exam: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        VolumeLoader(exam).load(_record(pet_path="nope.nii.gz"))
    (exam / "bad.nii.gz").write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(UserError, match="not a readable NIfTI") as info:
        VolumeLoader(exam).load(_record(ct_path="bad.nii.gz"))
    assert "\n" not in str(info.value)


def test_grids_that_do_not_fit(exam: Path) -> None:
    far = AFFINE.copy()
    far[2, 3] = 900.0  # a CT of another body region: no overlap in world coordinates
    _save(exam / "ct_far.nii.gz", np.zeros((6, 6, 6), np.int16), far)
    with pytest.raises(UserError, match="do not overlap") as info:
        VolumeLoader(exam).load(_record(ct_path="ct_far.nii.gz"))
    assert "\n" not in str(info.value)
    shifted = AFFINE.copy()
    shifted[0, 3] = 10.0
    _save(exam / "mask_shifted.nii.gz", np.ones((6, 6, 6), np.uint8), shifted)
    with pytest.raises(UserError, match="not on the PET grid"):
        VolumeLoader(exam).load(_record(mask_path="mask_shifted.nii.gz"))


def test_empty_mask(exam: Path) -> None:
    _save(exam / "empty.nii.gz", np.zeros((6, 6, 6), np.uint8))
    with pytest.raises(UserError, match="is empty"):
        VolumeLoader(exam).load(_record(mask_path="empty.nii.gz"))
    with pytest.raises(UserError, match="label 7"):
        VolumeLoader(exam).load(_record().model_copy(update={"mask_label": 7}))


def test_exam_cache_reads_pet_and_ct_once(exam: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from petar_bench.volumes import _lesion as module

    calls: list[str] = []
    original = module.load_nifti
    monkeypatch.setattr(module, "load_nifti", lambda p: calls.append(p.name) or original(p))
    loader = VolumeLoader(exam)
    loader.load(_record())
    loader.load(_record().model_copy(update={"mask_label": 2}))
    assert calls.count("pet.nii.gz") == 1 and calls.count("mask.nii.gz") == 2
