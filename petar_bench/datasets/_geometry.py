"""Grid, body frame and painting primitives for the synthetic phantoms.

Two coordinate systems meet here:

- world (RAS, mm): x toward the patient's right, y anterior, z toward the head. The NIfTI
  affine maps voxel (i, j, k) to world; k increases toward the head, so slice k = nz - 1 is
  the most cranial one.
- body frame (cm, for a standard 175 cm adult): u toward the patient's right, v anterior,
  w = distance below the vertex. Anatomy is written once in this frame (positions from
  standard adult vertebral levels and organ extents) and each patient gets its own offsets
  and scales, so every phantom differs in size and position while the organ layout stays plausible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Box = tuple[slice, slice, slice]


@dataclass(frozen=True)
class Grid:
    """An axis-aligned voxel grid: shape, spacing (mm) and the world position of voxel 0.

    Each synthetic exam has two: the PET grid (masks share it) and the CT's own finer one.
    Without an origin the grid is centred in x/y with its most cranial slice at z = 0.
    """

    shape: tuple[int, int, int] = (96, 72, 224)
    spacing: tuple[float, float, float] = (4.0, 4.0, 4.0)
    origin: tuple[float, float, float] | None = None  # world mm of voxel (0, 0, 0)

    def affine(self) -> np.ndarray:
        """RAS affine; k increases toward the head."""
        nx, ny, nz = self.shape
        dx, dy, dz = self.spacing
        affine = np.diag([dx, dy, dz, 1.0])
        if self.origin is None:
            affine[:3, 3] = (-(nx - 1) * dx / 2, -(ny - 1) * dy / 2, -(nz - 1) * dz)
        else:
            affine[:3, 3] = self.origin
        return affine

    def world_axes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        affine = self.affine()
        x, y, z = (affine[a, 3] + affine[a, a] * np.arange(n) for a, n in enumerate(self.shape))
        return x, y, z

    def voxel_of(self, world: np.ndarray) -> np.ndarray:
        """Fractional voxel indices of world points (..., 3)."""
        affine = self.affine()
        return (np.asarray(world, dtype=np.float64) - affine[:3, 3]) / np.diag(affine)[:3]


@dataclass(frozen=True)
class Frame:
    """One patient's placement: world mm -> body-frame cm (scales are patient size)."""

    off_x: float  # mm, world x of the body midline
    off_y: float  # mm, world y of the body's AP centre
    z_vertex: float  # mm, world z of the vertex
    s_lat: float  # left-right scale of the patient against the 175 cm standard
    s_ap: float
    s_vert: float

    def axes(self, grid: Grid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x, y, z = grid.world_axes()
        u = (x - self.off_x) / (10.0 * self.s_lat)
        v = (y - self.off_y) / (10.0 * self.s_ap)
        w = (self.z_vertex - z) / (10.0 * self.s_vert)
        return u, v, w

    def to_world(self, u: float, v: float, w: float) -> tuple[float, float, float]:
        return (
            self.off_x + 10.0 * self.s_lat * u,
            self.off_y + 10.0 * self.s_ap * v,
            self.z_vertex - 10.0 * self.s_vert * w,
        )


def _span(axis: np.ndarray, centre: float, half: float) -> slice | None:
    idx = np.nonzero(np.abs(axis - centre) <= half)[0]
    if idx.size == 0:
        return None
    return slice(int(idx[0]), int(idx[-1]) + 1)


class Canvas:
    """Coordinate vectors of one grid in some frame, and shape primitives on them.

    Primitives return (box, mask-in-box) so that painting touches only a bounding box.
    """

    def __init__(self, axes: Sequence[np.ndarray]) -> None:
        # float32: full-grid shape tests need no more, and they are half the memory traffic.
        self.a0, self.a1, self.a2 = (np.asarray(a, dtype=np.float32) for a in axes)
        self.shape = (self.a0.size, self.a1.size, self.a2.size)

    def box(self, centre: Sequence[float], half: Sequence[float]) -> Box | None:
        spans = [
            _span(a, c, h)
            for a, c, h in zip((self.a0, self.a1, self.a2), centre, half, strict=True)
        ]
        if any(s is None for s in spans):
            return None
        return spans[0], spans[1], spans[2]  # type: ignore[return-value]

    def local(self, box: Box, centre: Sequence[float] | np.ndarray) -> tuple[np.ndarray, ...]:
        """Broadcastable coordinate offsets from a centre inside a box."""
        return (
            (self.a0[box[0]] - centre[0])[:, None, None],
            (self.a1[box[1]] - centre[1])[None, :, None],
            (self.a2[box[2]] - centre[2])[None, None, :],
        )

    def ellipsoid(
        self, centre: Sequence[float], semi: Sequence[float]
    ) -> tuple[Box, np.ndarray] | None:
        box = self.box(centre, semi)
        if box is None:
            return None
        d0, d1, d2 = self.local(box, centre)
        inside = (d0 / semi[0]) ** 2 + (d1 / semi[1]) ** 2 + (d2 / semi[2]) ** 2 <= 1.0
        return box, inside

    def shell(
        self, centre: Sequence[float], semi: Sequence[float], thickness: float
    ) -> tuple[Box, np.ndarray] | None:
        outer = self.ellipsoid(centre, semi)
        if outer is None:
            return None
        box, inside = outer
        inner_semi = [max(s - thickness, 1e-3) for s in semi]
        d0, d1, d2 = self.local(box, centre)
        inner = (d0 / inner_semi[0]) ** 2 + (d1 / inner_semi[1]) ** 2 + (
            d2 / inner_semi[2]
        ) ** 2 <= 1.0
        return box, inside & ~inner

    def tube(
        self, points: Sequence[Sequence[float]], radius: float
    ) -> list[tuple[Box, np.ndarray]]:
        """A round tube (vessel, airway, long bone) along a polyline: one capsule per segment."""
        pieces = []
        for start, end in zip(points[:-1], points[1:], strict=True):
            a, b = np.asarray(start, float), np.asarray(end, float)
            box = self.box((a + b) / 2, np.abs(b - a) / 2 + radius)
            if box is None:
                continue
            d0, d1, d2 = self.local(box, a)
            axis = b - a
            length2 = max(float(axis @ axis), 1e-12)
            t = np.clip((d0 * axis[0] + d1 * axis[1] + d2 * axis[2]) / length2, 0.0, 1.0)
            dist2 = (d0 - t * axis[0]) ** 2 + (d1 - t * axis[1]) ** 2 + (d2 - t * axis[2]) ** 2
            pieces.append((box, dist2 <= radius**2))
        return pieces


def smooth_field(rng: np.random.Generator, shape: Sequence[int], cell: int) -> np.ndarray:
    """A smooth random field (coarse unit-variance noise, linearly interpolated), used for
    bowel texture. Separable interpolation matrices keep it cheap and exactly reproducible."""
    coarse_shape = [n // cell + 2 for n in shape]
    field = rng.standard_normal(coarse_shape).astype(np.float32)
    for axis, (n, m) in enumerate(zip(shape, coarse_shape, strict=True)):
        weights = _linear_weights(n, m, cell)
        field = np.moveaxis(np.tensordot(weights, field, axes=([1], [axis])), 0, axis)
    return field


def _linear_weights(n: int, m: int, cell: int) -> np.ndarray:
    pos = np.arange(n, dtype=np.float64) / cell
    left = np.floor(pos).astype(int)
    frac = (pos - left).astype(np.float32)
    weights = np.zeros((n, m), dtype=np.float32)
    weights[np.arange(n), left] = 1.0 - frac
    weights[np.arange(n), np.minimum(left + 1, m - 1)] += frac
    return weights


def nearest_index_maps(src: Grid, dst: Grid) -> list[np.ndarray]:
    """Per axis, the index of the `src` voxel nearest to each `dst` voxel centre, or -1 where
    the centre lies outside `src` (both grids axis-aligned, so one vector per axis)."""
    maps = []
    for axis, (s_axis, d_axis) in enumerate(zip(src.world_axes(), dst.world_axes(), strict=True)):
        index = np.floor((d_axis - s_axis[0]) / src.spacing[axis] + 0.5).astype(np.int64)
        index[(index < 0) | (index >= src.shape[axis])] = -1
        maps.append(index)
    return maps


def sample_linear(values: np.ndarray, src: Grid, dst: Grid, where: np.ndarray) -> np.ndarray:
    """`values` (on `src`) interpolated linearly at the `dst` voxels selected by `where`."""
    from scipy.ndimage import map_coordinates

    points = np.nonzero(where)
    coords = [
        (d_axis[p] - s_axis[0]) / src.spacing[axis]
        for axis, (s_axis, d_axis, p) in enumerate(
            zip(src.world_axes(), dst.world_axes(), points, strict=True)
        )
    ]
    return map_coordinates(values, coords, order=1, mode="nearest").astype(np.float32)
