"""Loading one lesion's PET, CT and mask: exactly what an adapter is allowed to see.

An adapter gets a `LesionInput`: the arrays, their affine, the tracer name and the on-disk
headers (so a preprocessing profile can re-quantise the way a reference pipeline does).
It never gets the record's reference text or structured fields.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from petar_bench.errors import UserError
from petar_bench.records import LesionRecord

# Affines of PET, CT and mask may differ by float noise from header round trips.
_AFFINE_TOLERANCE_MM = 1e-3


@dataclass(frozen=True)
class LesionInput:
    """What a model sees for one lesion."""

    sample_id: str
    tracer: str
    pet: np.ndarray  # SUV, on-disk dtype after scaling (float32 unless stored unscaled ints)
    ct: np.ndarray  # HU, same grid
    mask: np.ndarray  # bool, this lesion only
    affine: np.ndarray  # 4x4 voxel -> world (RAS mm)
    pet_header: Any = None  # nibabel header of the PET file (dtype, scaling)
    ct_header: Any = None

    @property
    def spacing_mm(self) -> tuple[float, float, float]:
        zooms = np.sqrt((self.affine[:3, :3] ** 2).sum(axis=0))
        return (float(zooms[0]), float(zooms[1]), float(zooms[2]))


def load_nifti(path: Path) -> tuple[np.ndarray, np.ndarray, Any]:
    """(data, affine, header) of a 3D NIfTI; a missing or corrupt file is a UserError."""
    import nibabel as nib

    if not path.is_file():
        raise UserError(f"volume {str(path)!r} does not exist; check the dataset directory")
    try:
        image: Any = nib.load(str(path))
        data = np.asanyarray(image.dataobj)
    except Exception as exc:  # nibabel raises many types for truncated or foreign files
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UserError(f"volume {str(path)!r} is not a readable NIfTI file: {reason}") from None
    if data.ndim == 4 and data.shape[3] == 1:
        data = data[..., 0]
    if data.ndim != 3:
        raise UserError(f"volume {str(path)!r} has shape {data.shape}; a 3D volume is required")
    return data, np.asarray(image.affine, dtype=np.float64), image.header


class VolumeLoader:
    """Loads lesions, keeping the most recent exams' PET/CT in memory (lesions share exams)."""

    def __init__(self, root: Path, *, cache_exams: int = 2) -> None:
        self.root = Path(root)
        self.cache_exams = cache_exams
        self._exams: OrderedDict[tuple[str, str], tuple[Any, Any]] = OrderedDict()

    def _exam(self, record: LesionRecord) -> tuple[Any, Any]:
        key = (record.pet_path, record.ct_path)
        if key in self._exams:
            self._exams.move_to_end(key)
            return self._exams[key]
        pet = load_nifti(self.root / record.pet_path)
        ct = load_nifti(self.root / record.ct_path)
        _check_same_grid(record, "CT", pet, ct)
        self._exams[key] = (pet, ct)
        while len(self._exams) > self.cache_exams:
            self._exams.popitem(last=False)
        return pet, ct

    def load(self, record: LesionRecord) -> LesionInput:
        (pet, pet_affine, pet_header), (ct, _, ct_header) = self._exam(record)
        mask_data, mask_affine, _ = load_nifti(self.root / record.mask_path)
        _check_same_grid(record, "mask", (pet, pet_affine), (mask_data, mask_affine))
        wanted = record.mask_label
        mask = mask_data > 0 if wanted is None else mask_data == wanted
        if not mask.any():
            which = "" if wanted is None else f" (label {wanted})"
            raise UserError(
                f"lesion {record.sample_id!r}: mask {record.mask_path!r}{which} is empty; "
                "every sample needs at least one lesion voxel"
            )
        _check_no_nan_under_mask(record, pet, mask)
        return LesionInput(
            sample_id=record.sample_id,
            tracer=record.tracer,
            pet=pet,
            ct=ct,
            mask=mask,
            affine=pet_affine,
            pet_header=pet_header,
            ct_header=ct_header,
        )


def _check_no_nan_under_mask(record: LesionRecord, pet: np.ndarray, mask: np.ndarray) -> None:
    """NaN PET voxels inside the lesion make SUVmax undefined: refuse, naming the file.

    (Without this, measurements fail with numpy's "argmax of an empty sequence" and models
    see NaN inputs.) NaN outside the lesion is left to the preprocessing profile.
    """
    if not np.issubdtype(pet.dtype, np.floating):
        return
    n_nan = int(np.isnan(pet[mask]).sum())
    if n_nan:
        raise UserError(
            f"lesion {record.sample_id!r}: PET {record.pet_path!r} has {n_nan} NaN voxel(s) "
            f"of {int(mask.sum())} under the mask; re-export the PET without NaN "
            "(e.g. 0 outside the field of view)"
        )


def _check_same_grid(record: LesionRecord, what: str, pet: tuple, other: tuple) -> None:
    pet_data, pet_affine = pet[0], pet[1]
    data, affine = other[0], other[1]
    if pet_data.shape != data.shape:
        raise UserError(
            f"lesion {record.sample_id!r}: PET grid {pet_data.shape} and {what} grid "
            f"{data.shape} disagree; resample the {what} onto the PET grid first"
        )
    if not np.allclose(pet_affine, affine, atol=_AFFINE_TOLERANCE_MM):
        raise UserError(
            f"lesion {record.sample_id!r}: PET and {what} affines disagree (same shape, "
            f"different position or spacing); resample the {what} onto the PET grid first"
        )
