"""Every bad input of the import checks is refused or warned in one line naming the record."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from import_helpers import lesion_folder, save, small_exam

from petar_bench.datasets.importers._engine import ImportRequest, run_import
from petar_bench.errors import UserError

BAD = "p000002_01_1"


def _import(src: Path, out: Path, **options) -> object:
    return run_import(ImportRequest(src=src, output=out, **options))


def _bad_case(name: str, src: Path) -> None:
    pet, ct, mask = small_exam()
    if name == "missing file":
        lesion_folder(src, BAD)
        (src / BAD / "ct.nii.gz").unlink()
    elif name == "truncated nifti":
        folder = lesion_folder(src, BAD)
        data = (folder / "pet.nii.gz").read_bytes()
        (folder / "pet.nii.gz").write_bytes(data[: len(data) // 2])
    elif name == "no overlap":
        far = np.diag([4.0, 4.0, 4.0, 1.0])
        far[2, 3] = 2000.0
        folder = lesion_folder(src, BAD)
        save(folder / "ct.nii.gz", ct, far)
    elif name == "empty mask":
        lesion_folder(src, BAD, mask=np.zeros_like(mask))
    elif name == "non-binary mask":
        lesion_folder(src, BAD, mask=mask * 2 + (mask[::-1] > 0))
    elif name == "nan voxels":
        lesion_folder(src, BAD, pet=np.where(mask > 0, np.nan, pet).astype(np.float32))
    elif name == "negative suv":
        lesion_folder(src, BAD, pet=(pet - 30.0 * (mask > 0)).astype(np.float32))
    elif name == "bq/ml pet":
        lesion_folder(src, BAD, pet=(pet * 11000.0).astype(np.float32))
    elif name == "empty text":
        lesion_folder(src, BAD, text="  \n")
    elif name == "non-utf8 text":
        lesion_folder(src, BAD, text=b"SUV max 6.5 \xff\xfe slice 13")


CASES = {
    "missing file": "missing ct.nii.gz",
    "truncated nifti": "not a readable NIfTI",
    "no overlap": "do not overlap",
    "empty mask": "is empty",
    "non-binary mask": "not binary",
    "nan voxels": "NaN or inf",
    "negative suv": "strongly negative",
    "bq/ml pet": "looks like Bq/mL",
    "empty text": "text is empty",
    "non-utf8 text": "not UTF-8",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_lesion_is_skipped_with_one_line_naming_it(case: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    lesion_folder(src, "p000001_01_1")
    _bad_case(case, src)
    result = _import(src, tmp_path / "out")
    assert result.imported == 1
    [skipped] = result.skipped
    assert BAD in skipped["reason"] and CASES[case] in skipped["reason"]
    assert "\n" not in skipped["reason"]
    report = json.loads((tmp_path / "out" / "import_report.json").read_text())
    assert report["skipped"][0]["reason"] == skipped["reason"]
    # --strict: the same input refuses the whole import and writes no manifest
    with pytest.raises(UserError, match="--strict") as info:
        _import(src, tmp_path / "strict", strict=True)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "strict" / "manifest.json").exists()


def test_ct_that_is_not_hu_is_a_warning_and_strict_refuses(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _, ct, _ = small_exam()
    lesion_folder(src, "p000001_01_1", ct=(ct.astype(np.int32) + 1024).astype(np.int16))
    result = _import(src, tmp_path / "out")
    assert result.imported == 1 and len(result.warnings) == 1
    assert "p000001_01_1" in result.warnings[0] and "does not look like HU" in result.warnings[0]
    with pytest.raises(UserError, match="1 warning"):
        _import(src, tmp_path / "strict", strict=True)


def test_padding_and_metal_are_normal_ct(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _, ct, _ = small_exam()
    ct[:2] = -3024
    ct[10, 10, 0] = 3071
    lesion_folder(src, "p000001_01_1", ct=ct)
    assert not _import(src, tmp_path / "out").warnings


def test_duplicate_folder_ids_are_refused(tmp_path: Path) -> None:
    src = tmp_path / "src"
    lesion_folder(src, "p000001_01_1", split="train")
    lesion_folder(src, "p000001_01_1", split="test")
    result = _import(src, tmp_path / "out")
    assert result.imported == 1 and result.manifest.records[0].split == "train"
    [skipped] = result.skipped
    assert "duplicate sample id 'p000001_01_1'" in skipped["reason"]


def test_duplicate_sample_ids_in_a_table(tmp_path: Path) -> None:
    src = tmp_path / "src"
    folder = lesion_folder(src / "vols", "a")
    rows = ["sample_id,patient_id,pet,ct,mask,reference,tracer"]
    for patient in ("p1", "p2"):
        rows.append(
            f"same,{patient},{folder}/pet.nii.gz,{folder}/ct.nii.gz,{folder}/mask.nii.gz,"
            "SUV max 6.5 slice 13,FDG"
        )
    (src / "lesions.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = _import(src, tmp_path / "out")
    assert result.imported == 1
    assert "duplicate sample id 'same'" in result.skipped[0]["reason"]
    assert "lesions.csv row 3" in result.skipped[0]["reason"]


def test_patient_in_two_splits_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "src"
    lesion_folder(src, "p000001_01_1")
    lesion_folder(src, "p000001_02_1")
    split_file = tmp_path / "splits.csv"
    split_file.write_text("id,split\np000001_01_1,train\np000001_02_1,test\n", encoding="utf-8")
    with pytest.raises(UserError, match="patient 'p000001' is in two splits") as info:
        _import(src, tmp_path / "out", split_file=split_file)
    assert "\n" not in str(info.value)
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_seeded_split_is_patient_level_and_deterministic(tmp_path: Path) -> None:
    src = tmp_path / "src"
    for patient in range(1, 7):
        for lesion in (1, 2):
            lesion_folder(src, f"p{patient:06d}_01_{lesion}")
    first = _import(src, tmp_path / "a", seed=3).manifest
    second = _import(src, tmp_path / "b", seed=3).manifest
    assert [r.split for r in first.records] == [r.split for r in second.records]
    by_patient: dict[str, set[str]] = {}
    for record in first.records:
        by_patient.setdefault(record.patient_id, set()).add(record.split)
    assert all(len(s) == 1 for s in by_patient.values())
    assert {"train", "test"} <= {r.split for r in first.records}
    assert "seeded" in first.import_info.split_method


def test_gzip_member_cut_short_is_named(tmp_path: Path) -> None:
    src = tmp_path / "src"
    folder = lesion_folder(src, "p000001_01_1")
    (folder / "mask.nii.gz").write_bytes(gzip.compress(b"not a nifti header at all"))
    with pytest.raises(UserError, match="nothing was imported"):
        _import(src, tmp_path / "out")
    report = json.loads((tmp_path / "out" / "import_report.json").read_text())
    assert "p000001_01_1" in report["skipped"][0]["reason"]
