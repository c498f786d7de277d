"""A small whole-body PET/CT phantom as `LesionInput`s (coarse grid, so preprocessing is quick).

Body cylinder, a bright brain at the top (z toward the head, so the release's head search
finds it), air PET exactly 0, a few spherical lesions. Lesions of one exam share the PET and CT
arrays, as the volume loader hands them out.
"""

from __future__ import annotations

import numpy as np

from petar_bench.volumes._lesion import LesionInput

SHAPE = (40, 40, 72)  # x, y, z voxels
SPACING = (8.0, 8.0, 8.0)  # mm


def _grid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    axes = [(np.arange(n) - (n - 1) / 2) * s for n, s in zip(SHAPE, SPACING, strict=True)]
    return np.meshgrid(*axes, indexing="ij")


def exam(seed: int, lesions: list[tuple[float, float, float, float]]) -> list[LesionInput]:
    """One exam; each lesion is (x mm, y mm, z mm, radius mm) from the volume centre."""
    rng = np.random.default_rng(seed)
    x, y, z = _grid()
    top = (SHAPE[2] - 1) / 2 * SPACING[2]
    body = (x / 120) ** 2 + (y / 90) ** 2 <= 1
    body &= z < top - 120
    brain = x**2 + y**2 + (z - (top - 70)) ** 2 <= 45**2
    noise = rng.standard_normal(SHAPE)
    pet = np.where(body, 1.5 + 0.2 * noise, 0.0)
    pet = np.where(brain, 9.0 + 0.4 * noise, pet)
    ct = np.where(body | brain, 40.0 + 20.0 * noise, -1000.0)
    masks = []
    for lx, ly, lz, radius in lesions:
        r2 = (x - lx) ** 2 + (y - ly) ** 2 + (z - lz) ** 2
        inside = r2 <= radius**2
        pet = np.where(inside, 6.0 + rng.random() * 4, pet)
        masks.append(inside)
    affine = np.diag([*SPACING, 1.0])
    affine[:3, 3] = -(np.array(SHAPE) - 1) / 2 * np.array(SPACING)
    pet32, ct32 = np.maximum(pet, 0).astype(np.float32), ct.astype(np.float32)
    return [
        LesionInput(
            sample_id=f"exam{seed}-lesion{i}",
            tracer="FDG",
            pet=pet32,
            ct=ct32,
            mask=m,
            affine=affine,
        )
        for i, m in enumerate(masks)
    ]


def lesions() -> list[LesionInput]:
    """Three lesions in two exams."""
    first = exam(1, [(40.0, -20.0, 0.0, 20.0), (-50.0, 10.0, -100.0, 16.0)])
    second = exam(2, [(0.0, 30.0, 60.0, 24.0)])
    return first + second
