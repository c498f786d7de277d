"""From tissue labels to images: PET activity, scanner blur and noise, CT, NIfTI bytes.

PET: activity (SUV) per tissue, with bowel texture, intermittent ureter filling and the
dependent-lung gradient (`mimics` adds brown fat, muscle, bowel foci and inflammation); a
Gaussian blur of ~6 mm FWHM (clinical images resolve 5-7 mm); noise whose SD grows with the
square root of the local signal and gives the liver a coefficient of variation of 9-14 %
(the usual benchmark is < 15 %); mildly correlated, as reconstruction makes it. Stored
float32 SUV on a 1/128 SUV lattice (odd multiples of 1/256): far below the noise, it lets
gzip shrink the files, and no stored value sits exactly halfway between two one-decimal
numbers, so "SUVmax to one decimal" never depends on a rounding rule.

CT: HU per tissue plus white noise (sigma 15-30 HU, low-dose CT), int16; air outside the
body is exactly -1000.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence

import numpy as np

from petar_bench.datasets.anatomy import Tissue
from petar_bench.datasets.geometry import smooth_field
from petar_bench.datasets.phantom import Phantom

T = Tissue
_QUANTUM = 1.0 / 128.0
_GZIP_LEVEL = 1


def add_bowel_gas(phantom: Phantom, rng: np.random.Generator) -> np.ndarray:
    """Bowel texture field (mean 0, SD ~1) over the grid; the highest values become gas."""
    field = np.zeros(phantom.grid.shape, dtype=np.float32)
    bowel = phantom.labels == T.BOWEL
    idx = np.argwhere(bowel)
    if idx.size == 0:
        return field
    lo, hi = idx.min(axis=0), idx.max(axis=0) + 1
    box = tuple(slice(int(a), int(b)) for a, b in zip(lo, hi, strict=True))
    texture = smooth_field(rng, [int(b - a) for a, b in zip(lo, hi, strict=True)], cell=3)
    field[box] = texture / max(float(texture.std()), 1e-6)
    gas = bowel & (field > 1.8)
    phantom.labels[gas] = T.AIRWAY
    return field


def activity_map(phantom: Phantom, uptake: np.ndarray, bowel_field: np.ndarray) -> np.ndarray:
    labels = phantom.labels
    activity = uptake.astype(np.float32)[labels]
    bowel = labels == T.BOWEL
    # Mild-to-moderate segmental bowel activity with occasional brighter foci.
    activity[bowel] *= np.clip(1.0 + 0.35 * bowel_field[bowel], 0.4, 2.2)
    # Ureters (urine outside the kidneys' collecting systems): peristalsis fills them in
    # boluses, so their activity comes and goes along their course.
    ureter = (labels == T.URINE) & (phantom.parts == 0)
    activity[ureter] *= np.clip(0.55 + 0.7 * bowel_field[ureter], 0.05, 1.2)
    # Dependent (posterior) lung is up to ~40 % more active (Miyauchi 1996).
    v = phantom.frame.axes(phantom.grid)[1]
    posterior = np.clip((-v - 2.0) / 6.0, 0.0, 1.0).astype(np.float32)
    i, j, k = np.nonzero(labels == T.LUNG)
    activity[i, j, k] *= 1.0 + 0.4 * posterior[j]
    return activity


def ct_map(phantom: Phantom, hu: np.ndarray, bowel_field: np.ndarray) -> np.ndarray:
    ct = hu.astype(np.float32)[phantom.labels]
    bowel = phantom.labels == T.BOWEL
    ct[bowel] += 20.0 * bowel_field[bowel]  # mixed bowel content
    return ct


def sigma_voxels(fwhm_mm: float, spacing: float | Sequence[float]) -> tuple[float, ...]:
    """Per-axis Gaussian sigma (voxels) of a blur of `fwhm_mm` on a grid of `spacing` mm."""
    sigma_mm = fwhm_mm / (2.0 * np.sqrt(2.0 * np.log(2.0)))
    spacings = (spacing,) * 3 if isinstance(spacing, int | float) else tuple(spacing)
    return tuple(float(sigma_mm / s) for s in spacings)


def pet_image(
    activity: np.ndarray,
    *,
    fwhm_mm: float,
    spacing: float | Sequence[float],
    cov: float,
    reference: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Blur, add signal-dependent correlated noise, clip at 0, quantise; float32 SUV."""
    from scipy.ndimage import gaussian_filter

    sigma = sigma_voxels(fwhm_mm, spacing)
    blurred = gaussian_filter(activity, sigma, mode="constant", truncate=3.0)
    noise = gaussian_filter(
        rng.standard_normal(activity.shape, dtype=np.float32), 0.6, truncate=2.5
    )
    noise *= np.float32(1.0 / float(noise.std()))
    sd = np.sqrt(np.maximum(blurred, 0.0) * np.float32(reference)) * np.float32(cov)
    pet = blurred + sd * noise
    return quantise(pet)


def quantise(pet: np.ndarray) -> np.ndarray:
    steps = np.floor(pet / np.float32(_QUANTUM))
    out = ((steps + np.float32(0.5)) * np.float32(_QUANTUM)).astype(np.float32)
    out[pet < _QUANTUM] = 0.0
    return out


def ct_image(
    ct: np.ndarray, body: np.ndarray, *, sigma_hu: float, rng: np.random.Generator
) -> np.ndarray:
    noisy = np.full(ct.shape, -1000.0, dtype=np.float32)
    inside = ct[body]
    noisy[body] = inside + rng.standard_normal(inside.shape, dtype=np.float32) * np.float32(
        sigma_hu
    )
    return np.clip(np.rint(noisy), -1024, 3071).astype(np.int16)


def nifti_gz_bytes(data: np.ndarray, affine: np.ndarray, *, description: str) -> bytes:
    """A .nii.gz file's bytes. gzip with mtime 0 and no file name: the same array always
    gives the same bytes (the manifest's checksums depend on it)."""
    import nibabel as nib

    image = nib.Nifti1Image(data, affine)
    image.header.set_data_dtype(data.dtype)
    image.header.set_xyzt_units("mm", "sec")
    image.set_qform(affine, code=1)
    image.set_sform(affine, code=1)
    image.header["descrip"] = description.encode("ascii")[:79]
    return gzip.compress(image.to_bytes(), compresslevel=_GZIP_LEVEL, mtime=0)
