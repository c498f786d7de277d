"""Image-only measurements of one lesion: what a model can know without the reference.

Conventions follow the manifest defaults: SUVmax = maximum native-grid SUV under the mask
(one decimal); slice = 1-based axial index counted from the head end; size = longest axial
diameter of the mask in mm. Laterality and the coarse body region come from position and CT
density, never from the record.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from petar_bench.volumes import _measures as measures
from petar_bench.volumes._lesion import LesionInput

# CT thresholds (HU) that separate air/lung and bone from soft tissue.
_BODY_HU = -500.0
_LUNG_HU = -400.0
_BONE_HU = 180.0
# A lesion this close to the body midline (fraction of body width) is "midline".
_MIDLINE_FRACTION = 0.06


@dataclass(frozen=True)
class LesionMeasurements:
    suv_max: float  # rounded to one decimal
    slice: int  # 1-based from the head end
    size_mm: float  # longest axial diameter
    laterality: str  # left / right / midline
    height_fraction: float  # 0 = lowest body slice, 1 = top of the body
    lateral_offset: float  # signed, fraction of body half-width; + = patient left
    anterior_offset: float  # signed, fraction of body half-depth; + = anterior
    ct_mean_hu: float  # mean CT under the mask
    ct_surround_hu: float  # median CT in a shell around the mask
    volume_ml: float

    def feature_vector(self) -> np.ndarray:
        """Numbers for nearest-neighbour retrieval (scaled to comparable ranges)."""
        return np.array(
            [
                self.height_fraction * 4.0,
                self.lateral_offset * 2.0,
                self.anterior_offset,
                np.log1p(self.size_mm),
                np.log1p(self.suv_max),
                np.clip(self.ct_mean_hu, -1000, 1500) / 400.0,
                np.clip(self.ct_surround_hu, -1000, 1500) / 400.0,
            ]
        )


def _world_axis_offsets(lesion: LesionInput, body: np.ndarray) -> tuple[float, float, float]:
    """(lateral, anterior, height) position of the mask centroid relative to the body."""
    affine = lesion.affine
    lesion_idx = np.array(np.nonzero(lesion.mask)).mean(axis=1)
    lesion_world = affine[:3, :3] @ lesion_idx + affine[:3, 3]
    # Body extent per axis in world mm, from the body voxels' index range.
    lo = np.array(
        [
            np.nonzero(body.any(axis=tuple(a for a in range(3) if a != ax)))[0].min()
            for ax in range(3)
        ],
        dtype=float,
    )
    hi = np.array(
        [
            np.nonzero(body.any(axis=tuple(a for a in range(3) if a != ax)))[0].max()
            for ax in range(3)
        ],
        dtype=float,
    )
    world_lo = affine[:3, :3] @ lo + affine[:3, 3]
    world_hi = affine[:3, :3] @ hi + affine[:3, 3]
    lo_w, hi_w = np.minimum(world_lo, world_hi), np.maximum(world_lo, world_hi)
    centre = (lo_w + hi_w) / 2
    half = np.maximum((hi_w - lo_w) / 2, 1.0)
    # RAS world: +x = patient right, so "left" is negative x.
    lateral = -(lesion_world[0] - centre[0]) / half[0]
    anterior = (lesion_world[1] - centre[1]) / half[1]
    height = (lesion_world[2] - lo_w[2]) / max(hi_w[2] - lo_w[2], 1.0)
    return float(lateral), float(anterior), float(height)


def measure_lesion(lesion: LesionInput) -> LesionMeasurements:
    from scipy import ndimage

    pet = np.asarray(lesion.pet, dtype=np.float64)
    ct = np.asarray(lesion.ct, dtype=np.float64)
    mask = lesion.mask
    body = ct > _BODY_HU
    lateral, anterior, height = _world_axis_offsets(lesion, body)
    shell = ndimage.binary_dilation(mask, iterations=2) & ~mask
    surround = float(np.median(ct[shell])) if shell.any() else float(ct[mask].mean())
    side = "left" if lateral > 0 else "right"
    if abs(lateral) < _MIDLINE_FRACTION:
        side = "midline"
    spacing = lesion.spacing_mm
    return LesionMeasurements(
        suv_max=measures.suv_max(pet, mask),
        slice=measures.suv_max_slice(pet, mask, lesion.affine),
        size_mm=measures.longest_axial_diameter_mm(mask, spacing),
        laterality=side,
        height_fraction=height,
        lateral_offset=lateral,
        anterior_offset=anterior,
        ct_mean_hu=float(ct[mask].mean()),
        ct_surround_hu=surround,
        volume_ml=float(mask.sum() * np.prod(spacing) / 1000.0),
    )


def tissue_class(m: LesionMeasurements) -> str:
    """'lung', 'bone' or 'soft' from CT density in and around the lesion."""
    if m.ct_mean_hu > _BONE_HU or m.ct_surround_hu > _BONE_HU + 100:
        return "bone"
    if m.ct_surround_hu < _LUNG_HU:
        return "lung"
    return "soft"
