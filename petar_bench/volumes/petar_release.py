"""The `petar-release` preprocessing profile: PETAR-4B's six input tensors, bit-exact.

Reproduces `process_niftis` + `generate_npy` of the PETAR release (DanyalMaq/petar-release,
`inference.py` and `utils.py`, commit 9c0fa67) on a `LesionInput`, without writing files:

1. whole-body stage, shared by the lesions of one exam (`_petar_release_wholebody.py`,
   cached in an `ExamCache`): head crop, 3 mm resampling, crop/pad, NIfTI re-quantisation,
   (1, Z, Y, X) with Y and Z flipped, CT and PET windows;
2. per lesion: the mask through the same geometry, the +-80 slice lesion window, the focal box
   (mask +-20 voxels), then for each view MONAI's CropForeground on PET > 0 and Resize
   (trilinear for PET/CT, legacy nearest for the mask) to the model's input size.

One departure, only where the release would give the model nothing: when its head search
(the top slice with PET > 5 SUV, made for a hot brain) or its 1,050 mm slab leaves no voxel
of the lesion (a fluciclovine or PSMA scan without brain uptake, with a lesion above the
liver; a lesion low in the legs), the head crop is anchored at the lesion instead (the kept
slab starts 240 mm above it) and `meta.head_crop` says "lesion-anchored". Every other lesion
is processed exactly as the release does.

See docs/preprocessing.md for every constant and where the paper says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from petar_bench.errors import UserError
from petar_bench.volumes._lesion import LesionInput
from petar_bench.volumes._nifti_roundtrip import disk_dtype
from petar_bench.volumes._petar_release_wholebody import (
    CROP_XY,
    CROP_Z,
    CT_WINDOW,
    PET_WINDOW,
    SPACING_MM,
    WholeBody,
    lesion_anchored_head_crop,
    process_mask,
    whole_body_stage,
)
from petar_bench.volumes.exam_cache import ExamCache, affine_hash, array_signature

PROFILE_NAME = "petar-release"
DEFAULT_SIZE = (32, 256, 256)  # (Z, Y, X); the model config decides it
LESION_MARGIN_Z = 80  # slices kept each side of the lesion's z-centre
FOCAL_MARGIN = 20  # voxels added each side of the mask's bounding box
MODALITY_KEYS = ("pet", "ct", "mask", "pet_focal", "ct_focal", "mask_focal")

Box = tuple[tuple[int, int], tuple[int, int], tuple[int, int]]


@dataclass(frozen=True)
class PetarMeta:
    """Where each crop fell, for debugging; indices of the (Z, Y, X) processed volume."""

    head_crop_slices: int  # top slices dropped from the native grid
    resampled_shape: tuple[int, int, int]  # (x, y, z) of the 3 mm grid
    processed_shape: tuple[int, int, int]  # (Z, Y, X) after crop/pad
    window: tuple[int, int]  # [start, stop) along Z of the lesion window
    focal_box: Box  # [start, stop) per axis, inside the window
    foreground_box: Box  # PET > 0 box of the global view, inside the window
    focal_foreground_box: Box  # PET > 0 box of the focal view, inside the focal box
    head_crop: str = "release"  # or "lesion-anchored" (see the module docstring)


@dataclass(frozen=True, eq=False)
class PetarInputs:
    """The six model inputs, each float32 (1, *size), plus crop metadata."""

    pet: np.ndarray
    ct: np.ndarray
    mask: np.ndarray
    pet_focal: np.ndarray
    ct_focal: np.ndarray
    mask_focal: np.ndarray
    meta: PetarMeta

    def arrays(self) -> dict[str, np.ndarray]:
        return {key: getattr(self, key) for key in MODALITY_KEYS}


def describe(size: tuple[int, int, int] = DEFAULT_SIZE) -> str:
    """One paragraph for an adapter card."""
    z, y, x = size
    return (
        f"{PROFILE_NAME}: PETAR release preprocessing (petar-release@9c0fa67), bit-exact. "
        f"Head crop (top slice with PET > 5 SUV, else CT > 1000 HU, in a central box; "
        "anchored 240 mm above the lesion where that crop would lose it); "
        f"resample to {SPACING_MM:g} mm (nilearn resample_img semantics: linear PET/CT, "
        f"nearest mask); centre crop {CROP_XY}x{CROP_XY} in-plane, top {CROP_Z} slices, "
        f"in-plane pad to {CROP_XY} (CT -1000 HU); NIfTI re-quantisation to the input dtype; "
        f"CT window [{CT_WINDOW[0]}, {CT_WINDOW[1]}] HU and PET [{PET_WINDOW[0]}, "
        f"{PET_WINDOW[1]}] SUV scaled to [0, 1]; global view +-{LESION_MARGIN_Z} slices "
        f"around the lesion, focal view mask box +-{FOCAL_MARGIN} voxels; each view cropped "
        f"to PET > 0 and resized to {z}x{y}x{x} (trilinear PET/CT, nearest mask). "
        "Input must be SUV and HU."
    )


def preprocess_petar_release(
    lesion: LesionInput,
    *,
    cache: ExamCache | None = None,
    exam_key: str | None = None,
    size: tuple[int, int, int] = DEFAULT_SIZE,
) -> PetarInputs:
    """PETAR-4B's six inputs for one lesion, as the PETAR release computes them.

    `cache` shares the whole-body stage between lesions of one exam, recognised by `exam_key`
    (plus shapes and affine) when given, else by a content fingerprint of PET and CT.
    `size` is the model's (Z, Y, X) input size, from its config.
    """
    if lesion.mask.shape != lesion.pet.shape:
        raise UserError(
            f"lesion {lesion.sample_id!r}: mask grid {lesion.mask.shape} differs from the "
            f"PET grid {lesion.pet.shape}; resample the mask onto the PET grid first"
        )
    size = _checked_size(size)
    body = _exam_stage(lesion, cache, exam_key)
    mask_header = getattr(lesion, "mask_header", None)
    mask_affine = _affine_of(mask_header, lesion.affine)
    mask = process_mask(lesion.mask, mask_affine, body, mask_header)
    if mask.any() or not lesion.mask.any():
        return _lesion_views(lesion.sample_id, body, mask, size)
    # The release's crop lost the lesion: anchor the head crop at the lesion instead.
    anchored = lesion_anchored_head_crop(
        lesion.mask, mask_affine, margin_mm=LESION_MARGIN_Z * SPACING_MM
    )
    body = _exam_stage(lesion, cache, exam_key, head_crop=anchored)
    mask = process_mask(lesion.mask, mask_affine, body, mask_header)
    views = _lesion_views(lesion.sample_id, body, mask, size)
    return replace(views, meta=replace(views.meta, head_crop="lesion-anchored"))


def _checked_size(size: tuple[int, int, int]) -> tuple[int, int, int]:
    if len(size) != 3 or any(int(n) < 1 for n in size):
        raise UserError(f"input size {size!r} must be three positive sizes (Z, Y, X)")
    return (int(size[0]), int(size[1]), int(size[2]))


def _affine_of(header: object, fallback: np.ndarray) -> np.ndarray:
    """A file's own affine (as nibabel computes `img.affine`), else the lesion's PET affine."""
    if header is not None and hasattr(header, "get_best_affine"):
        affine = np.asarray(header.get_best_affine(), dtype=np.float64)
        if np.allclose(affine, fallback, atol=1e-3):
            return affine
    return np.asarray(fallback, dtype=np.float64)


def _exam_stage(
    lesion: LesionInput,
    cache: ExamCache | None,
    exam_key: str | None,
    head_crop: int | None = None,
) -> WholeBody:
    pet_affine = np.asarray(lesion.affine, dtype=np.float64)
    ct_affine = _affine_of(lesion.ct_header, lesion.affine)

    def compute() -> WholeBody:
        return whole_body_stage(
            lesion.pet,
            lesion.ct,
            pet_affine,
            ct_affine,
            lesion.pet_header,
            lesion.ct_header,
            head_crop=head_crop,
        )

    if cache is None:
        return compute()
    # Everything besides the voxel values that changes the result: grids and on-disk dtypes.
    facts = (
        array_signature(lesion.pet, lesion.ct),
        affine_hash(pet_affine),
        affine_hash(ct_affine),
        disk_dtype(lesion.pet_header, lesion.pet).str,
        disk_dtype(lesion.ct_header, lesion.ct).str,
        head_crop,  # None: the release's own head search
    )
    if exam_key is not None:
        return cache.get_or_compute((PROFILE_NAME, "key", exam_key, facts), compute)
    content = (cache.fingerprint(lesion.pet), cache.fingerprint(lesion.ct))
    return cache.get_or_compute((PROFILE_NAME, "content", content, facts), compute)


def _lesion_views(
    sample_id: str, body: WholeBody, mask: np.ndarray, size: tuple[int, int, int]
) -> PetarInputs:
    slices = np.flatnonzero(mask.any(axis=(1, 2)))
    if slices.size == 0:
        raise UserError(
            f"lesion {sample_id!r}: the mask is empty after head crop, 3 mm resampling and "
            "cropping (lesion too small or outside the kept field of view)"
        )
    centre = (int(slices[0]) + int(slices[-1])) // 2
    start = max(0, centre - LESION_MARGIN_Z)
    stop = min(mask.shape[0], centre + LESION_MARGIN_Z + 1)
    pet, ct, msk = body.pet[start:stop], body.ct[start:stop], mask[start:stop]
    focal = _focal_box(msk)
    focal_slices = tuple(slice(a, b) for a, b in focal)
    g_pet, g_ct, g_mask, g_box = _crop_and_resize(sample_id, pet, ct, msk, size)
    f_pet, f_ct, f_mask, f_box = _crop_and_resize(
        sample_id, pet[focal_slices], ct[focal_slices], msk[focal_slices], size
    )
    meta = PetarMeta(
        head_crop_slices=body.head_crop_slices,
        resampled_shape=body.grid.shape,
        processed_shape=tuple(int(n) for n in body.pet.shape),  # type: ignore[arg-type]
        window=(start, stop),
        focal_box=focal,
        foreground_box=g_box,
        focal_foreground_box=f_box,
    )
    return PetarInputs(g_pet, g_ct, g_mask, f_pet, f_ct, f_mask, meta)


def _focal_box(mask: np.ndarray) -> Box:
    """Mask bounding box +-FOCAL_MARGIN voxels per axis, clipped to the volume."""
    points = np.argwhere(mask)
    low = np.maximum(points.min(axis=0) - FOCAL_MARGIN, 0)
    high = np.minimum(points.max(axis=0) + FOCAL_MARGIN + 1, mask.shape)
    return tuple((int(a), int(b)) for a, b in zip(low, high, strict=True))  # type: ignore[return-value]


def _foreground_box(pet: np.ndarray) -> Box | None:
    """MONAI CropForeground's box: first to last PET > 0 along each axis, margin 0."""
    positive = pet > 0
    box = []
    for axis in range(3):
        others = tuple(a for a in range(3) if a != axis)
        hits = np.flatnonzero(positive.any(axis=others))
        if hits.size == 0:
            return None
        box.append((int(hits[0]), int(hits[-1]) + 1))
    return tuple(box)  # type: ignore[return-value]


