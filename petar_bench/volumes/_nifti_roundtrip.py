"""The value changes of saving an array to NIfTI with a given on-disk dtype and reading it back.

The PETAR release writes its processed volumes with the input file's header (so the input's
on-disk dtype) and reads them back with ``get_fdata()``. nibabel computes a fresh slope and
intercept when a float array goes into an integer dtype, so a padded int16 CT or a scaled
int16 PET is re-quantised. We reproduce that with nibabel's own writer, in memory.
"""

from __future__ import annotations

import numpy as np


def disk_dtype(header: object, data: np.ndarray) -> np.dtype:
    """On-disk dtype recorded in a nibabel header; without a header, assume the array's own."""
    if header is not None and hasattr(header, "get_data_dtype"):
        dtype = np.dtype(header.get_data_dtype())
    else:
        dtype = np.dtype(np.uint8) if data.dtype.kind == "b" else data.dtype
    return dtype.newbyteorder("=")


def nifti_round_trip(data: np.ndarray, on_disk: np.dtype) -> np.ndarray:
    """float64 values that `nib.save` (dtype `on_disk`) then `nib.load(...).get_fdata()` give."""
    if np.can_cast(data.dtype, on_disk, casting="safe"):
        # nibabel writes a safe cast without scaling, so the values survive unchanged.
        return np.asarray(data, dtype=np.float64)
    import nibabel as nib

    header = nib.Nifti1Header()
    header.set_data_dtype(on_disk)
    image = nib.Nifti1Image(data, np.eye(4), header)
    return nib.Nifti1Image.from_bytes(image.to_bytes()).get_fdata()


def binary_round_trip(data: np.ndarray, on_disk: np.dtype) -> np.ndarray:
    """`nifti_round_trip` for an array of 0s and 1s, without writing the whole volume.

    nibabel's scaling depends only on the array's dtype and finite min/max, and the write is
    elementwise; so round-tripping the values present, in the same dtype, gives every voxel.
    """
    present = [v for v, here in ((0, (data == 0).any()), (1, (data == 1).any())) if here]
    values = np.array(present, dtype=data.dtype).reshape(-1, 1, 1)
    stored = nifti_round_trip(values, on_disk).ravel()
    if len(present) == 1:
        return np.full(data.shape, stored[0])
    return np.where(data == 1, stored[1], stored[0])
