"""Tracer-specific physiologic uptake (SUV) and CT attenuation (HU) per tissue.

Every value is a range, and each patient draws its own value from it (published organ SUVs
vary by 20-30 % between patients and scanners). Ranges follow published organ SUVs and HU
values (the sources are named in the comments beside each row); rows marked [est] are
estimates and are tunable defaults. Mean organ SUVs are used (not SUVmax), because
the image is built from activity concentrations; blur and noise then make the maxima.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from petar_bench.datasets._anatomy import N_TISSUES, Tissue

T = Tissue
TRACERS: tuple[str, ...] = ("FDG", "DOTATATE", "PSMA", "fluciclovine")

Range = tuple[float, float]

_COMMON: Mapping[Tissue, Range] = {
    T.AIR: (0.0, 0.0),
    T.AIRWAY: (0.0, 0.0),
    T.FAT: (0.2, 0.35),
    T.CSF: (0.1, 0.25),
    T.CORTEX: (0.3, 0.5),
}

# SUVmean ranges by tracer. Tissues missing here fall back to _COMMON.
UPTAKE: Mapping[str, Mapping[Tissue, Range]] = {
    # FDG ~60 min: liver 2.34 +- 0.16 (Parlak 2019), blood pool 1.57, cerebellum 8.0 +- 2.2,
    # kidney parenchyma 5.5, urine up to ~22, bladder 5-40, marrow 1.2-2.0, muscle 0.5-0.9,
    # lung 0.5-0.6, bowel 1.5-4, salivary 1.5-2.5. Spleen is drawn below the liver.
    "FDG": {
        T.MUSCLE: (0.5, 0.9),
        T.LUNG: (0.45, 0.65),
        T.BLOOD: (1.4, 1.8),
        T.LIVER: (2.0, 2.7),
        T.SPLEEN: (1.6, 2.2),
        T.KIDNEY: (3.5, 6.0),
        T.URINE: (8.0, 22.0),
        T.BLADDER: (5.0, 40.0),
        T.ADRENAL: (1.2, 2.0),
        T.PANCREAS: (1.3, 2.0),
        T.STOMACH: (1.5, 3.0),
        T.BOWEL: (1.3, 2.6),
        T.MARROW: (1.2, 2.0),
        T.BONE: (0.9, 1.4),
        T.GREY: (8.0, 12.0),
        T.WHITE: (2.0, 3.0),
        T.CEREBELLUM: (6.0, 9.5),
        T.THYROID: (1.0, 2.0),
        T.PAROTID: (1.5, 2.5),
        T.SUBMANDIBULAR: (1.5, 2.5),
        T.LACRIMAL: (1.0, 2.0),
        T.PITUITARY: (3.0, 5.0),
        T.PROSTATE: (1.5, 2.5),
        T.MYOCARDIUM: (1.4, 1.8),  # suppressed; `draw_uptake` switches it on for some
    },
    # 68Ga-DOTATATE: spleen > kidneys > adrenals > liver > stomach > bowel > pancreas head >
    # body > thyroid (Oezgueven 2021); mean SUVmax spleen 24.7, kidney 14.3, adrenal 13.7,
    # liver 9.1, pituitary 9.7 (Kuyumcu 2013); blood, muscle, lung, marrow < 2.
    "DOTATATE": {
        T.MUSCLE: (0.5, 1.0),
        T.LUNG: (0.3, 0.6),
        T.BLOOD: (0.8, 1.6),
        T.LIVER: (6.5, 10.5),
        T.SPLEEN: (18.0, 30.0),
        T.KIDNEY: (11.0, 17.0),
        T.URINE: (15.0, 35.0),
        T.BLADDER: (5.0, 30.0),
        T.ADRENAL: (9.0, 15.0),
        T.PANCREAS: (3.0, 8.0),
        T.STOMACH: (4.0, 9.0),
        T.BOWEL: (2.5, 6.0),
        T.MARROW: (0.8, 1.6),
        T.BONE: (0.6, 1.2),
        T.GREY: (0.1, 0.3),
        T.WHITE: (0.1, 0.3),
        T.CEREBELLUM: (0.1, 0.3),
        T.THYROID: (3.0, 6.0),
        T.PAROTID: (1.0, 3.0),
        T.SUBMANDIBULAR: (1.0, 3.0),
        T.LACRIMAL: (0.5, 1.5),
        T.PITUITARY: (6.0, 12.0),
        T.PROSTATE: (1.0, 2.5),
        T.MYOCARDIUM: (0.8, 1.6),
    },
    # 18F-DCFPyL (Li 2017 SUVmean): lacrimal 6.4, parotid 9.0, submandibular 9.4, liver 5.0,
    # spleen 4.0, kidneys 19.4-20.1; bladder 10-60+; small bowel 5-15 [est]; blood 1-2.
    "PSMA": {
        T.MUSCLE: (0.5, 1.0),
        T.LUNG: (0.3, 0.6),
        T.BLOOD: (1.0, 2.0),
        T.LIVER: (4.2, 5.8),
        T.SPLEEN: (2.5, 5.5),
        T.KIDNEY: (15.0, 25.0),
        T.URINE: (25.0, 60.0),
        T.BLADDER: (10.0, 60.0),
        T.ADRENAL: (1.5, 3.0),
        T.PANCREAS: (1.5, 3.0),
        T.STOMACH: (2.0, 4.0),
        T.BOWEL: (3.0, 7.0),
        T.MARROW: (0.7, 1.4),
        T.BONE: (0.5, 1.0),
        T.GREY: (0.1, 0.3),
        T.WHITE: (0.1, 0.3),
        T.CEREBELLUM: (0.1, 0.3),
        T.THYROID: (1.0, 2.0),
        T.PAROTID: (7.0, 11.0),
        T.SUBMANDIBULAR: (7.0, 12.0),
        T.LACRIMAL: (4.5, 8.5),
        T.PITUITARY: (0.5, 1.5),
        T.PROSTATE: (1.5, 3.0),
        T.MYOCARDIUM: (1.0, 2.0),
    },
    # 18F-fluciclovine (early images): pancreas > liver (6-12 / 5-8), marrow 2-4, muscle 1-2,
    # bowel 1-4, bladder < 2, blood 1-2, brain and lung < 0.5. Mostly [est].
    "fluciclovine": {
        T.MUSCLE: (1.0, 2.0),
        T.LUNG: (0.2, 0.45),
        T.BLOOD: (1.0, 2.0),
        T.LIVER: (5.0, 8.0),
        T.SPLEEN: (2.0, 4.0),
        T.KIDNEY: (2.0, 4.0),
        T.URINE: (0.8, 2.0),
        T.BLADDER: (0.5, 2.0),
        T.ADRENAL: (2.0, 3.0),
        T.PANCREAS: (6.0, 12.0),
        T.STOMACH: (1.5, 3.0),
        T.BOWEL: (1.0, 3.5),
        T.MARROW: (2.0, 4.0),
        T.BONE: (1.4, 2.6),
        T.GREY: (0.2, 0.45),
        T.WHITE: (0.2, 0.45),
        T.CEREBELLUM: (0.2, 0.45),
        T.THYROID: (1.0, 2.0),
        T.PAROTID: (1.5, 3.0),
        T.SUBMANDIBULAR: (1.5, 3.0),
        T.LACRIMAL: (1.0, 2.0),
        T.PITUITARY: (1.0, 2.0),
        T.PROSTATE: (2.0, 4.0),
        T.MYOCARDIUM: (1.5, 2.5),
    },
}

# Unenhanced low-dose CT, typical HU ranges per tissue.
HOUNSFIELD: Mapping[Tissue, Range] = {
    T.AIR: (-1000.0, -1000.0),
    T.AIRWAY: (-1000.0, -950.0),
    T.FAT: (-110.0, -85.0),
    T.MUSCLE: (40.0, 55.0),
    T.LUNG: (-850.0, -720.0),
    T.BLOOD: (35.0, 50.0),
    T.MYOCARDIUM: (40.0, 50.0),
    T.LIVER: (48.0, 65.0),
    T.SPLEEN: (38.0, 50.0),
    T.KIDNEY: (25.0, 38.0),
    T.URINE: (2.0, 12.0),
    T.BLADDER: (2.0, 12.0),
    T.ADRENAL: (20.0, 35.0),
    T.PANCREAS: (35.0, 48.0),
    T.STOMACH: (25.0, 40.0),
    T.BOWEL: (15.0, 35.0),
    T.CORTEX: (800.0, 1200.0),
    T.MARROW: (180.0, 300.0),
    T.BONE: (400.0, 650.0),
    T.GREY: (37.0, 45.0),
    T.WHITE: (22.0, 30.0),
    T.CEREBELLUM: (35.0, 42.0),
    T.CSF: (2.0, 15.0),
    T.THYROID: (80.0, 110.0),
    T.PAROTID: (-10.0, 20.0),
    T.SUBMANDIBULAR: (35.0, 50.0),
    T.LACRIMAL: (35.0, 50.0),
    T.PITUITARY: (35.0, 45.0),
    T.PROSTATE: (35.0, 45.0),
}


def draw_uptake(rng: np.random.Generator, tracer: str) -> np.ndarray:
    """SUVmean per tissue for one patient (index = Tissue value), drawn from the ranges."""
    table = {**_COMMON, **UPTAKE[tracer]}
    values = np.zeros(N_TISSUES, dtype=np.float64)
    for tissue in Tissue:  # fixed order, so the draw sequence is stable
        lo, hi = table.get(tissue, (0.0, 0.0))
        values[tissue] = rng.uniform(lo, hi)
    if tracer == "FDG":
        values[T.SPLEEN] = values[T.LIVER] * rng.uniform(0.75, 0.92)  # spleen < liver
        if rng.random() < 0.5:  # myocardium on in about half of fasted patients
            values[T.MYOCARDIUM] = rng.uniform(4.0, 12.0)
    if tracer == "fluciclovine":
        values[T.PANCREAS] = max(values[T.PANCREAS], values[T.LIVER] * rng.uniform(1.05, 1.4))
    return values


def draw_hounsfield(rng: np.random.Generator) -> np.ndarray:
    values = np.zeros(N_TISSUES, dtype=np.float64)
    for tissue in Tissue:
        lo, hi = HOUNSFIELD.get(tissue, (0.0, 0.0))
        values[tissue] = rng.uniform(lo, hi)
    return values


def intensity_reference(tracer: str) -> Tissue:
    """The background that intensity words are judged against: the liver for FDG, DOTATATE
    and PSMA; the bone marrow for fluciclovine (its reading guide compares lesions with L3
    marrow)."""
    return T.MARROW if tracer == "fluciclovine" else T.LIVER
