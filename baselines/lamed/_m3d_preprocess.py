"""The `m3d-ct` preprocessing profile: one CT volume as M3D's own data scripts prepare it.

M3D (BAAI-DCAI/M3D, Data/process/m3d_seg_data_prepare.py and its README) feeds one
1 x 32 x 256 x 256 volume in [0, 1]: channel-first with depth first, min-max normalised over
the whole volume, cropped to its foreground (value > 0 after normalisation: MONAI
CropForeground's default) and resized with trilinear interpolation (MONAI Resize, which maps
M3D's "bilinear" to trilinear in 3D). M3D-RAD was fine-tuned on inputs made the same way.

Our additions, stated because M3D's scripts start from arrays, not NIfTI grids:
- orientation: the native NIfTI array (x, y, z) becomes (z, y, x) with y and z flipped, the
  same display orientation as the `petar-release` profile;
- crop "volume" (default) keeps the whole CT, as M3D's code does; crop "lesion" first keeps
  +-240 mm along z around the lesion's centre (PETAR's +-80 slices at 3 mm), so the lesion's
  neighbourhood is not squeezed into 32 slices of a whole body. The mask is not an input.
"""

from __future__ import annotations

import numpy as np

from petar_bench.errors import UserError
from petar_bench.volumes._lesion import LesionInput

PROFILE_NAME = "m3d-ct"
CROPS = ("volume", "lesion")
LESION_HALF_WINDOW_MM = 240.0


def describe(size: tuple[int, int, int], crop: str) -> str:
    z, y, x = size
    region = (
        "whole CT"
        if crop == "volume"
        else f"CT slices within +-{LESION_HALF_WINDOW_MM:g} mm of the lesion centre"
    )
    return (
        f"{PROFILE_NAME}: {region}, to (z, y, x) with y and z flipped, min-max normalised to "
        f"[0, 1], cropped to its foreground (> 0), trilinear resize to {z}x{y}x{x} (MONAI)."
    )


def to_display_order(volume: np.ndarray) -> np.ndarray:
    """(x, y, z) NIfTI array -> (z, y, x) with y and z flipped (as the PETAR release does)."""
    return np.ascontiguousarray(np.asarray(volume)[:, ::-1, ::-1].transpose(2, 1, 0))


def lesion_window(lesion: LesionInput) -> slice:
    """Native z slices within LESION_HALF_WINDOW_MM of the lesion's z-centre."""
    slices = np.flatnonzero(lesion.mask.any(axis=(0, 1)))
    if slices.size == 0:
        raise UserError(f"lesion {lesion.sample_id!r}: the mask is empty")
    centre = (int(slices[0]) + int(slices[-1])) // 2
    half = int(round(LESION_HALF_WINDOW_MM / lesion.spacing_mm[2]))
    return slice(max(0, centre - half), min(lesion.mask.shape[2], centre + half + 1))


def preprocess_m3d_ct(
    lesion: LesionInput, *, size: tuple[int, int, int], crop: str = "volume"
) -> np.ndarray:
    """float32 (1, *size) in [0, 1]."""
    import monai.transforms as mtf

    if crop not in CROPS:
        raise UserError(f"crop {crop!r} is not one of {', '.join(CROPS)}")
    ct = np.asarray(lesion.ct, dtype=np.float32)
    if crop == "lesion":
        ct = ct[:, :, lesion_window(lesion)]
    image = to_display_order(ct)[np.newaxis]
    image = image - image.min()
    image = image / max(float(image.max()), 1e-8)
    if image.max() > 0:  # a constant volume has no foreground; M3D's script would fail
        image = np.asarray(mtf.CropForeground()(image))
    resized = mtf.Resize(spatial_size=list(size), mode="trilinear")(image)  # type: ignore[arg-type]
    return np.asarray(resized, dtype=np.float32)
