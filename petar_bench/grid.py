"""`VolumeGrid`: where a volume's voxels lie in the world. The one grid type of the suite.

PET, CT and mask each keep their own grid (CT is usually ~1 mm on a 512 x 512 matrix while
PET is 2-5.5 mm), so manifests (schema 2), the loader, the importers and the DICOM reader all
describe a volume's geometry with this type: the array shape and the 4 x 4 voxel -> world
(RAS, mm) affine of the NIfTI header. (`volumes.resample.ResampleTarget` is the index map
of one resampling and `datasets.geometry.Grid` the synthetic phantoms' size and spacing spec;
neither describes a stored volume.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

# Affines of volumes written on one grid differ by float noise after header round trips.
AFFINE_TOLERANCE_MM = 1e-3


class VolumeGrid(BaseModel):
    """Shape and voxel -> world affine of one stored volume."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    shape: tuple[int, int, int] = Field(description="Voxels along i, j, k.")
    affine: tuple[tuple[float, float, float, float], ...] = Field(
        description="4 x 4 voxel -> world (RAS, mm) matrix, row by row."
    )

    @field_validator("affine")
    @classmethod
    def _four_rows(cls, value: tuple[tuple[float, ...], ...]) -> tuple[tuple[float, ...], ...]:
        if len(value) != 4:
            raise ValueError("an affine has 4 rows")
        return value

    @classmethod
    def of(cls, shape: tuple[int, ...], affine: np.ndarray) -> VolumeGrid:
        rows = np.asarray(affine, dtype=np.float64).reshape(4, 4)
        return cls(
            shape=(int(shape[0]), int(shape[1]), int(shape[2])),
            affine=tuple(tuple(float(v) for v in row) for row in rows),
        )

    def matrix(self) -> np.ndarray:
        return np.asarray(self.affine, dtype=np.float64)

    @property
    def spacing_mm(self) -> tuple[float, float, float]:
        zooms = np.sqrt((self.matrix()[:3, :3] ** 2).sum(axis=0))
        return (float(zooms[0]), float(zooms[1]), float(zooms[2]))

    def same_as(self, other: VolumeGrid) -> bool:
        """Same shape and (within float noise) the same affine: voxel i of one is voxel i of
        the other."""
        return self.shape == other.shape and bool(
            np.allclose(self.matrix(), other.matrix(), atol=AFFINE_TOLERANCE_MM)
        )

    def world_box(self) -> tuple[np.ndarray, np.ndarray]:
        """World-space (min, max) corners of the volume, voxel edges included."""
        corners = np.array(
            [
                [i, j, k, 1.0]
                for i in (-0.5, self.shape[0] - 0.5)
                for j in (-0.5, self.shape[1] - 0.5)
                for k in (-0.5, self.shape[2] - 0.5)
            ]
        ).T
        mapped = (self.matrix() @ corners)[:3]
        return mapped.min(axis=1), mapped.max(axis=1)

    def overlap_fraction(self, other: VolumeGrid) -> float:
        """Fraction of the smaller of the two world boxes that the other box covers."""
        lo_a, hi_a = self.world_box()
        lo_b, hi_b = other.world_box()
        inter = np.clip(np.minimum(hi_a, hi_b) - np.maximum(lo_a, lo_b), 0.0, None)
        smaller = min(float(np.prod(hi_a - lo_a)), float(np.prod(hi_b - lo_b)))
        return float(np.prod(inter)) / smaller if smaller > 0 else 0.0

    def describe(self) -> str:
        sx, sy, sz = self.spacing_mm
        return f"{self.shape} at {sx:.2f} x {sy:.2f} x {sz:.2f} mm"


def grid_of(data: Any, affine: np.ndarray) -> VolumeGrid:
    return VolumeGrid.of(tuple(data.shape), affine)
