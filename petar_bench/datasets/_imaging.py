"""From tissue labels to images: PET activity, scanner blur and noise, CT, NIfTI bytes.

PET: activity (SUV) per tissue, with bowel texture, intermittent ureter filling and the
dependent-lung gradient (`mimics` adds brown fat, muscle, bowel foci and inflammation); a
Gaussian blur of the scanner protocol's resolution (4.5-8.5 mm FWHM, `scanners.PROTOCOLS`);
noise whose SD grows with the square root of the local signal and gives the liver a
coefficient of variation of 9-14 % (the usual benchmark is < 15 %); mildly correlated, as
reconstruction makes it. SUV lies on a 1/32 SUV lattice (odd multiples of 1/64): far below
the noise (SD 0.1-0.3 SUV in the liver), and no value sits exactly halfway between two
one-decimal numbers, so "SUVmax to one decimal" never depends on a rounding rule. It is
stored as uint16 with a NIfTI scale slope of 1/64 (exact, up to SUV 1000; a quarter smaller
than float32 after gzip); readers that apply the slope, as nibabel does, get the very values
the findings were measured on.

CT: HU per tissue plus white noise (sigma 15-30 HU for the native thin-pixel low-dose CT,
less on the coarser stored pixel), int16, on its own grid; air outside the body is exactly
-1000.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence

import numpy as np

from petar_bench.datasets._anatomy import Tissue
from petar_bench.datasets._geometry import smooth_field
from petar_bench.datasets._phantom import Phantom

T = Tissue
_QUANTUM = 1.0 / 32.0
_GZIP_LEVEL = 1
_VOX_OFFSET = 352  # NIfTI-1 single file: 348-byte header + 4-byte extension flag
#: NIfTI scale slope of the stored PET (uint16 counts of 1/64 SUV).
PET_STORAGE_SCALE = 1.0 / 64.0
#: Bowel texture above this many SDs is gas.
BOWEL_GAS_LEVEL = 1.8


def add_bowel_gas(phantom: Phantom, rng: np.random.Generator) -> np.ndarray:
    """Bowel texture field (mean 0, SD ~1) over the grid; the highest values become gas."""
    field = np.zeros(phantom.grid.shape, dtype=np.float32)
    bowel = phantom.labels == T.BOWEL
    if not bowel.any():
        return field
    # bounding box from the three projections (cheaper than listing every bowel voxel)
    spans = [np.nonzero(bowel.any(axis=other))[0] for other in ((1, 2), (0, 2), (0, 1))]
    lo = np.array([int(a[0]) for a in spans])
    hi = np.array([int(a[-1]) + 1 for a in spans])
    box = tuple(slice(int(a), int(b)) for a, b in zip(lo, hi, strict=True))
    texture = smooth_field(rng, [int(b - a) for a, b in zip(lo, hi, strict=True)], cell=3)
    field[box] = texture / max(float(texture.std()), 1e-6)
    gas = bowel & (field > BOWEL_GAS_LEVEL)
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
    """Odd multiples of 1/64 SUV (0 below the first), capped to what uint16 storage holds."""
    low = pet < _QUANTUM
    out = np.minimum(pet, np.float32(1000.0))
    out *= np.float32(1.0 / _QUANTUM)
    np.floor(out, out=out)
    out += np.float32(0.5)
    out *= np.float32(_QUANTUM)
    out[low] = 0.0
    return out.astype(np.float32, copy=False)


def ct_image(
    ct: np.ndarray, body: np.ndarray, *, sigma_hu: float, rng: np.random.Generator
) -> np.ndarray:
    noisy = np.full(ct.shape, -1000.0, dtype=np.float32)
    inside = ct[body]
    noisy[body] = inside + rng.standard_normal(inside.shape, dtype=np.float32) * np.float32(
        sigma_hu
    )
    return np.clip(np.rint(noisy), -1024, 3071).astype(np.int16)


def nifti_gz_bytes(
    data: np.ndarray, affine: np.ndarray, *, description: str, scale: float | None = None
) -> bytes:
    """A .nii.gz file's bytes. gzip with mtime 0 and no file name: the same array always
    gives the same bytes (the manifest's checksums depend on it). With `scale`, non-negative
    values that are exact multiples of it are stored as uint16 counts with that slope."""
    import nibabel as nib

    if scale is not None:
        counts = data * np.float32(1.0 / scale)  # exact for multiples of a power of two
        if counts.min() < 0 or counts.max() > np.iinfo(np.uint16).max:
            raise ValueError("values outside the uint16 range of the storage scale")
        if not np.array_equal(np.rint(counts), counts):
            raise ValueError("values are not multiples of the storage scale")
        data = counts.astype(np.uint16)
    # The header comes from nibabel (from a stand-in array: nothing big is copied); the
    # voxels follow it as one Fortran-order block, as in nibabel's own single-file writer.
    image = nib.Nifti1Image(np.zeros((1, 1, 1), dtype=data.dtype), affine)
    header = image.header
    header.set_data_shape(data.shape)
    header.set_data_dtype(data.dtype)
    header.set_slope_inter(1.0 if scale is None else scale, 0.0)  # as nibabel writes it
    header.set_xyzt_units("mm", "sec")
    image.set_qform(affine, code=1)
    image.set_sform(affine, code=1)
    header["descrip"] = description.encode("ascii")[:79]
    header.set_data_offset(_VOX_OFFSET)
    payload = header.binaryblock + b"\0" * 4 + data.tobytes(order="F")
    return gzip.compress(payload, compresslevel=_GZIP_LEVEL, mtime=0)
