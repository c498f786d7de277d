"""Small exams for the DICOM tests: a hot marker at a known world position, lesion balls."""

from __future__ import annotations

from pathlib import Path

import numpy as np

SHAPE = (14, 12, 10)
SPACING = 4.0
MARKER_RAS = (16.0, -12.0, 20.0)  # world mm of the hot marker voxel


def grid_affine(flip: tuple[bool, bool, bool] = (False, False, False)) -> np.ndarray:
    """An axis-aligned RAS affine; flipped axes run toward L, P or I instead."""
    affine = np.eye(4)
    for axis, n in enumerate(SHAPE):
        sign = -1.0 if flip[axis] else 1.0
        affine[axis, axis] = sign * SPACING
        affine[axis, 3] = -sign * SPACING * (n - 1) / 2 + 2.0  # centred, shifted 2 mm
    return affine


def world(affine: np.ndarray, shape: tuple[int, ...] = SHAPE) -> np.ndarray:
    """World (RAS) coordinates of every voxel centre, shape (*shape, 3)."""
    index = np.stack(np.meshgrid(*[np.arange(n) for n in shape], indexing="ij"), axis=-1)
    return index @ affine[:3, :3].T + affine[:3, 3]


def ball(affine: np.ndarray, centre: tuple[float, ...], radius: float) -> np.ndarray:
    return np.linalg.norm(world(affine) - np.asarray(centre), axis=-1) <= radius


def phantom(affine: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(SUV, HU, masks) on `affine`: a smooth body, a hot marker, two lesion balls."""
    xyz = world(affine)
    rng = np.random.default_rng(7)
    suv = (1.0 + 0.02 * xyz[..., 2] + 0.3 * rng.random(SHAPE)).astype(np.float32)
    marker = np.all(np.isclose(xyz, MARKER_RAS), axis=-1)
    assert marker.sum() == 1, "the marker must fall on a voxel centre"
    suv[marker] = 25.0
    hu = np.where(np.abs(xyz[..., 0]) < 18, 40, -1000).astype(np.int16)
    masks = {"l01": ball(affine, (-10.0, 6.0, -6.0), 6.0), "l02": ball(affine, MARKER_RAS, 4.5)}
    return suv, hu, masks


def export_small(
    folder: Path, *, mask_format: str = "nifti", flip: tuple[bool, bool, bool] = (False,) * 3
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], np.ndarray]:
    from petar_bench.datasets.dicom import export_exam

    affine = grid_affine(flip)
    suv, hu, masks = phantom(affine)
    export_exam(
        folder,
        pet_suv=suv,
        ct_hu=hu,
        affine=affine,
        masks=masks,
        tracer="FDG",
        patient_id="test-p1",
        exam_id="test-p1-e01",
        mask_format=mask_format,
        ct_spacing=(2.0, 2.0, 3.0),
    )
    return suv, hu, masks, affine
