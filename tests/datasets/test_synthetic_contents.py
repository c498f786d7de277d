"""What the generated files and references say must agree with each other, read from disk."""

from __future__ import annotations

import re
from collections import Counter

import nibabel as nib
import numpy as np
import pytest
from scipy.ndimage import binary_fill_holes
from scipy.spatial.distance import pdist

from petar_bench.datasets.synthetic import GENERATOR_NAME, SYNTHETIC_VERSION
from petar_bench.findings import split_labelled_fields
from petar_bench.grid import grid_of
from petar_bench.records import Manifest, verify_dataset
from petar_bench.vocabulary import ORGANS, REGIONS
from petar_bench.volumes._lesion import VolumeLoader


def _load(path):
    image = nib.load(str(path))
    return np.asanyarray(image.dataobj), image


@pytest.fixture(scope="module")
def volumes(small_dataset):
    """Every record with its PET, CT and mask arrays (exams cached)."""
    root, manifest = small_dataset
    exams: dict[str, tuple] = {}
    rows = []
    for record in manifest.records:
        if record.pet_path not in exams:
            exams[record.pet_path] = (_load(root / record.pet_path), _load(root / record.ct_path))
        (pet, pet_img), (ct, ct_img) = exams[record.pet_path]
        mask, mask_img = _load(root / record.mask_path)
        rows.append((record, pet, ct, mask, pet_img, ct_img, mask_img))
    return rows


def test_labelled_synthetic(small_dataset):
    _, manifest = small_dataset
    assert manifest.dataset == "synthetic-demo" and manifest.synthetic is True
    assert manifest.generator["name"] == GENERATOR_NAME
    assert manifest.generator["version"] == SYNTHETIC_VERSION
    assert "SYNTHETIC" in manifest.description
    assert "voxel centres" in manifest.conventions.size  # the size rule is declared


def test_ids_and_paths(small_dataset):
    _, manifest = small_dataset
    for r in manifest.records:
        assert re.fullmatch(r"syn-p\d{4}-e01-l\d{2}", r.sample_id)
        assert r.sample_id == f"{r.exam_id}-{r.lesion_id}" and r.exam_id.startswith(r.patient_id)
        folder = f"volumes/p{r.patient_id[5:]}_e01/"
        assert r.pet_path == folder + "pet.nii.gz" and r.ct_path == folder + "ct.nii.gz"
        assert r.mask_path == folder + f"masks/{r.lesion_id}.nii.gz"
    assert len({r.sample_id for r in manifest.records}) == len(manifest.records)


def test_grids_affines_and_dtypes(volumes):
    for _, pet, ct, mask, pet_img, ct_img, mask_img in volumes:
        # PET: uint16 counts with a 1/64 SUV slope; CT int16 HU on its own grid.
        assert pet_img.get_data_dtype() == np.uint16 and pet_img.dataobj.slope == 1 / 64
        assert ct.dtype == np.int16 and mask.dtype == np.uint8
        assert pet.shape == mask.shape and np.allclose(mask_img.affine, pet_img.affine)
        pet_grid, ct_grid = grid_of(pet, pet_img.affine), grid_of(ct, ct_img.affine)
        assert ct_grid.spacing_mm[0] < pet_grid.spacing_mm[0]  # CT finer in-plane
        assert ct_grid.overlap_fraction(pet_grid) > 0.95
        for image in (pet_img, ct_img, mask_img):
            assert nib.aff2axcodes(image.affine) == ("R", "A", "S")
            assert int(image.header["sform_code"]) == 1
        # z toward the head: the skull is in the last slices, the lungs in the upper half.
        assert pet_img.affine[2, 2] > 0
        assert (ct[:, :, -30:] > 300).any()
        body = np.stack([binary_fill_holes(ct[:, :, k] > -500) for k in range(ct.shape[2])], axis=2)
        lung_k = np.nonzero((ct < -500) & body)[2]  # air inside the body
        lung_k = lung_k[(lung_k > 5) & (lung_k < ct.shape[2] - 5)]
        assert np.median(lung_k) > ct.shape[2] / 2
        assert np.isfinite(pet).all() and pet.min() >= 0


