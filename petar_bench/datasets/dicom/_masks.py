"""Lesion masks onto the PET grid: NIfTI, DICOM SEG (highdicom) and RTSTRUCT.

Every source is brought onto the PET grid through world coordinates, so a mask drawn on the
CT (or any other grid in the same frame) lands where it belongs:

- NIfTI and SEG: nearest neighbour (each PET voxel centre takes the value of the mask voxel
  it falls in; outside the mask's grid is background). One file per lesion (NIfTI, the file
  name is the lesion id) or one segment per lesion (SEG, SegmentLabel); a FRACTIONAL SEG
  counts from 0.5.
- RTSTRUCT: one ROI per lesion (ROIName). Each CLOSED_PLANAR contour is filled on the PET
  slice nearest its plane (within half the larger of the PET slice step and the contour
  spacing); a PET voxel is inside when its centre is inside the polygon or on its edge
  (contours written from masks, as rt-utils does, run through the centres of the boundary
  voxels), and several contours of one ROI on one slice combine by the even-odd rule (holes).
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from petar_bench.datasets.dicom._series import LPS_TO_RAS, _pydicom, _reason
from petar_bench.errors import UserError

_ON_EDGE = 1e-2  # voxel units: contour points round-tripped through float32 / DS strings


def safe_id(name: str) -> str:
    """A file-system and id friendly lesion id from a label or ROI name."""
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", name.strip()).strip("_.")
    return text or "lesion"


def nearest_onto(
    data: np.ndarray, affine: np.ndarray, shape: tuple[int, ...], target_affine: np.ndarray
) -> np.ndarray:
    """A boolean mask (on `affine`) sampled by nearest neighbour at the voxel centres of a
    target grid, through world coordinates (the importer's resampling, order 0)."""
    from petar_bench.volumes._resample import resample_onto

    mask = np.asarray(data, dtype=bool)
    if mask.shape == tuple(shape) and np.allclose(affine, target_affine, atol=1e-3):
        return mask
    target = (int(shape[0]), int(shape[1]), int(shape[2]))
    return resample_onto(mask, affine, target, target_affine, order=0, cval=0) > 0


def masks_from_nifti(
    paths: list[Path], shape: tuple[int, ...], affine: np.ndarray
) -> dict[str, np.ndarray]:
    from petar_bench.volumes._lesion import load_nifti

    masks = {}
    for path in sorted(paths):
        data, mask_affine, _ = load_nifti(path)
        name = safe_id(path.name.split(".nii")[0])
        masks[name] = nearest_onto(np.asarray(data) > 0, mask_affine, shape, affine)
    return masks


def masks_from_seg(path: Path, shape: tuple[int, ...], affine: np.ndarray) -> dict[str, np.ndarray]:
    """One mask per segment of a DICOM SEG, on the PET grid."""
    try:
        import highdicom as hd
    except ImportError:  # pragma: no cover - depends on the environment
        hint = "pip install 'petar-bench[dicom]'"
        raise UserError(f"reading DICOM SEG needs highdicom: {hint}") from None
    try:
        seg = hd.seg.segread(str(path))
        numbers = list(seg.segment_numbers)
        # float: FRACTIONAL segments come back in [0, 1]; a voxel is in at >= 0.5.
        volume = seg.get_volume(combine_segments=False, dtype=np.float32)
    except Exception as exc:
        raise UserError(f"{path}: unreadable DICOM SEG ({_reason(exc)})") from None
    # highdicom volumes index (slice, row, column[, segment]) with an LPS affine.
    array = np.asarray(volume.array)
    seg_affine = LPS_TO_RAS @ np.asarray(volume.affine, dtype=np.float64)
    masks = {}
    for index, number in enumerate(numbers):
        label = seg.get_segment_description(number).segment_label
        data = (array[..., index] if array.ndim == 4 else array) >= 0.5
        masks[safe_id(str(label))] = nearest_onto(data, seg_affine, shape, affine)
    return masks


def masks_from_rtstruct(
    path: Path, shape: tuple[int, ...], affine: np.ndarray
) -> dict[str, np.ndarray]:
    """One mask per ROI of an RT structure set, rasterised onto the PET grid."""
    pydicom = _pydicom()
    try:
        ds = pydicom.dcmread(str(path))
        names = {int(r.ROINumber): str(r.ROIName) for r in ds.StructureSetROISequence}
        contours = list(ds.ROIContourSequence)
    except Exception as exc:
        raise UserError(f"{path}: unreadable RTSTRUCT ({_reason(exc)})") from None
    to_voxel = np.linalg.inv(affine) @ LPS_TO_RAS  # LPS world -> PET voxel
    masks = {}
    for roi in contours:
        number = int(roi.ReferencedROINumber)
        polygons = []
        for item in getattr(roi, "ContourSequence", None) or []:
            if str(getattr(item, "ContourGeometricType", "")).upper() != "CLOSED_PLANAR":
                continue
            points = np.asarray([float(v) for v in item.ContourData]).reshape(-1, 3)
            homogeneous = np.c_[points, np.ones(len(points))]
            polygons.append((to_voxel @ homogeneous.T)[:3].T)
        name = safe_id(names.get(number, f"roi{number}"))
        masks[name] = rasterise(polygons, shape)
    return masks


def rasterise(polygons: list[np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
    """Fill planar polygons given in PET voxel coordinates (i, j, k) onto the grid."""
    mask = np.zeros(shape, dtype=bool)
    if not polygons:
        return mask
    planes = np.array([float(np.mean(p[:, 2])) for p in polygons])
    distinct = np.unique(np.round(planes, 3))
    spacing = float(np.min(np.diff(distinct))) if len(distinct) > 1 else 1.0
    reach = max(1.0, spacing) / 2.0
    by_slice: dict[int, list[np.ndarray]] = defaultdict(list)
    for k in range(shape[2]):
        gaps = np.abs(planes - k)
        nearest = float(gaps.min())
        if nearest > reach + 1e-6:
            continue
        chosen = np.nonzero(np.abs(gaps - nearest) < 1e-3)[0]
        plane = planes[chosen[0]]
        by_slice[k] = [polygons[n][:, :2] for n in np.nonzero(np.abs(planes - plane) < 1e-3)[0]]
    for k, polys in by_slice.items():
        mask[:, :, k] = _fill_slice(polys, shape[:2])
    return mask


def _fill_slice(polygons: list[np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
    inside = np.zeros(shape, dtype=bool)
    edge = np.zeros(shape, dtype=bool)
    for poly in polygons:
        lo = np.maximum(np.floor(poly.min(axis=0) - 1).astype(int), 0)
        hi = np.minimum(np.ceil(poly.max(axis=0) + 1).astype(int) + 1, shape)
        if np.any(hi <= lo):
            continue
        ii, jj = np.meshgrid(np.arange(lo[0], hi[0]), np.arange(lo[1], hi[1]), indexing="ij")
        box = (slice(lo[0], hi[0]), slice(lo[1], hi[1]))
        odd, on_edge = _point_in_polygon(ii.astype(float), jj.astype(float), poly)
        inside[box] ^= odd
        edge[box] |= on_edge
    return inside | edge


def _point_in_polygon(
    x: np.ndarray, y: np.ndarray, poly: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Even-odd crossing test and an on-edge test for the points (x, y)."""
    odd = np.zeros(x.shape, dtype=bool)
    near = np.zeros(x.shape, dtype=bool)
    start = poly
    end = np.roll(poly, -1, axis=0)
    for (x0, y0), (x1, y1) in zip(start, end, strict=True):
        crosses = (y0 > y) != (y1 > y)
        if y1 != y0:  # a horizontal edge never crosses the ray
            odd ^= crosses & (x < x0 + (y - y0) * (x1 - x0) / (y1 - y0))
        dx, dy = x1 - x0, y1 - y0
        length2 = dx * dx + dy * dy
        t = np.clip(((x - x0) * dx + (y - y0) * dy) / length2, 0, 1) if length2 > 0 else 0.0
        distance2 = (x - (x0 + t * dx)) ** 2 + (y - (y0 + t * dy)) ** 2
        near |= distance2 <= _ON_EDGE**2
    return odd, near


def find_mask_sources(headers: list[tuple[Path, Any]], folder: Path) -> dict[str, list[Path]]:
    """SEG and RTSTRUCT files among an exam's DICOM files, and NIfTI masks in masks/."""
    found: dict[str, list[Path]] = {"seg": [], "rtstruct": [], "nifti": []}
    for path, header in headers:
        modality = str(getattr(header, "Modality", "") or "").upper()
        if modality == "SEG":
            found["seg"].append(path)
        elif modality == "RTSTRUCT":
            found["rtstruct"].append(path)
    masks_dir = folder / "masks"
    if masks_dir.is_dir():
        found["nifti"] = sorted(
            p for p in masks_dir.iterdir() if p.name.endswith((".nii", ".nii.gz"))
        )
    return found


def read_masks(
    sources: dict[str, list[Path]], shape: tuple[int, ...], affine: np.ndarray, folder: Path
) -> tuple[dict[str, np.ndarray], str]:
    """All lesion masks of an exam on the PET grid, and the format they came in."""
    formats = [name for name, paths in sources.items() if paths]
    if not formats:
        raise UserError(
            f"{folder}: no lesion masks (a DICOM SEG, an RTSTRUCT, or NIfTI files in masks/)"
        )
    if len(formats) > 1:
        raise UserError(f"{folder}: masks in several formats ({', '.join(formats)}); keep one")
    kind = formats[0]
    masks: dict[str, np.ndarray] = {}
    if kind == "nifti":
        masks = masks_from_nifti(sources["nifti"], shape, affine)
    else:
        read = masks_from_seg if kind == "seg" else masks_from_rtstruct
        for path in sorted(sources[kind]):
            for name, mask in read(path, shape, affine).items():
                if name in masks:
                    raise UserError(f"{folder}: two lesion masks named {name!r}")
                masks[name] = mask
    return masks, kind