def _crop_and_resize(
    sample_id: str, pet: np.ndarray, ct: np.ndarray, mask: np.ndarray, size: tuple[int, int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Box]:
    box = _foreground_box(pet)
    if box is None:
        raise UserError(
            f"lesion {sample_id!r}: no PET voxel > 0 around the lesion, so the release's "
            "foreground crop is empty; check that the PET is in SUV"
        )
    crop = tuple(slice(a, b) for a, b in box)
    return (
        _resize(pet[crop], size, "trilinear"),
        _resize(ct[crop], size, "trilinear"),
        _resize(mask[crop], size, "nearest"),
        box,
    )


def _resize(volume: np.ndarray, size: tuple[int, int, int], mode: str) -> np.ndarray:
    """MONAI Resize: torch interpolate, align_corners False, no anti-aliasing; (1, *size)."""
    data = np.array(volume, dtype=np.float32, order="C")  # a writable copy for torch
    if data.shape == size:  # MONAI returns the input unchanged
        return data[np.newaxis]
    import torch
    import torch.nn.functional as F

    tensor = torch.from_numpy(data)[None, None]
    align = False if mode == "trilinear" else None
    with torch.no_grad():
        out = F.interpolate(tensor, size=size, mode=mode, align_corners=align)
    return out[0].numpy()
