"""Resampling to isotropic voxels exactly as nilearn's `resample_img` does it.

The PETAR release calls ``nilearn.image.resample_img(img, target_affine=np.diag([3, 3, 3]),
force_resample=True)``. With a 3 x 3 target affine nilearn builds an axis-aligned (RAS) grid
whose origin is the world-space minimum corner of the input voxel *centres*, with
``ceil(extent / spacing) + 1`` voxels per axis, then calls ``scipy.ndimage.affine_transform``
(constant mode, cval 0: samples beyond the last input voxel centre are 0) and finally clips
the result to ``[min(data, 0), max(data, 0)]``. The output keeps the input dtype, so an int16
CT is rounded half away from zero by scipy. Every float operation below is the one nilearn
performs (same inverse functions, same diagonal fast path), so results match it bit for bit
without depending on nilearn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ResampleTarget:
    """Where the resampled volume lives: the index map into the input grid and its affine."""

    shape: tuple[int, int, int]
    affine: np.ndarray  # 4x4 voxel -> world of the resampled grid
    matrix: np.ndarray  # scipy `matrix` (1D when diagonal, as nilearn passes it)
    offset: np.ndarray  # scipy `offset`


def corner_bounds(shape: tuple[int, ...], affine: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Min and max, per axis, of the 8 corner voxel centres mapped through `affine`."""
    a, b, c = (n - 1 for n in shape[:3])
    corners = np.array(
        [
            [0.0, 0, 0, 1],
            [a, 0, 0, 1],
            [0, b, 0, 1],
            [0, 0, c, 1],
            [a, b, 0, 1],
            [a, 0, c, 1],
            [0, b, c, 1],
            [a, b, c, 1],
        ]
    ).T
    mapped = np.dot(affine, corners)[:3]
    return mapped.min(axis=-1), mapped.max(axis=-1)


def isotropic_grid(shape: tuple[int, ...], affine: np.ndarray, spacing_mm: float) -> ResampleTarget:
    """The output grid nilearn chooses for a (3, 3) target affine of `spacing_mm`."""
    from scipy import linalg

    target = np.eye(4)
    target[:3, :3] = np.diag([spacing_mm] * 3)
    to_target_voxels = np.linalg.inv(target).dot(affine)
    lo, hi = corner_bounds(shape, to_target_voxels)
    target[:3, 3] = target[:3, :3].dot(lo)
    extent = hi - lo
    out_shape = (
        int(np.ceil(extent[0])) + 1,
        int(np.ceil(extent[1])) + 1,
        int(np.ceil(extent[2])) + 1,
    )
    transform = np.eye(4) if np.all(target == affine) else np.dot(linalg.inv(affine), target)
    matrix, offset = transform[:3, :3], transform[:3, 3]
    if np.all(np.diag(np.diag(matrix)) == matrix):
        matrix = np.diag(matrix)  # scipy then takes its separable zoom/shift path, as in nilearn
    return ResampleTarget(shape=out_shape, affine=target, matrix=matrix, offset=offset)


def resample(data: np.ndarray, grid: ResampleTarget, *, order: int) -> np.ndarray:
    """Resample `data` onto `grid` (order 1 = linear, 0 = nearest), keeping its dtype."""
    from scipy.ndimage import affine_transform

    if data.dtype.kind == "b":
        data = data.view(np.uint8)
    if not data.dtype.isnative:
        data = data.astype(data.dtype.newbyteorder("="))
    out = np.zeros(grid.shape, dtype=data.dtype, order="F")
    affine_transform(
        data,
        grid.matrix,
        offset=grid.offset,
        output_shape=grid.shape,
        output=out,
        cval=0,
        order=order,
    )
    # nilearn clips to the input range widened to include 0 (the padding value).
    low = min(np.nanmin(data), 0)
    high = max(np.nanmax(data), 0)
    out.clip(low, high, out=out)
    return out


def resample_onto(
    data: np.ndarray,
    affine: np.ndarray,
    target_shape: tuple[int, int, int],
    target_affine: np.ndarray,
    *,
    order: int,
    cval: float,
) -> np.ndarray:
    """`data` (on the grid of `affine`) sampled at the voxel centres of a target grid.

    The mapping goes through world coordinates, so grids of any spacing, origin and axis
    order meet correctly. order 1 is trilinear (CT onto the PET grid), order 0 nearest
    neighbour (masks); target voxels outside the source field get `cval` (-1000 HU, air, for
    CT; 0 for masks). Integer inputs stay integer (rounded to nearest), floats become float32.
    """
    from scipy.ndimage import affine_transform

    to_source = np.linalg.inv(np.asarray(affine, dtype=np.float64)) @ np.asarray(
        target_affine, dtype=np.float64
    )
    source = np.asarray(data)
    if source.dtype.kind == "b":
        source = source.astype(np.uint8)
    out = affine_transform(
        source,
        to_source[:3, :3],
        offset=to_source[:3, 3],
        output_shape=tuple(target_shape),
        order=order,
        mode="constant",
        cval=cval,
        output=np.float32 if order > 0 else source.dtype,  # no float copy of the input
    )
    if order > 0 and source.dtype.kind in "iu":
        info = np.iinfo(source.dtype)
        return np.clip(np.rint(out), info.min, info.max).astype(source.dtype)
    return out.astype(np.float32) if order > 0 else out.astype(source.dtype)
