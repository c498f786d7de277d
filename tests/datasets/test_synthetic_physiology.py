"""Rendered images show each tracer's physiology (organ order, noise) and plausible HU."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import binary_erosion

from petar_bench.datasets._anatomy import Tissue as T
from petar_bench.datasets._scanners import draw_exam_geometry
from petar_bench.datasets._uptake import TRACERS, draw_uptake
from petar_bench.datasets.synthetic import _SCAN, _rng, plan_dataset, render_exam


@pytest.fixture(scope="module")
def exams():
    """One exam per tracer whose field of view starts at the vertex (brain and parotids in
    it; a skull-base start may leave them out)."""
    chosen = {}
    for plan in plan_dataset(0, 44):
        geometry = draw_exam_geometry(_rng(0, plan.index, _SCAN), has_prostate=plan.has_prostate)
        if geometry.field_of_view.startswith("vertex"):
            chosen.setdefault(plan.tracer, plan)
    assert sorted(chosen) == sorted(TRACERS)
    return {tracer: render_exam(plan, 0) for tracer, plan in chosen.items()}


def _organ_suv(exam, tissue) -> float:
    core = binary_erosion(exam.labels == tissue)
    region = core if core.sum() >= 5 else exam.labels == tissue
    return float(np.median(exam.pet[region]))


@pytest.mark.parametrize(
    "tracer, higher, lower",
    [
        ("DOTATATE", T.SPLEEN, T.LIVER),
        ("DOTATATE", T.KIDNEY, T.LIVER),
        ("DOTATATE", T.LIVER, T.MUSCLE),
        ("FDG", T.GREY, T.LIVER),
        ("FDG", T.LIVER, T.SPLEEN),
        ("FDG", T.LIVER, T.BLOOD),
        ("FDG", T.BLADDER, T.LIVER),
        ("PSMA", T.KIDNEY, T.LIVER),
        ("PSMA", T.PAROTID, T.LIVER),
        ("PSMA", T.LIVER, T.BLOOD),
        ("fluciclovine", T.PANCREAS, T.LIVER),
        ("fluciclovine", T.LIVER, T.MARROW),
        ("fluciclovine", T.LIVER, T.BLADDER),
        ("fluciclovine", T.MARROW, T.GREY),
    ],
)
def test_organ_order_in_the_image(exams, tracer, higher, lower):
    exam = exams[tracer]
    assert _organ_suv(exam, higher) > _organ_suv(exam, lower)


@pytest.mark.parametrize("tracer", TRACERS)
def test_organ_order_holds_for_every_draw(tracer):
    rng = np.random.default_rng(7)
    for _ in range(200):
        suv = draw_uptake(rng, tracer)
        if tracer == "DOTATATE":
            assert suv[T.SPLEEN] > suv[T.KIDNEY] > suv[T.LIVER] > suv[T.BLOOD]
        if tracer == "FDG":
            assert suv[T.GREY] > suv[T.LIVER] > suv[T.SPLEEN] and suv[T.LIVER] > suv[T.BLOOD]
        if tracer == "PSMA":
            assert suv[T.KIDNEY] > suv[T.PAROTID] > suv[T.LIVER] > suv[T.BLOOD]
        if tracer == "fluciclovine":
            assert suv[T.PANCREAS] > suv[T.LIVER] > suv[T.MARROW] > suv[T.GREY]


def test_liver_noise_and_ct_values(exams):
    for exam in exams.values():
        liver = binary_erosion(exam.labels == T.LIVER, iterations=2)
        values = exam.pet[liver]
        cov = float(values.std() / values.mean())
        assert 0.04 < cov < 0.2
        assert abs(float(values.mean()) / exam.background["liver"] - 1.0) < 0.1
        hu = {  # the CT has its own grid and its own labels
            t: float(np.median(exam.ct[binary_erosion(exam.ct_labels == t)]))
            for t in (T.LUNG, T.LIVER, T.FAT, T.MARROW)
        }
        assert hu[T.LUNG] < -650 and 35 < hu[T.LIVER] < 75
        assert hu[T.FAT] < -60 and hu[T.MARROW] > 150
        assert float(exam.ct[exam.ct_labels == T.AIR].max()) == -1000
