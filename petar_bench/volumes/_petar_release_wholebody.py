"""Whole-body stage of the `petar-release` profile: the part lesions of one exam share.

Stage 1 of the PETAR release (`process_niftis`): head crop on raw voxel indices, 3 mm
resampling (nilearn semantics, see `_resample.py`), centre crop to 200 x 200 x <= 350 with
symmetric in-plane padding, the NIfTI write/read round trip that re-quantises to the input's
on-disk dtype, then the start of stage 2: channel-first (Z, Y, X) with Y and Z flipped, float32,
and the CT/PET intensity windows. The mask goes through the same geometry per lesion
(`process_mask`), since only it differs between lesions of one exam.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from petar_bench.errors import UserError
from petar_bench.volumes._nifti_roundtrip import binary_round_trip, disk_dtype, nifti_round_trip
from petar_bench.volumes._resample import ResampleTarget, isotropic_grid, resample

SPACING_MM = 3.0
CROP_XY = 200
CROP_Z = 350
SUV_THRESHOLD = 5.0  # head search on PET first ...
CT_THRESHOLD = 1000.0  # ... then on CT (HU) when no PET voxel exceeds 5 SUV
CT_PAD_HU = -1000.0
CT_WINDOW = (-300, 400)  # HU, scaled to [0, 1]
PET_WINDOW = (0, 12)  # SUV, scaled to [0, 1]


@dataclass(frozen=True)
class CropPlan:
    """Centre crop (x, y), top-slab crop (z) and in-plane padding of the 3 mm grid."""

    starts: tuple[int, int, int]
    sizes: tuple[int, int, int]
    pads: tuple[tuple[int, int], tuple[int, int], tuple[int, int]] | None


@dataclass(frozen=True, eq=False)
class WholeBody:
    """What every lesion of one exam reuses."""

    head_crop_slices: int  # top slices dropped before resampling
    grid: ResampleTarget  # the 3 mm grid of the PET (the CT's must match)
    plan: CropPlan
    pet: np.ndarray  # (Z, Y, X) float32, PET window applied, in [0, 1]
    ct: np.ndarray  # (Z, Y, X) float32, CT window applied, in [0, 1]


def top_slice_above(data: np.ndarray, threshold: float) -> int | None:
    """Highest z whose central box (x mid +-50, y mid -150..+50) holds a value > threshold."""
    nx, ny = data.shape[0], data.shape[1]
    x0, x1 = max(nx // 2 - 50, 0), min(nx // 2 + 50, nx)
    y0, y1 = max(ny // 2 - 150, 0), min(ny // 2 + 50, ny)
    above = np.flatnonzero(data[x0:x1, y0:y1, :].max(axis=(0, 1)) > threshold)
    return int(above[-1]) if above.size else None


def head_crop_slices(pet: np.ndarray, ct: np.ndarray) -> int:
    """Slices above the head top: the release drops them from PET, CT and mask alike."""
    top = top_slice_above(pet, SUV_THRESHOLD)
    if top is None:
        top = top_slice_above(ct, CT_THRESHOLD)
    if top is None:
        return 0
    return max(pet.shape[2] - top - 1, 0)


def lesion_anchored_head_crop(mask: np.ndarray, affine: np.ndarray, margin_mm: float) -> int:
    """Top slices to drop so that the kept slab starts `margin_mm` above the lesion's highest
    voxel (or at the top of the volume): the fallback when the release's head search keeps
    no voxel of the lesion."""
    rows = np.flatnonzero(mask.any(axis=(0, 1)))
    if rows.size == 0:
        return 0
    slice_mm = float(np.linalg.norm(np.asarray(affine, dtype=np.float64)[:3, 2])) or 1.0
    top = min(int(rows[-1]) + int(np.ceil(margin_mm / slice_mm)), mask.shape[2] - 1)
    return mask.shape[2] - 1 - top


def crop_plan(shape: tuple[int, int, int]) -> CropPlan:
    nx, ny, nz = shape
    sizes = (min(CROP_XY, nx), min(CROP_XY, ny), min(CROP_Z, nz))
    starts = ((nx - sizes[0]) // 2, (ny - sizes[1]) // 2, nz - sizes[2])
    pads = None
    if sizes[0] < CROP_XY or sizes[1] < CROP_XY:
        pads_xy = []
        for size in sizes[:2]:
            total = max(CROP_XY - size, 0)
            pads_xy.append((total // 2, total - total // 2))
        pads = (pads_xy[0], pads_xy[1], (0, 0))
    return CropPlan(starts=starts, sizes=sizes, pads=pads)


def crop_pad(data: np.ndarray, plan: CropPlan, fill: float) -> np.ndarray:
    """Crop; when padding, the release pads `get_fdata()`, i.e. a float64 copy."""
    box = tuple(slice(s, s + n) for s, n in zip(plan.starts, plan.sizes, strict=True))
    cropped = data[box]
    if plan.pads is None:
        return cropped
    return np.pad(cropped.astype(np.float64), plan.pads, mode="constant", constant_values=fill)


def channel_first(data: np.ndarray) -> np.ndarray:
    """(X, Y, Z) -> (Z, Y, X) with Y and Z flipped, float32 (the release's load step)."""
    return data[:, ::-1, ::-1].transpose(2, 1, 0).astype(np.float32)


def window(data: np.ndarray, low: int, high: int) -> np.ndarray:
    """Clip to [low, high] and scale to [0, 1], in float32 as the release computes it."""
    clipped = np.clip(data, np.float32(low), np.float32(high))
    return (clipped - np.float32(low)) / np.float32(high - low)


def _stage_volume(
    data: np.ndarray,
    affine: np.ndarray,
    keep: int,
    order: int,
    fill: float,
    on_disk: np.dtype,
    round_trip: Callable[[np.ndarray, np.dtype], np.ndarray] = nifti_round_trip,
) -> tuple[ResampleTarget, np.ndarray]:
    """Head-cropped, resampled, cropped/padded and round-tripped volume, (Z, Y, X) float32."""
    head = data[:, :, :keep]
    grid = isotropic_grid(head.shape, affine, SPACING_MM)
    resampled = resample(head, grid, order=order)
    plan = crop_plan(grid.shape)
    stored = round_trip(crop_pad(resampled, plan, fill), on_disk)
    return grid, channel_first(stored)


def whole_body_stage(
    pet: np.ndarray,
    ct: np.ndarray,
    pet_affine: np.ndarray,
    ct_affine: np.ndarray,
    pet_header: object = None,
    ct_header: object = None,
    head_crop: int | None = None,
) -> WholeBody:
    """Everything of the release that depends on PET and CT only. `head_crop` (top slices
    to drop) replaces the release's head search when given."""
    if pet.shape != ct.shape or pet.ndim != 3:
        raise UserError(
            f"PET {pet.shape} and CT {ct.shape} must be 3D volumes on one grid for the "
            "petar-release profile; resample the CT onto the PET grid first"
        )
    for name, data in (("PET", pet), ("CT", ct)):
        if data.dtype.kind == "f" and not np.isfinite(data).all():
            raise UserError(
                f"{name} volume holds NaN or infinite values; the petar-release profile "
                "needs finite values (replace them, e.g. with 0, before running)"
            )
    dropped = head_crop_slices(pet, ct) if head_crop is None else head_crop
    keep = pet.shape[2] - dropped
    pet_grid, pet_v = _stage_volume(pet, pet_affine, keep, 1, 0.0, disk_dtype(pet_header, pet))
    ct_grid, ct_v = _stage_volume(ct, ct_affine, keep, 1, CT_PAD_HU, disk_dtype(ct_header, ct))
    if pet_grid.shape != ct_grid.shape:
        raise UserError(
            f"PET and CT resample to different 3 mm grids ({pet_grid.shape} vs "
            f"{ct_grid.shape}); their affines differ too much, resample the CT onto the PET"
        )
    pet_w, ct_w = window(pet_v, *PET_WINDOW), window(ct_v, *CT_WINDOW)
    pet_w.flags.writeable = ct_w.flags.writeable = False  # shared by cached lesions
    return WholeBody(
        head_crop_slices=dropped, grid=ct_grid, plan=crop_plan(ct_grid.shape), pet=pet_w, ct=ct_w
    )


def process_mask(
    mask: np.ndarray, affine: np.ndarray, body: WholeBody, header: object = None
) -> np.ndarray:
    """The lesion mask through the exam's geometry: (Z, Y, X) float32 clipped to {0, 1}."""
    keep = mask.shape[2] - body.head_crop_slices
    on_disk = disk_dtype(header, np.zeros(0, np.uint8))
    data = (mask > 0).astype(np.uint8)  # 0/1 whatever the input type (bool normally)
    grid, staged = _stage_volume(data, affine, keep, 0, 0.0, on_disk, binary_round_trip)
    if grid.shape != body.grid.shape:
        raise UserError(
            f"mask resamples to a 3 mm grid {grid.shape} unlike the CT's {body.grid.shape}; "
            "the mask must share the PET/CT grid"
        )
    return np.clip(staged, np.float32(0), np.float32(1))
