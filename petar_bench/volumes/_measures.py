"""The manifest's measurement conventions as functions, shared by everyone who measures.

The synthetic generator writes reference numbers with these, the `measure` baseline reads
images with them, and the numeric-fidelity metric compares predictions against them, so the
conventions are defined once:

- SUVmax: maximum native-grid SUV under the mask, rounded to one decimal;
- slice: 1-based axial index of the SUVmax voxel, counted from the head end (the most cranial
  one when several voxels share the maximum);
- size: longest axial (in-plane) distance between mask voxel centres, plus one in-plane voxel
  width (the mean of the two in-plane spacings), in mm.

The synthetic generator measures its references with its own code (petar_bench/datasets/
_lesions.py); tests check that the two agree, which is a check on both.
"""

from __future__ import annotations

import numpy as np


def suv_max_voxel(
    pet: np.ndarray, mask: np.ndarray, affine: np.ndarray | None = None
) -> tuple[int, int, int]:
    """Index of the highest PET voxel under the mask; on ties the most cranial one
    (largest k when world +z, the head, grows with k)."""
    pet64 = np.asarray(pet, dtype=np.float64)
    usable = np.asarray(mask, dtype=bool) & ~np.isnan(pet64)
    if not usable.any():
        raise ValueError("no PET value under the mask to take SUVmax of (empty mask or all NaN)")
    values = np.where(usable, pet64, -np.inf)
    ties = np.argwhere(usable & (values == values.max()))
    toward_head = affine is None or affine[2, 2] >= 0
    row = ties[np.argmax(ties[:, 2])] if toward_head else ties[np.argmin(ties[:, 2])]
    return int(row[0]), int(row[1]), int(row[2])


def suv_max(pet: np.ndarray, mask: np.ndarray) -> float:
    return round(float(np.asarray(pet, dtype=np.float64)[suv_max_voxel(pet, mask)]), 1)


def slice_from_head(k: int, nz: int, affine: np.ndarray) -> int:
    """1-based axial slice counted from the head end (world +z is toward the head)."""
    return nz - k if affine[2, 2] >= 0 else k + 1


def suv_max_slice(pet: np.ndarray, mask: np.ndarray, affine: np.ndarray) -> int:
    return slice_from_head(suv_max_voxel(pet, mask, affine)[2], pet.shape[2], affine)


def longest_axial_diameter_mm(mask: np.ndarray, spacing: tuple[float, float, float]) -> float:
    """Longest in-plane distance between mask voxel centres over all axial slices, plus one
    voxel width (so a one-voxel lesion measures one voxel), rounded to 0.1 mm."""
    best = 0.0
    sx, sy = float(spacing[0]), float(spacing[1])
    for k in np.unique(np.nonzero(mask)[2]):
        ii, jj = np.nonzero(mask[:, :, k])
        points = np.stack([ii * sx, jj * sy], axis=1)
        if len(points) > 1:
            diffs = points[:, None, :] - points[None, :, :]
            best = max(best, float(np.sqrt((diffs**2).sum(-1)).max()))
    return round(best + (sx + sy) / 2, 1)