def test_suvmax_slice_and_size_agree_with_the_image(volumes):
    for record, pet, _, mask, pet_img, _, _ in volumes:
        fields = record.fields
        inside = mask > 0
        top = float(pet[inside].max())
        assert fields.suv_max == float(f"{top:.1f}"), record.sample_id
        nz = pet.shape[2]
        k = nz - fields.slice  # 1-based from the head end
        assert np.any(pet[:, :, k][inside[:, :, k]] == top), record.sample_id
        tied = [kk for kk in range(nz) if np.any(pet[:, :, kk][inside[:, :, kk]] == top)]
        assert k == max(tied)  # the most cranial voxel if tied
        spacing = float(pet_img.header.get_zooms()[0])
        longest = (
            max(
                (
                    pdist(np.argwhere(inside[:, :, kk]) * spacing).max(initial=0.0)
                    for kk in np.nonzero(inside.any(axis=(0, 1)))[0]
                ),
            )
            + spacing
        )
        assert fields.size_mm == round(longest)
        assert round(spacing) <= fields.size_mm <= 60  # one voxel at least (size is rounded)


def test_reference_text_matches_fields(small_dataset):
    _, manifest = small_dataset
    for r in manifest.records:
        raw = split_labelled_fields(r.reference)
        f = r.fields
        assert raw["region"] == f.region and f.region in REGIONS
        assert raw["organ"] == f.organ and f.organ in ORGANS
        assert raw["sub_site"] == f.sub_site
        assert raw["suv_max"] == f"{f.suv_max:.1f}" and raw["slice"] == str(f.slice)
        assert raw["findings"] == f.findings
        assert f"{f.suv_max:.1f}" in f.findings  # the sentence states the same SUVmax
        assert f.size_mm is not None
        if f.laterality in ("left", "right"):
            assert f.laterality in f.findings.lower()


def test_masks_nonempty_and_inside_the_body(volumes):
    bodies: dict[int, np.ndarray] = {}
    for record, _, ct, mask, _, ct_img, mask_img in volumes:
        assert set(np.unique(mask).tolist()) == {0, 1}, record.sample_id
        if id(ct) not in bodies:  # the body: soft tissue and everything it encloses, per slice
            bodies[id(ct)] = np.stack(
                [binary_fill_holes(ct[:, :, k] > -500) for k in range(ct.shape[2])], axis=2
            )
        # mask voxel centres -> world -> nearest CT voxel (the CT has its own grid)
        voxels = np.c_[np.argwhere(mask > 0), np.ones(int((mask > 0).sum()))]
        world = voxels @ mask_img.affine.T
        ct_index = np.rint(world @ np.linalg.inv(ct_img.affine).T)[:, :3].astype(int)
        assert bodies[id(ct)][tuple(ct_index.T)].all(), record.sample_id


def test_suv_range_and_sizes_span(small_dataset):
    _, manifest = small_dataset
    suvs = [r.fields.suv_max for r in manifest.records]
    sizes = [r.fields.size_mm for r in manifest.records]
    # Per-tracer tails: PSMA nodes and bone are planned up to SUVmax 110 (sites.SUV_TARGETS).
    assert min(suvs) >= 1.5 and max(suvs) <= 150
    # Threshold masks include partial volume: on a ~6 mm FWHM image a sub-centimetre lesion
    # measures two to three 4 mm voxels across.
    assert min(sizes) <= 12 and max(sizes) >= 20


def test_splits_by_patient_and_tracers(small_dataset):
    _, manifest = small_dataset
    split_of: dict[str, set[str]] = {}
    for r in manifest.records:
        split_of.setdefault(r.patient_id, set()).add(r.split)
    assert all(len(s) == 1 for s in split_of.values())
    assert {r.tracer for r in manifest.records} == {"FDG", "DOTATATE", "PSMA", "fluciclovine"}
    assert {"train", "test"} <= {r.split for r in manifest.records}
    per_exam = Counter(r.exam_id for r in manifest.records)
    assert all(2 <= n <= 4 for n in per_exam.values())


def test_volume_loader_reads_every_lesion(small_dataset):
    root, manifest = small_dataset
    loader = VolumeLoader(root)
    for record in manifest.records[:6]:
        lesion = loader.load(record)
        assert lesion.mask.any() and lesion.tracer == record.tracer


def test_verify_detects_an_altered_volume(small_dataset, tmp_path):
    import shutil

    root, manifest = small_dataset
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    assert verify_dataset(copy).ok
    victim = manifest.records[0].ct_path
    data = bytearray((copy / victim).read_bytes())
    data[-10] ^= 0xFF
    (copy / victim).write_bytes(bytes(data))
    report = verify_dataset(copy)
    assert not report.ok and report.changed == [victim]
    assert isinstance(Manifest.model_validate_json((copy / "manifest.json").read_text()), Manifest)
