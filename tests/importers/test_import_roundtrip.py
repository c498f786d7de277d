"""Export two synthetic patients to each layout (CT on a finer grid of its own), import them
back: the `measure` baseline states the same SUVmax, slice and size as on the original."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from import_helpers import CT_SPACING

from petar_bench.baselines.nonneural._image_features import measure_lesion
from petar_bench.datasets.importers._engine import ImportRequest, run_import
from petar_bench.records import MANIFEST_SCHEMA_VERSION, read_manifest
from petar_bench.volumes._lesion import VolumeLoader


def _measured(root: Path, records) -> dict[str, tuple[float, int, float]]:
    loader = VolumeLoader(root)
    out = {}
    for record in records:
        m = measure_lesion(loader.load(record))
        out[record.reference] = (m.suv_max, m.slice, m.size_mm)
    return out


@pytest.mark.parametrize("layout", ["folders", "table", "labelmap"])
def test_round_trip_keeps_what_measure_states(layout, exported, tiny_dataset, tmp_path) -> None:
    root, manifest = tiny_dataset
    src = exported(layout)
    result = run_import(ImportRequest(src=src, output=tmp_path / "imported"))
    assert result.layout == layout and not result.skipped
    imported = read_manifest(tmp_path / "imported")
    assert imported.schema_version == MANIFEST_SCHEMA_VERSION
    assert imported.synthetic  # the export said so
    originals = [r for r in manifest.records if r.patient_id in {"syn-p0001", "syn-p0002"}]
    assert len(imported.records) == len(originals)
    assert _measured(tmp_path / "imported", imported.records) == _measured(root, originals)
    # splits and references survive; each split has a fingerprint
    assert sorted((r.reference, r.split) for r in imported.records) == sorted(
        (r.reference, r.split) for r in originals
    )
    assert set(imported.split_fingerprints) == {r.split for r in originals}
    # the CT kept its own grid; the loader hands it over on the PET grid
    ct_info = imported.volumes[imported.records[0].ct_path]
    assert ct_info.role == "ct" and ct_info.grid.spacing_mm[:2] == pytest.approx(CT_SPACING[:2])
    lesion = VolumeLoader(tmp_path / "imported").load(imported.records[0])
    assert lesion.ct_resampled and lesion.ct.shape == lesion.pet.shape
    assert imported.import_info is not None and imported.import_info.layout == layout
    assert imported.import_info.slice_convention == "1-based, counted from the head end"


def test_same_grid_import_links_volumes_unchanged(tiny_dataset, tmp_path) -> None:
    import nibabel as nib

    from petar_bench._hashing import sha256_file
    from petar_bench.datasets._imaging import nifti_gz_bytes
    from petar_bench.datasets.importers._export import export_dataset
    from petar_bench.volumes._resample import resample_onto

    root, manifest = tiny_dataset
    src = tmp_path / "src"
    export_dataset(str(root), layout="table", output=src, patients=1)
    # The synthetic CT has its own finer grid: put it on the PET grid for a same-grid source.
    for ct_path in src.glob("volumes/*/ct.nii.gz"):
        pet_image = nib.load(str(ct_path.parent / "pet.nii.gz"))
        ct_image = nib.load(str(ct_path))
        on_pet = resample_onto(
            np.asanyarray(ct_image.dataobj), ct_image.affine, pet_image.shape,
            pet_image.affine, order=1, cval=-1000.0,
        )  # fmt: skip
        ct_path.write_bytes(
            nifti_gz_bytes(np.rint(on_pet).astype(np.int16), pet_image.affine, description="")
        )
    run_import(ImportRequest(src=src, output=tmp_path / "out"))
    imported = read_manifest(tmp_path / "out")
    pet = imported.records[0].pet_path
    original = next(r for r in manifest.records if r.sample_id == imported.records[0].sample_id)
    assert sha256_file(tmp_path / "out" / pet) == sha256_file(root / original.pet_path)
    lesion = VolumeLoader(tmp_path / "out").load(imported.records[0])
    assert lesion.ct is lesion.ct_native  # same grid: no resampling at all
    assert np.array_equal(lesion.mask, VolumeLoader(root).load(original).mask)


def test_workers_give_the_same_manifest(exported, tmp_path) -> None:
    src = exported("folders")
    run_import(ImportRequest(src=src, output=tmp_path / "one"))
    run_import(ImportRequest(src=src, output=tmp_path / "two", workers=2))
    one, two = read_manifest(tmp_path / "one"), read_manifest(tmp_path / "two")
    assert one.model_dump(exclude={"dataset"}) == two.model_dump(exclude={"dataset"})
