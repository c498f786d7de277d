"""Physiology and lesions of the synthetic data: shaped bowel and ureters, tracer-dependent
mimics, benign and physiologic findings, per-tracer SUVmax tails, and masks grown by a
threshold on the stored PET (connected, containing the seed, irregular, non-overlapping)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy.ndimage import binary_dilation, binary_erosion, distance_transform_edt, label

from petar_bench.datasets import synthetic
from petar_bench.datasets._anatomy import Tissue as T
from petar_bench.datasets._geometry import Frame, Grid
from petar_bench.datasets._imaging import pet_image, sigma_voxels
from petar_bench.datasets._lesions import (
    FIXED_THRESHOLD,
    RELATIVE_THRESHOLD,
    LesionSpec,
    _ellipsoid,
    place_lesion,
)
from petar_bench.datasets._mimics import paint_mimics
from petar_bench.datasets._phantom import Habitus, build_phantom, draw_bowel
from petar_bench.datasets._uptake import TRACERS, draw_hounsfield, draw_uptake
from petar_bench.datasets.synthetic import plan_dataset, render_exam

GRID = Grid()
_TOP = float(GRID.world_axes()[2][-1])
FRAME = Frame(0.0, -2.0, _TOP - 10.0, 0.9, 0.94, 0.88)
HABITUS = Habitus(1.0, 1.5, 1.0, True)


@pytest.fixture(scope="module")
def phantom():
    return build_phantom(GRID, FRAME, HABITUS, draw_bowel(np.random.default_rng(3)))


@pytest.fixture(scope="module")
def exams():
    """Rendered demo patients: one per tracer plus every patient with a non-malignant finding
    among the first 16 (the masks are checked on all of them)."""
    plans = plan_dataset(0, synthetic.DEFAULT_PATIENTS)[:16]
    chosen: dict = {}
    for plan in plans:
        if plan.tracer not in {p.tracer for p in chosen.values()}:
            chosen[plan.index] = plan
        if any(s.kind != "malignant" for s in plan.lesions):
            chosen[plan.index] = plan
    return [(plan, render_exam(plan, 0)) for plan in chosen.values()]


def test_bowel_is_looped_tubes_not_a_slab(phantom):
    bowel = phantom.labels == T.BOWEL
    spacing = np.asarray(GRID.spacing)
    litres = bowel.sum() * spacing.prod() / 1e6
    # The old slab was 4.2 L; colon plus small-bowel loops are about 1.5-3 L.
    assert 0.8 < litres < 3.2
    # A tube is nowhere thicker than its radius (colon <= 2.5 cm, times the patient scale).
    depth = distance_transform_edt(bowel, sampling=spacing)
    assert depth.max() <= 26.0
    # Loops: one axial slice through the mid-abdomen cuts the bowel several times.
    ks = np.nonzero(bowel.any(axis=(0, 1)))[0]
    cuts = max(label(bowel[:, :, k])[1] for k in ks)
    assert cuts >= 3


def test_bowel_layout_varies_by_patient():
    shapes = [
        (
            build_phantom(GRID, FRAME, HABITUS, draw_bowel(np.random.default_rng(s))).labels
            == T.BOWEL
        )
        for s in (1, 2)
    ]
    assert (shapes[0] != shapes[1]).sum() > 1000


def test_ureters_run_from_kidneys_to_bladder(phantom):
    ureter = (phantom.labels == T.URINE) & (phantom.parts == 0)
    assert ureter.sum() > 20
    x_mid = GRID.shape[0] / 2
    idx = np.argwhere(ureter)
    for side in (idx[:, 0] < x_mid, idx[:, 0] >= x_mid):
        ks = idx[side, 2]
        kidney_k = np.nonzero((phantom.labels == T.KIDNEY).any(axis=(0, 1)))[0]
        bladder_k = np.nonzero((phantom.labels == T.BLADDER).any(axis=(0, 1)))[0]
        assert ks.max() >= kidney_k.min() and ks.min() <= bladder_k.max() + 2
        assert ks.max() - ks.min() >= 40  # > 16 cm of its course


def _mimics_over_draws(phantom, tracer: str, n: int = 40) -> Counter:
    seen: Counter = Counter()
    for seed in range(n):
        rng = np.random.default_rng(seed)
        uptake = draw_uptake(rng, tracer)
        activity = uptake.astype(np.float32)[phantom.labels]
        ct = draw_hounsfield(rng).astype(np.float32)[phantom.labels]
        seen.update(paint_mimics(phantom, activity, ct, tracer, np.random.default_rng(seed)))
    return seen


@pytest.mark.parametrize("tracer", TRACERS)
def test_mimics_depend_on_the_tracer(phantom, tracer):
    seen = _mimics_over_draws(phantom, tracer)
    assert (seen["brown fat"] > 3) == (tracer == "FDG")
    assert seen["brown fat"] == 0 or tracer == "FDG"
    assert (seen["muscle"] > 3) == (tracer in ("FDG", "fluciclovine"))
    assert seen["inflammation"] > 3
    if tracer in ("FDG", "PSMA"):
        assert seen["bowel"] == 40  # every patient has focal bowel activity


def test_brown_fat_is_hot_fat_with_a_ct_signature(phantom):
    for seed in range(60):
        rng = np.random.default_rng(seed)
        uptake = draw_uptake(rng, "FDG")
        activity = uptake.astype(np.float32)[phantom.labels]
        hu = draw_hounsfield(rng)
        ct = hu.astype(np.float32)[phantom.labels]
        before = activity.copy()
        if "brown fat" not in paint_mimics(
            phantom, activity, ct, "FDG", np.random.default_rng(seed)
        ):
            continue
        fat = phantom.labels == T.FAT
        changed = fat & (activity > before + 1.0)
        assert changed.sum() > 10
        assert activity[changed].min() >= 1.7 and activity[changed].max() <= 10.0
        assert np.all(ct[changed] > hu[T.FAT] + 20) and np.all(ct[changed] < -30)
        return
    pytest.fail("no FDG draw had brown fat")


@pytest.mark.parametrize("tracer", ["FDG", "PSMA"])
def test_bladder_is_hot_with_urinary_tracers(exams, tracer):
    exam = next(e for p, e in exams if p.tracer == tracer)
    bladder = binary_erosion(exam.labels == T.BLADDER)
    liver = exam.labels == T.LIVER
    assert np.median(exam.pet[bladder]) > 1.5 * np.median(exam.pet[liver])


def test_bladder_is_quiet_with_fluciclovine():
    rng = np.random.default_rng(5)
    for _ in range(200):
        suv = draw_uptake(rng, "fluciclovine")
        assert suv[T.BLADDER] < suv[T.LIVER]


def test_suvmax_tails_reached_over_a_large_plan():
    """Plan only (no volumes): the per-tracer target SUVmax distributions have their tails."""
    plans = plan_dataset(0, 600)
    targets: dict[str, list[float]] = {t: [] for t in TRACERS}
    for plan in plans:
        for spec in plan.lesions:
            if spec.kind == "malignant":
                targets[plan.tracer].append(spec.target_suv)
    psma = np.asarray(targets["PSMA"])
    dota = np.asarray(targets["DOTATATE"])
    fdg = np.asarray(targets["FDG"])
    fluc = np.asarray(targets["fluciclovine"])
    assert psma.max() >= 80 and 10 <= np.median(psma) <= 20  # relapse cohort: 16.7-24 medians
    assert dota.max() >= 45 and 12 <= np.median(dota) <= 28
    assert fdg.max() >= 20 and 4 <= np.median(fdg) <= 10
    assert fluc.max() <= 12 and 3 <= np.median(fluc) <= 6  # nodes 2.7-7.6
    assert psma.max() <= 110 and fdg.max() <= 30


def test_benign_and_physiologic_findings_in_the_demo():
    plans = plan_dataset(0, synthetic.DEFAULT_PATIENTS)
    kinds = Counter(s.kind for p in plans for s in p.lesions)
    assert kinds["benign"] >= 3 and kinds["physiologic"] >= 3 and kinds["malignant"] >= 80
    test_kinds = {s.kind for p in plans if p.split == "test" for s in p.lesions}
    assert test_kinds == {"malignant", "benign", "physiologic"}
    for p in plans:
        assert sum(s.kind != "malignant" for s in p.lesions) <= 1
        assert len({s.site for s in p.lesions}) == len(p.lesions)


def test_kind_reaches_the_finding_facts(monkeypatch, tmp_path: Path):
    plan = next(
        p for p in plan_dataset(0, synthetic.DEFAULT_PATIENTS) if p.lesions[-1].kind != "malignant"
    )
    seen = []
    real = synthetic.render_findings

    def spy(facts, split, rng):
        seen.append(facts.kind)
        return real(facts, split, rng)

    monkeypatch.setattr(synthetic, "render_findings", spy)
    synthetic._write_exam(tmp_path, plan, 0)
    assert seen == [s.kind for s in plan.lesions]


def _fitted_ellipsoid_iou(mask: np.ndarray) -> float:
    """IoU of a mask with the solid ellipsoid of the same centroid and second moments."""
    mask = np.pad(mask, 3)
    pts = np.argwhere(mask).astype(np.float64)
    centre = pts.mean(axis=0)
    inverse = np.linalg.inv(5.0 * np.cov((pts - centre).T))  # solid ellipsoid: cov = a^2/5
    offsets = np.indices(mask.shape).reshape(3, -1).T - centre
    inside = (np.einsum("ij,jk,ik->i", offsets, inverse, offsets) <= 1.0).reshape(mask.shape)
    return float((inside & mask).sum() / (inside | mask).sum())


def test_masks_are_threshold_components_containing_the_seed(exams):
    rules = Counter()
    for _, exam in exams:
        for lesion in exam.lesions:
            values = exam.pet[lesion.box]
            painted = lesion.painted
            seed = np.unravel_index(
                int(np.argmax(np.where(painted, values, -np.inf))), values.shape
            )
            assert lesion.mask[seed]
            assert np.all(values[lesion.mask] >= lesion.threshold)
            assert label(lesion.mask)[1] == 1  # one face-connected component
            # Grown to the end: no voxel next to the mask and inside the fence passes too.
            rim = binary_dilation(lesion.mask) & ~lesion.mask & lesion.fence
            others = [o for o in exam.lesions if o is not lesion]
            free = np.ones(exam.pet.shape, dtype=bool)
            for other in others:
                free[other.box] &= ~other.mask
            assert not np.any((values >= lesion.threshold) & rim & free[lesion.box])
            rules[lesion.threshold_rule] += 1
            if lesion.threshold_rule == "41% SUVmax":
                assert lesion.threshold == pytest.approx(RELATIVE_THRESHOLD * values[seed])
            if lesion.threshold_rule == "SUV 2.5":
                assert lesion.threshold == FIXED_THRESHOLD
    assert rules["41% SUVmax"] >= 3 and rules["SUV 2.5"] >= 1


def test_masks_do_not_overlap_and_stay_out_of_hot_organs(exams):
    for plan, exam in exams:
        total = np.zeros(exam.pet.shape, dtype=np.uint8)
        for lesion in exam.lesions:
            total += lesion.full_mask(exam.pet.shape)
        assert total.max() == 1, plan.index
        for lesion in exam.lesions:
            host = set(np.unique(exam.labels[lesion.box][lesion.painted]).tolist())
            hot = [t for t in T if exam.uptake[t] > 0.5 * lesion.spec.target_suv and t not in host]
            inside = lesion.full_mask(exam.pet.shape) > 0
            outside_shape = inside.copy()
            outside_shape[lesion.box] &= ~lesion.painted
            assert not np.isin(exam.labels[outside_shape], hot).any(), lesion.spec.site


def test_masks_are_irregular_not_ellipsoids(exams):
    grown = [
        _fitted_ellipsoid_iou(lesion.mask)
        for _, exam in exams
        for lesion in exam.lesions
        if lesion.mask.sum() >= 20
    ]
    rng = np.random.default_rng(0)
    exact = []
    for _ in range(30):  # voxelised ellipsoids like the old masks, same size range
        r = float(rng.uniform(8, 20))
        spec = LesionSpec("x", 2 * r, 5.0, tuple(rng.uniform(0.75, 1.25, 3)), 1.0, None, (0, 0, 0))
        exact.append(_fitted_ellipsoid_iou(_ellipsoid((20,) * 3, (10,) * 3, spec, r, (4.0,) * 3)))
    assert len(grown) >= 10
    assert np.median(grown) < np.median(exact) - 0.05
    assert np.median(grown) < 0.92


def test_partial_volume_follows_the_scanner_fwhm(phantom):
    uptake = draw_uptake(np.random.default_rng(0), "FDG")
    spec = LesionSpec("liver_VII", 20.0, 9.0, (1.0, 1.0, 1.0), 0.0, None, (0.0, 0.0, 0.0))
    sizes = []
    for fwhm in (4.0, 14.0, 24.0):
        lesion = place_lesion(
            phantom,
            spec,
            uptake,
            np.zeros(GRID.shape, bool),
            np.random.default_rng(2),
            fwhm_mm=fwhm,
        )
        sizes.append(int(lesion.fence.sum()))
    assert sizes[0] < sizes[1] < sizes[2]
    # The image blur takes per-axis spacing (anisotropic voxels), and sharper is sharper.
    point = np.zeros((21, 21, 21), dtype=np.float32)
    point[10, 10, 10] = 100.0
    wide = pet_image(
        point,
        fwhm_mm=8.0,
        spacing=(2.0, 2.0, 4.0),
        cov=0.0,
        reference=1.0,
        rng=np.random.default_rng(0),
    )
    assert wide[10, 13, 10] > wide[10, 10, 13]  # 6 mm vs 12 mm from the point
    assert sigma_voxels(8.0, (2.0, 2.0, 4.0))[2] == pytest.approx(8.0 / 2.3548 / 4.0, rel=1e-3)
