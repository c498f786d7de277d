"""An independent, deliberately plain reference of the PETAR release preprocessing.

It works the way the release does: on nibabel images and files. Head search by a Python loop
over slices, nilearn's `resample_img` for the 3 mm grid, `img.slicer` crops, padding of
`get_fdata()` into a new image with the old header, a real save/load of every processed
volume, then plain numpy windows/crops and MONAI's CropForegroundd + Resized. The profile
under test shares none of this code (it uses scipy directly and an in-memory round trip).
Needs nilearn and MONAI.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _top_slice(data: np.ndarray, threshold: float) -> int | None:
    mid_x, mid_y = data.shape[0] // 2, data.shape[1] // 2
    xs = slice(max(mid_x - 50, 0), min(mid_x + 50, data.shape[0]))
    ys = slice(max(mid_y - 150, 0), min(mid_y + 50, data.shape[1]))
    for z in range(data.shape[2] - 1, -1, -1):
        if np.max(data[xs, ys, z]) > threshold:
            return z
    return None


def _head_offset(pet_img, ct_img) -> int:
    z = _top_slice(pet_img.get_fdata(), 5)
    if z is not None:
        return max(pet_img.shape[2] - z - 1, 0)
    z = _top_slice(ct_img.get_fdata(), 1000)
    if z is not None:
        return max(ct_img.shape[2] - z - 1, 0)
    return 0


def _centre_crop(img):
    x, y, z = img.shape
    cx, cy, cz = min(200, x), min(200, y), min(350, z)
    sx, sy, sz = (x - cx) // 2, (y - cy) // 2, z - cz
    return img.slicer[sx : sx + cx, sy : sy + cy, sz : sz + cz]


def _pad(img, fill: float):
    import nibabel as nib

    data = img.get_fdata()
    widths = []
    for n in data.shape[:2]:
        total = 200 - n if n < 200 else 0
        widths.append((total // 2, total - total // 2))
    widths.append((0, 0))
    padded = np.pad(data, widths, mode="constant", constant_values=fill)
    return nib.Nifti1Image(padded, img.affine, img.header)


def stage_one(pet_path: Path, ct_path: Path, mask_path: Path, workdir: Path) -> dict:
    """Processed volumes as (1, Z, Y, X) float32 arrays read back from files, + facts."""
    import nibabel as nib
    from nilearn.image import resample_img

    pet, ct, mask = (nib.load(str(p)) for p in (pet_path, ct_path, mask_path))
    offset = _head_offset(pet, ct)
    if offset:
        pet, ct, mask = (img.slicer[:, :, :-offset] for img in (pet, ct, mask))
    target = np.diag([3, 3, 3])
    pet, ct = (
        resample_img(
            img, target_affine=target, interpolation="linear", force_resample=True, copy_header=True
        )
        for img in (pet, ct)
    )
    mask = resample_img(
        mask, target_affine=target, interpolation="nearest", force_resample=True, copy_header=True
    )
    resampled_shape = ct.shape
    pet, ct, mask = (_centre_crop(img) for img in (pet, ct, mask))
    if ct.shape[0] < 200 or ct.shape[1] < 200:
        pet, ct, mask = _pad(pet, 0), _pad(ct, -1000), _pad(mask, 0)
    out = {"offset": offset, "resampled_shape": resampled_shape}
    workdir.mkdir(parents=True, exist_ok=True)
    for name, img in (("pet", pet), ("ct", ct), ("mask", mask)):
        path = workdir / f"{name}_processed.nii"
        nib.save(img, str(path))
        data = nib.load(str(path)).get_fdata()
        out[name] = data[:, ::-1, ::-1].transpose(2, 1, 0)[np.newaxis].astype(np.float32)
    out["mask"] = np.clip(out["mask"], 0, 1)
    return out


def stage_two(pet: np.ndarray, ct: np.ndarray, mask: np.ndarray, size=(32, 256, 256)) -> dict:
    """Lesion window, focal crop, MONAI foreground crop and resize."""
    import monai.transforms as mtf

    ct_w = (np.clip(ct[0], -300, 400) - (-300)) / (400 - (-300))
    pet_w = (np.clip(pet[0], 0, 12) - 0) / (12 - 0)
    m = mask[0]
    z_hits = [z for z in range(m.shape[0]) if m[z].any()]
    centre = (z_hits[0] + z_hits[-1]) // 2
    lo, hi = max(0, centre - 80), min(m.shape[0], centre + 81)
    views = {"pet": pet_w[lo:hi], "ct": ct_w[lo:hi], "mask": m[lo:hi]}
    pts = np.argwhere(views["mask"])
    a = np.maximum(pts.min(0) - 20, 0)
    b = np.minimum(pts.max(0) + 21, views["mask"].shape)
    box = tuple(slice(i, j) for i, j in zip(a, b, strict=True))
    keys = ["pet", "mask", "ct"]
    chain = mtf.Compose(
        [
            mtf.CropForegroundd(keys=keys, source_key="pet"),
            mtf.Resized(
                keys=keys, spatial_size=list(size), mode=["trilinear", "nearest", "trilinear"]
            ),
        ]
    )
    glob = chain({k: v[np.newaxis] for k, v in views.items()})
    focal = chain({k: v[box][np.newaxis] for k, v in views.items()})
    out = {k: np.asarray(glob[k], dtype=np.float32) for k in keys}
    out.update({f"{k}_focal": np.asarray(focal[k], dtype=np.float32) for k in keys})
    out["window"] = (lo, hi)
    out["focal_box"] = tuple((int(i), int(j)) for i, j in zip(a, b, strict=True))
    return out
