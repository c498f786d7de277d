"""A killed import resumes to the same manifest; a CT-grid mask is resampled and recorded; the
consistency report finds slice conventions, axis flips and scale differences."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from import_helpers import lesion_folder, save, small_exam

from petar_bench.datasets.importers import _engine as engine
from petar_bench.datasets.importers._engine import ImportRequest, run_import
from petar_bench.records import read_manifest
from petar_bench.volumes._lesion import VolumeLoader


def _three_exams(src: Path) -> None:
    for patient in (1, 2, 3):
        lesion_folder(src, f"p{patient:06d}_01_1")


def test_killed_import_resumes_to_the_same_manifest(tmp_path: Path, monkeypatch) -> None:
    src = tmp_path / "src"
    _three_exams(src)
    run_import(ImportRequest(src=src, output=tmp_path / "clean"))
    real = engine.process_exam
    calls: list[int] = []

    def dies_on_the_second_exam(task):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(task)

    monkeypatch.setattr(engine, "process_exam", dies_on_the_second_exam)
    with pytest.raises(KeyboardInterrupt):
        run_import(ImportRequest(src=src, output=tmp_path / "out"))
    assert not (tmp_path / "out" / "manifest.json").exists()  # no half manifest
    monkeypatch.setattr(engine, "process_exam", real)
    result = run_import(ImportRequest(src=src, output=tmp_path / "out"))
    assert result.resumed_exams == 1  # the first exam's work was reused
    clean = read_manifest(tmp_path / "clean").model_dump(exclude={"dataset"})
    assert read_manifest(tmp_path / "out").model_dump(exclude={"dataset"}) == clean


def test_output_with_foreign_files_is_refused(tmp_path: Path) -> None:
    from petar_bench.errors import UserError

    src = tmp_path / "src"
    _three_exams(src)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="not empty"):
        run_import(ImportRequest(src=src, output=tmp_path / "busy"))


def test_mask_on_the_ct_grid_is_resampled_to_the_pet_grid(tmp_path: Path) -> None:
    pet, ct, mask = small_exam()
    # CT and mask at 2 x 2 x 4 mm whose voxel centres include the PET's: nearest neighbour
    # back onto the PET grid then gives exactly the PET-grid mask.
    ct_affine = np.diag([2.0, 2.0, 4.0, 1.0])
    fine_mask = np.repeat(np.repeat(mask, 2, axis=0), 2, axis=1)
    fine_ct = np.repeat(np.repeat(ct, 2, axis=0), 2, axis=1)
    folder = lesion_folder(tmp_path / "src", "p000001_01_1")
    save(folder / "ct.nii.gz", fine_ct, ct_affine)
    save(folder / "mask.nii.gz", fine_mask, ct_affine)
    result = run_import(ImportRequest(src=tmp_path / "src", output=tmp_path / "out"))
    record = result.manifest.records[0]
    info = result.manifest.volumes[record.mask_path]
    assert info.grid.shape == pet.shape
    assert any("nearest neighbour" in note and "PET grid" in note for note in info.notes)
    lesion = VolumeLoader(tmp_path / "out").load(record)
    assert np.array_equal(lesion.mask, mask > 0)
    assert lesion.ct_native.shape == fine_ct.shape and lesion.ct.shape == pet.shape


@pytest.mark.parametrize(
    ("slice_text", "convention"),
    [
        ("13", "1-based, counted from the head end"),
        ("12", "0-based, counted from the head end"),  # ties with 1-based from the feet here
        ("11", "0-based, counted from the feet end"),
    ],
)
def test_slice_convention_is_detected(slice_text: str, convention: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    for patient in (1, 2):
        lesion_folder(
            src, f"p{patient:06d}_01_1", text=f"Nodule, SUV max 6.5, axial slice {slice_text}."
        )
    result = run_import(ImportRequest(src=src, output=tmp_path / "out"))
    assert result.manifest.import_info.slice_convention == convention
    report = json.loads((tmp_path / "out" / "import_report.json").read_text())
    assert report["consistency"]["slice_convention"] == convention
    if convention.startswith("1-based, counted from the head"):
        assert result.manifest.conventions.slice.startswith("1-based axial index")
    else:
        assert "detected on import" in result.manifest.conventions.slice


def test_flipped_mask_and_scale_are_reported(tmp_path: Path) -> None:
    pet, _, mask = small_exam()
    pet = pet.copy()
    pet[9:12, 9:12, 10:13] = 1.0
    pet[10, 10, 11] = 1.0
    pet[7:10, 9:12, 10:13] = 4.0  # the lesion sits mirrored along x (20 - 1 - 10 = 9 ... 7)
    pet[8, 10, 11] = 6.5
    src = tmp_path / "src"
    lesion_folder(src, "p000001_01_1", pet=pet)
    lesion_folder(src, "p000002_01_1", text="Nodule, SUV max 3.2, axial slice 13.")
    result = run_import(ImportRequest(src=src, output=tmp_path / "out"))
    consistency = result.report["consistency"]
    assert consistency["axis_flips"]["x"] == 1
    ids = {d["sample_id"] for d in consistency["disagreeing"]}
    assert ids == {"p000001_01_1", "p000002_01_1"}
    assert consistency["per_tracer"]["FDG"]["suv_agrees"] == 0
    assert consistency["scale"]["median_measured_over_stated"] is not None
