"""Scanner protocols and per-patient geometry of the synthetic exams: the protocol table's
ranges, PET and CT grids (CT finer, both over the same body), patient variety (arms, field
of view, height), the storage budget, and byte-exact NIfTI writing."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from scipy.ndimage import label

from petar_bench.datasets._anatomy import Tissue
from petar_bench.datasets._imaging import nifti_gz_bytes
from petar_bench.datasets._phantom import body_mask
from petar_bench.datasets._scanners import (
    CT_MAX_MATRIX,
    FIELDS_OF_VIEW,
    PET_MAX_MATRIX,
    PROTOCOLS,
    draw_exam_geometry,
)
from petar_bench.datasets.synthetic import (
    _SCAN,
    DEFAULT_PATIENTS,
    _rng,
    plan_dataset,
    render_exam,
)
from petar_bench.grid import VolumeGrid

BUDGET_BYTES = 150 * 1024**2  # the demo's disk budget (issue 10)


def _geometries(n: int = DEFAULT_PATIENTS, seed: int = 0):
    return [
        (plan, draw_exam_geometry(_rng(seed, plan.index, _SCAN), has_prostate=plan.has_prostate))
        for plan in plan_dataset(seed, n)
    ]


@pytest.fixture(scope="module")
def geometries():
    return _geometries(60) + _geometries(60, seed=1)


def _volume_grid(grid) -> VolumeGrid:
    return VolumeGrid.of(grid.shape, grid.affine())


def test_protocol_table_ranges():
    assert len({p.key for p in PROTOCOLS}) == len(PROTOCOLS) >= 8
    for p in PROTOCOLS:
        assert p.like.startswith("like ")
        assert 2.0 <= p.pet_pixel_mm <= 5.5 and 1.5 <= p.pet_slice_mm <= 5.0, p.key
        assert 4.0 <= p.fwhm_mm[0] < p.fwhm_mm[1] <= 9.0, p.key
        assert 0.5 <= p.ct_pixel_mm < p.pet_pixel_mm and 1.0 <= p.ct_slice_mm <= 5.0, p.key
        assert p.pet_matrix >= 128 and p.weight > 0
    # both ends of the ranges are represented
    assert min(p.pet_pixel_mm for p in PROTOCOLS) <= 2.1
    assert max(p.pet_pixel_mm for p in PROTOCOLS) >= 5.4
    assert {p.pet_slice_mm for p in PROTOCOLS} >= {2.0, 5.0}


def test_grids_fit_the_budget_and_the_ct_is_finer_and_overlapping(geometries):
    for _, g in geometries:
        pet, ct = g.pet_grid, g.ct_grid
        assert max(pet.shape[:2]) <= PET_MAX_MATRIX and max(ct.shape[:2]) <= CT_MAX_MATRIX
        assert pet.spacing == (g.protocol.pet_pixel_mm,) * 2 + (g.protocol.pet_slice_mm,)
        assert ct.spacing[0] == ct.spacing[1] < pet.spacing[0]
        assert ct.spacing[2] == g.protocol.ct_slice_mm
        assert g.protocol.fwhm_mm[0] <= g.fwhm_mm <= g.protocol.fwhm_mm[1]
        # the same body region: world boxes agree to within one voxel per side
        lo_p, hi_p = _volume_grid(pet).world_box()
        lo_c, hi_c = _volume_grid(ct).world_box()
        tolerance = np.maximum(np.array(pet.spacing), np.array(ct.spacing))
        assert (np.abs(lo_p - lo_c) <= tolerance).all() and (np.abs(hi_p - hi_c) <= tolerance).all()
        assert _volume_grid(ct).overlap_fraction(_volume_grid(pet)) > 0.95


def test_patients_vary(geometries):
    arms = Counter(g.patient.arms for _, g in geometries)
    fovs = Counter(g.field_of_view for _, g in geometries)
    protocols = Counter(g.protocol.key for _, g in geometries)
    shapes = Counter(g.patient.shape for _, g in geometries)
    assert arms["up"] > 0 and arms["down"] > 0
    assert set(fovs) == {f[0] for f in FIELDS_OF_VIEW}
    assert len(protocols) >= 6 and len(shapes) == 3
    heights = [g.patient.height_cm for _, g in geometries]
    bmis = [g.patient.bmi for _, g in geometries]
    assert max(heights) - min(heights) > 25 and max(bmis) - min(bmis) > 10
    # the table position varies: the field of view's top is not at one world z
    tops = [g.pet_grid.world_axes()[2][-1] for _, g in geometries]
    assert np.ptp(tops) > 300
    # the top of the field of view lies anywhere from above the vertex to below the skull base
    depth = [
        (g.frame.z_vertex - top) / g.frame.s_vert / 10
        for (_, g), top in zip(geometries, tops, strict=True)
    ]
    assert min(depth) < -3 and max(depth) > 7


def test_geometry_is_deterministic():
    assert _geometries(6) == _geometries(6)
    assert _geometries(6) != _geometries(6, seed=1)


def _first(geometries, predicate):
    return next((plan, g) for plan, g in geometries if predicate(g))


def _components_at(exam, w: float) -> int:
    """Connected pieces of the body on the CT slice at depth w (cm below the vertex)."""
    g = exam.geometry
    z_world = g.frame.to_world(0.0, 0.0, w)[2]
    k = int(np.argmin(np.abs(g.ct_grid.world_axes()[2] - z_world)))
    return int(label(exam.ct_labels[:, :, k] != Tissue.AIR)[1])


def test_arms_down_lie_beside_the_body_in_the_field_of_view(geometries):
    down, _ = _first(geometries[:60], lambda g: g.patient.arms == "down")
    up, _ = _first(geometries[:60], lambda g: g.patient.arms == "up")
    exam_down, exam_up = render_exam(down, 0), render_exam(up, 0)
    # mid-abdomen: torso and two arms when they hang down; the torso alone when raised
    assert _components_at(exam_down, 60.0) == 3
    assert _components_at(exam_up, 60.0) == 1
    # arms contain bone (humerus / forearm) on the CT grid
    ct_labels = exam_down.ct_labels
    z = exam_down.geometry.frame.to_world(0.0, 0.0, 45.0)[2]
    k = int(np.argmin(np.abs(exam_down.geometry.ct_grid.world_axes()[2] - z)))
    pieces, n = label(ct_labels[:, :, k] != Tissue.AIR)
    sizes = np.bincount(pieces.ravel())[1:]
    arm_ids = np.argsort(sizes)[:2] + 1  # the two smaller pieces are the arms
    for arm in arm_ids:
        assert (ct_labels[:, :, k][pieces == arm] == Tissue.CORTEX).any()


def test_vertex_to_toes_reaches_the_feet(geometries):
    _, g = _first(geometries, lambda g: g.field_of_view == "vertex to toes")
    body = body_mask(g.pet_grid, g.frame, g.habitus)
    # the most caudal 10 cm still hold body (feet); the vertex is inside the field of view
    n_feet = int(round(100.0 / g.pet_grid.spacing[2]))
    assert body[:, :, :n_feet].any()
    assert g.frame.z_vertex < g.pet_grid.world_axes()[2][-1]


def test_size_budget_scaled_from_a_small_run(small_dataset):
    """Bytes per stored voxel measured on the small dataset, times the voxel counts of the
    44 demo patients (their geometry is cheap to draw): well inside the 150 MB budget."""
    root, manifest = small_dataset
    stored = {r.pet_path for r in manifest.records} | {r.ct_path for r in manifest.records}
    volume_bytes = sum((root / p).stat().st_size for p in stored)
    volume_voxels = sum(int(np.prod(nib.load(str(root / p)).shape)) for p in stored)
    mask_bytes = sum((root / r.mask_path).stat().st_size for r in manifest.records)
    per_voxel = volume_bytes / volume_voxels
    demo = _geometries()
    demo_voxels = sum(int(np.prod(g.pet_grid.shape) + np.prod(g.ct_grid.shape)) for _, g in demo)
    n_lesions = sum(len(plan.lesions) for plan, _ in demo)
    estimate = per_voxel * demo_voxels + mask_bytes / len(manifest.records) * n_lesions
    assert estimate < 0.85 * BUDGET_BYTES, estimate / 1024**2


def test_nifti_writer_matches_nibabel(tmp_path: Path):
    rng = np.random.default_rng(0)
    affine = np.diag([2.2, 2.2, 5.0, 1.0])
    affine[:3, 3] = (-100.5, -80.25, -1200.0)
    pet = ((2 * np.floor(rng.random((13, 11, 7)) * 300) + 1) / 64).astype(np.float32)
    pet[:2] = 0.0
    ct = rng.integers(-1000, 2000, (9, 8, 5)).astype(np.int16)
    for data, scale in ((pet, 1 / 64), (ct, None)):
        stored = data if scale is None else np.rint(data / scale).astype(np.uint16)
        image = nib.Nifti1Image(stored, affine)
        image.header.set_data_dtype(stored.dtype)
        if scale is not None:
            image.header.set_slope_inter(scale, 0.0)
        image.header.set_xyzt_units("mm", "sec")
        image.set_qform(affine, code=1)
        image.set_sform(affine, code=1)
        image.header["descrip"] = b"SYNTHETIC test"
        ours = nifti_gz_bytes(data, affine, description="SYNTHETIC test", scale=scale)
        assert gzip.decompress(ours) == image.to_bytes()
        path = tmp_path / "x.nii.gz"
        path.write_bytes(ours)
        assert np.array_equal(np.asanyarray(nib.load(str(path)).dataobj), data)  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="multiples"):
        nifti_gz_bytes(pet + np.float32(0.001), affine, description="x", scale=1 / 64)
